// Just enough protobuf wire format for the few BuildKit messages slipway reads and writes (no generated code).

export type FieldValue = bigint | Buffer;

/** Decodes one message into field number -> values (varints as bigint, length-delimited as Buffer). */
export function decodeFields(buffer: Buffer): Map<number, FieldValue[]> {
  const fields = new Map<number, FieldValue[]>();
  let offset = 0;
  function varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (offset >= buffer.length) throw new Error('truncated protobuf varint');
      const byte = buffer[offset++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
    }
  }
  while (offset < buffer.length) {
    const key = Number(varint());
    const field = key >>> 3;
    const wire = key & 7;
    let value: FieldValue;
    if (wire === 0) value = varint();
    else if (wire === 2) {
      const length = Number(varint());
      value = buffer.subarray(offset, offset + length);
      offset += length;
    } else if (wire === 1) {
      value = buffer.readBigUInt64LE(offset);
      offset += 8;
    } else if (wire === 5) {
      value = BigInt(buffer.readUInt32LE(offset));
      offset += 4;
    } else throw new Error(`unsupported protobuf wire type ${wire}`);
    const list = fields.get(field);
    if (list) list.push(value);
    else fields.set(field, [value]);
  }
  return fields;
}

export function stringField(fields: Map<number, FieldValue[]>, field: number): string {
  const value = fields.get(field)?.[0];
  return Buffer.isBuffer(value) ? value.toString('utf8') : '';
}

export function bufferFields(fields: Map<number, FieldValue[]>, field: number): Buffer[] {
  return (fields.get(field) ?? []).filter((v): v is Buffer => Buffer.isBuffer(v));
}

export function boolField(fields: Map<number, FieldValue[]>, field: number): boolean {
  const value = fields.get(field)?.[0];
  return typeof value === 'bigint' && value !== 0n;
}

function encodeVarint(value: number): Buffer {
  const bytes: number[] = [];
  let v = value;
  while (v > 0x7f) {
    bytes.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  bytes.push(v);
  return Buffer.from(bytes);
}

export function encodeBytesField(field: number, value: Buffer): Buffer {
  return Buffer.concat([encodeVarint((field << 3) | 2), encodeVarint(value.length), value]);
}

export function encodeVarintField(field: number, value: number): Buffer {
  return Buffer.concat([encodeVarint(field << 3), encodeVarint(value)]);
}
