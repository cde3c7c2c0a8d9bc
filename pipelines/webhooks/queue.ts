// One queue per key (an environment): its tasks run one after the other, in arrival order, never two at once; tasks
// of other keys run meanwhile. A failed task does not stop the ones queued after it.
export interface SerialQueue {
  /** Runs `task` once every task queued before it under `key` has settled; resolves or rejects with its result. */
  enqueue<T>(key: string, task: () => Promise<T>): Promise<T>;
  /** Tasks queued or running. */
  size(): number;
  /** Resolves once nothing is queued or running (at once when idle). */
  idle(): Promise<void>;
}

export function createSerialQueue(): SerialQueue {
  const tails = new Map<string, Promise<unknown>>();
  let size = 0;
  let waiters: (() => void)[] = [];

  function settled(): void {
    size--;
    if (size === 0) {
      const resolved = waiters;
      waiters = [];
      for (const resolve of resolved) resolve();
    }
  }

  return {
    enqueue<T>(key: string, task: () => Promise<T>): Promise<T> {
      size++;
      // tails never reject: a task starts whether the one before it succeeded or failed
      const result = (tails.get(key) ?? Promise.resolve()).then(() => task());
      const tail = result.then(
        () => undefined,
        () => undefined,
      );
      tails.set(key, tail);
      void tail.then(() => {
        // the last task of a key leaves no entry behind
        if (tails.get(key) === tail) tails.delete(key);
        settled();
      });
      return result;
    },
    size: () => size,
    idle: () => (size === 0 ? Promise.resolve() : new Promise((resolve) => waiters.push(resolve))),
  };
}
