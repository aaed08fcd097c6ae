// Protocol-buffers wire format, reading only: varints, length-delimited fields, fixed 32/64.
export interface Field {
  no: number;
  wire: number;
  /** varint value (as bigint: int64 fields may exceed 2^53) */
  varint?: bigint;
  bytes?: Uint8Array;
}

export function readFields(buf: Uint8Array): Field[] {
  const out: Field[] = [];
  let i = 0;
  const varint = (): bigint => {
    let shift = 0n;
    let v = 0n;
    for (;;) {
      if (i >= buf.length) throw new Error('truncated varint');
      const b = buf[i++]!;
      v |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return v;
      shift += 7n;
      if (shift > 70n) throw new Error('varint too long');
    }
  };
  while (i < buf.length) {
    const key = Number(varint());
    const no = key >>> 3;
    const wire = key & 7;
    if (wire === 0) out.push({ no, wire, varint: varint() });
    else if (wire === 2) {
      const len = Number(varint());
      if (i + len > buf.length) throw new Error('truncated field');
      out.push({ no, wire, bytes: buf.subarray(i, i + len) });
      i += len;
    } else if (wire === 1 || wire === 5) {
      i += wire === 1 ? 8 : 4;
      if (i > buf.length) throw new Error('truncated fixed-width field');
    }
    else throw new Error(`unsupported wire type ${wire}`);
  }
  return out;
}
