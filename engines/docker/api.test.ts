import { describe, expect, it } from 'vitest';
import { EngineApiError, ensureNamedNetwork, type NamedNetwork } from './api.js';

/** An engine's network endpoints, in memory: create does not check duplicates, as a racing engine may not. */
function networks(initial: NamedNetwork[]) {
  const list = [...initial];
  const calls: string[] = [];
  let next = 0;
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    calls.push(`${method} ${path.split('?')[0]}`);
    if (method === 'GET') return list.map((n) => ({ ...n })) as T;
    if (method === 'POST') {
      const name = (body as { Name: string }).Name;
      list.push({ Id: `new${next++}`, Name: name, Created: '2026-12-02T15:00:00Z', IPAM: { Config: null } });
      return {} as T;
    }
    const id = path.split('/').at(-1);
    const index = list.findIndex((n) => n.Id === id);
    if (index < 0) throw new EngineApiError(404, `network ${id} not found`);
    list.splice(index, 1);
    return {} as T;
  };
  return { list, calls, call };
}

const at = (Created: string, Id: string, Name = 'slipway-router'): NamedNetwork => ({
  Id,
  Name,
  Created,
  IPAM: { Config: [{ Subnet: '172.28.0.0/24' }] },
});

describe('ensureNamedNetwork', () => {
  it('creates the network when none has the exact name (the engine filter matches substrings)', async () => {
    const engine = networks([at('2026-12-02T14:00:00Z', 'other', 'slipway-router-18480')]);
    const network = await ensureNamedNetwork(engine.call, 'slipway-router', {});
    expect(network.Name).toBe('slipway-router');
    expect(engine.calls.filter((c) => c.startsWith('POST'))).toEqual(['POST /networks/create']);
    expect(engine.list.map((n) => n.Name).sort()).toEqual(['slipway-router', 'slipway-router-18480']);
  });

  it('keeps the oldest of networks created at the same moment, to the nanosecond, and removes the others', async () => {
    const engine = networks([
      at('2026-12-02T14:00:00.12Z', 'b'),
      at('2026-12-02T14:00:00.100000001Z', 'a'),
      at('2026-12-02T14:00:00Z', 'c'),
    ]);
    const network = await ensureNamedNetwork(engine.call, 'slipway-router', {});
    expect(network.Id).toBe('c');
    expect(engine.list.map((n) => n.Id)).toEqual(['c']);
    expect(engine.calls).not.toContain('POST /networks/create');
  });

  it('says so when a duplicate cannot be removed', async () => {
    const engine = networks([at('2026-12-02T14:00:00Z', 'a'), at('2026-12-02T14:00:01Z', 'b')]);
    const stuck = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
      if (method === 'DELETE') throw new EngineApiError(403, 'network has active endpoints');
      return engine.call<T>(method, path, body);
    };
    await expect(ensureNamedNetwork(stuck, 'slipway-router', {}, 3)).rejects.toThrow(
      /^the engine keeps several networks named slipway-router$/,
    );
  });
});
