// Kubernetes' protobuf encoding, as far as Tugboat reads it: the "k8s\0" envelope around a runtime.Unknown
// (TypeMeta + raw message), then the message by the field tables in schemas.ts, into the object's JSON form.
import { errors } from '../../api/errors.js';
import { DECODABLE, MESSAGES, type FieldType } from './schemas.js';
import { readFields, type Field } from './wire.js';

const MAGIC = [0x6b, 0x38, 0x73, 0x00];
const text = new TextDecoder('utf-8', { fatal: false });

export function decodeKubernetesProtobuf(buf: Uint8Array): Record<string, unknown> {
  if (buf.length < 4 || MAGIC.some((b, i) => buf[i] !== b)) throw errors.badRequest('the body of the request is not a Kubernetes protobuf message');
  let apiVersion = '';
  let kind = '';
  let raw: Uint8Array | undefined;
  try {
    for (const f of readFields(buf.subarray(4))) {
      if (f.no === 1 && f.bytes) {
        for (const t of readFields(f.bytes)) {
          if (t.no === 1 && t.bytes) apiVersion = text.decode(t.bytes);
          if (t.no === 2 && t.bytes) kind = text.decode(t.bytes);
        }
      } else if (f.no === 2 && f.bytes) raw = f.bytes;
    }
  } catch (e) {
    throw errors.badRequest(`error decoding protobuf: ${(e as Error).message}`);
  }
  const message = DECODABLE[`${apiVersion}/${kind}`];
  if (!message) {
    throw errors.unsupportedMediaType(`application/vnd.kubernetes.protobuf (Tugboat reads protobuf bodies only for ${Object.keys(DECODABLE).join(', ')}; send ${apiVersion}/${kind} as JSON)`);
  }
  try {
    return { apiVersion, kind, ...decodeMessage(message, raw ?? new Uint8Array()) };
  } catch (e) {
    throw errors.badRequest(`error decoding protobuf ${kind}: ${(e as Error).message}`);
  }
}

function decodeMessage(name: string, buf: Uint8Array): Record<string, unknown> {
  const schema = MESSAGES[name]!;
  const out: Record<string, unknown> = {};
  for (const f of readFields(buf)) {
    const def = schema[f.no];
    if (!def) continue;
    const [field, type] = def;
    if (typeof type === 'object' && 'map' in type) {
      const m = (out[field] ??= {}) as Record<string, unknown>;
      let k = '';
      let v: unknown = type.map === 'bytes' ? '' : '';
      for (const e of readFields(f.bytes ?? new Uint8Array())) {
        if (e.no === 1) k = text.decode(e.bytes ?? new Uint8Array());
        if (e.no === 2) v = scalar(type.map, e);
      }
      m[k] = v;
    } else if (typeof type === 'object' && 'repeated' in type) {
      const arr = (out[field] ??= []) as unknown[];
      arr.push(type.repeated === 'string' ? scalar('string', f) : decodeMessage(type.repeated.msg, f.bytes ?? new Uint8Array()));
    } else if (typeof type === 'object') {
      out[field] = decodeMessage(type.msg, f.bytes ?? new Uint8Array());
    } else if (type === 'rawjson') {
      return JSON.parse(text.decode(f.bytes)) as Record<string, unknown>;
    } else out[field] = scalar(type, f);
  }
  return out;
}

function scalar(type: Exclude<FieldType, object>, f: Field): unknown {
  switch (type) {
    case 'string':
      return text.decode(f.bytes ?? new Uint8Array());
    case 'bytes':
      return Buffer.from(f.bytes ?? new Uint8Array()).toString('base64');
    case 'int64':
    case 'int32':
      return Number(BigInt.asIntN(64, f.varint ?? 0n));
    case 'bool':
      return (f.varint ?? 0n) !== 0n;
    case 'time': {
      let secs = 0n;
      for (const t of readFields(f.bytes ?? new Uint8Array())) if (t.no === 1) secs = t.varint ?? 0n;
      return new Date(Number(secs) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    }
    default:
      return undefined;
  }
}
