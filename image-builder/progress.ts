// Build progress for people: a live block per component on a terminal, plain lines in CI logs.
import type { Writable } from 'node:stream';

export type ProgressState = 'waiting' | 'building' | 'pushing' | 'done' | 'reused' | 'failed';

export interface BuildProgress {
  start(id: string, action: string, reason: string): void;
  step(id: string, step: string, cached: boolean): void;
  state(id: string, state: ProgressState, note?: string): void;
  close(): void;
}

export function createProgress(
  stream: Writable & { isTTY?: boolean; columns?: number },
  ids: string[],
  options: { live: boolean },
): BuildProgress {
  const width = Math.max(...ids.map((i) => i.length), 10);
  const rows = new Map(ids.map((id) => [id, { state: 'waiting' as ProgressState, text: '' }]));
  if (!options.live) {
    return {
      start: (id, action, reason) => stream.write(`${id.padEnd(width)}  ${action}: ${reason}\n`),
      step: (id, step, cached) => stream.write(`${id.padEnd(width)}  ${step}${cached ? ' (cached)' : ''}\n`),
      state: (id, state, note) => stream.write(`${id.padEnd(width)}  ${state}${note ? `: ${note}` : ''}\n`),
      close: () => undefined,
    };
  }
  let drawn = 0;
  const started = Date.now();
  function draw(): void {
    const columns = stream.columns ?? 100;
    const lines = [...rows.entries()].map(([id, row]) => {
      const line = `${id.padEnd(width)}  ${row.state.padEnd(8)} ${row.text}`;
      return line.length > columns - 1 ? `${line.slice(0, columns - 2)}…` : line;
    });
    lines.push(`${((Date.now() - started) / 1000).toFixed(1)}s`);
    stream.write(`${drawn > 0 ? `\x1b[${drawn}A` : ''}${lines.map((l) => `\x1b[2K${l}`).join('\n')}\n`);
    drawn = lines.length;
  }
  const timer = setInterval(draw, 120);
  timer.unref();
  return {
    start(id, action, reason) {
      rows.set(id, { state: action === 'reuse' ? 'reused' : 'waiting', text: reason });
    },
    step(id, step, cached) {
      const row = rows.get(id)!;
      rows.set(id, {
        state: row.state === 'waiting' ? 'building' : row.state,
        text: `${step}${cached ? ' (cached)' : ''}`,
      });
    },
    state(id, state, note) {
      rows.set(id, { state, text: note ?? rows.get(id)!.text });
    },
    close() {
      clearInterval(timer);
      draw();
    },
  };
}
