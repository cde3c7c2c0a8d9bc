import { describe, expect, it } from 'vitest';
import { decodeBuildStatus } from './buildkit-status.js';
import { decodeFields, encodeBytesField, encodeVarintField, stringField } from './protobuf.js';

describe('protobuf wire format', () => {
  it('round-trips bytes and varint fields', () => {
    const message = Buffer.concat([encodeBytesField(1, Buffer.from('npmrc')), encodeVarintField(2, 300)]);
    const fields = decodeFields(message);
    expect(stringField(fields, 1)).toBe('npmrc');
    expect(fields.get(2)).toEqual([300n]);
  });

  it('decodes a BuildKit status with a failed step and its log', () => {
    const vertex = Buffer.concat([
      encodeBytesField(1, Buffer.from('sha256:abc')),
      encodeBytesField(3, Buffer.from('[2/3] RUN false')),
      encodeBytesField(5, Buffer.alloc(0)),
      encodeBytesField(7, Buffer.from('exit code: 1')),
    ]);
    const log = Buffer.concat([
      encodeBytesField(1, Buffer.from('sha256:abc')),
      encodeBytesField(4, Buffer.from('boom\n')),
    ]);
    const status = decodeBuildStatus(
      Buffer.concat([encodeBytesField(1, vertex), encodeBytesField(3, log)]).toString('base64'),
    );
    expect(status.steps).toEqual([
      {
        digest: 'sha256:abc',
        name: '[2/3] RUN false',
        cached: false,
        started: true,
        completed: false,
        error: 'exit code: 1',
      },
    ]);
    expect(status.logs).toEqual([{ vertex: 'sha256:abc', text: 'boom\n' }]);
  });
});
