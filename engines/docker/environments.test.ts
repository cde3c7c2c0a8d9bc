import { describe, expect, it } from 'vitest';
import { readinessDelay } from './environments.js';

describe('readinessDelay', () => {
  it('polls quickly at first, then backs off to every 250 ms', () => {
    expect([0, 1, 2, 3, 4, 10, 1000].map(readinessDelay)).toEqual([100, 150, 200, 250, 250, 250, 250]);
  });

  it('treats a negative attempt as the first', () => {
    expect(readinessDelay(-1)).toBe(100);
  });
});
