// The per-environment queue: one task at a time per key, in arrival order, other keys meanwhile, failures contained.
import { describe, expect, it } from 'vitest';
import { createSerialQueue } from './queue.js';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('serial queue', () => {
  it('runs the tasks of one key one after the other, in order, and other keys meanwhile', async () => {
    const queue = createSerialQueue();
    const log: string[] = [];
    const first = deferred();
    const a1 = queue.enqueue('a', async () => {
      log.push('a1 start');
      await first.promise;
      log.push('a1 end');
      return 1;
    });
    const a2 = queue.enqueue('a', async () => {
      log.push('a2 start');
      return 2;
    });
    const b1 = queue.enqueue('b', async () => {
      log.push('b1 start');
      return 3;
    });
    expect(queue.size()).toBe(3);
    await b1;
    // b ran while a1 was still running; a2 has not started
    expect(log).toEqual(['a1 start', 'b1 start']);
    first.resolve();
    expect(await Promise.all([a1, a2])).toEqual([1, 2]);
    expect(log).toEqual(['a1 start', 'b1 start', 'a1 end', 'a2 start']);
    await queue.idle();
    expect(queue.size()).toBe(0);
  });

  it('runs the next task after a failed one, and idle() waits for the last', async () => {
    const queue = createSerialQueue();
    const failed = queue.enqueue('a', () => Promise.reject(new Error('boom')));
    const thrown = queue.enqueue('a', () => {
      throw new Error('sync boom');
    });
    let ran = false;
    const next = queue.enqueue('a', async () => {
      ran = true;
    });
    await expect(failed).rejects.toThrow('boom');
    await expect(thrown).rejects.toThrow('sync boom');
    await next;
    await queue.idle();
    expect(ran).toBe(true);
    expect(queue.size()).toBe(0);
    await expect(queue.idle()).resolves.toBeUndefined();
  });
});
