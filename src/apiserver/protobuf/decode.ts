// Kubernetes' protobuf encoding, as far as Tugboat reads it: the "k8s\0" envelope around a runtime.Unknown
// (TypeMeta, raw message, contentEncoding, contentType), then the message by the field tables of schemas/,
// into the JSON object a JSON client would have sent for the same Go value.
import { errors } from '../../api/errors.js';
import { messageOf, ROOT_KINDS } from './kinds.js';
import { message, type FieldDef, type MessageDef, type Scalar } from './schema.js';
import { readFields, type Field } from './wire.js';
import { formatGoDuration, formatMicroTime, formatTime } from './well-known.js';

const MAGIC = [0x6b, 0x38, 0x73, 0x00];
const text = new TextDecoder('utf-8');
const EMPTY: Uint8Array = new Uint8Array();

export function isKubernetesProtobuf(buf: Uint8Array): boolean {
  return buf.length >= 4 && MAGIC.every((b, i) => buf[i] === b);
}

export function decodeKubernetesProtobuf(buf: Uint8Array): Record<string, unknown> {
  if (!isKubernetesProtobuf(buf)) throw errors.badRequest('the body of the request is not a Kubernetes protobuf message');
  let envelope: { apiVersion: string; kind: string; raw: Uint8Array; contentEncoding: string; contentType: string };
  try {
    envelope = readUnknown(buf.subarray(4));
  } catch (e) {
    throw errors.badRequest(`error decoding protobuf: ${(e as Error).message}`);
  }
  const { apiVersion, kind, raw, contentEncoding, contentType } = envelope;
  if (contentEncoding) throw errors.unsupportedMediaType(`application/vnd.kubernetes.protobuf (content encoding ${contentEncoding})`);
  if (contentType.startsWith('application/json')) return parseJson(raw, kind);
  const name = messageOf(apiVersion, kind);
  const def = name === undefined ? undefined : message(name);
  if (!def) {
    const known = ROOT_KINDS.map((k) => `${k.apiVersion}/${k.kind}`).join(', ');
    throw errors.unsupportedMediaType(`application/vnd.kubernetes.protobuf (Tugboat reads protobuf bodies for ${known}; send ${apiVersion}/${kind} as JSON)`);
  }
  let body: unknown;
  try {
    body = decodeMessage(def, raw);
  } catch (e) {
    throw errors.badRequest(`error decoding protobuf ${kind}: ${(e as Error).message}`);
  }
  return { apiVersion, kind, ...(body as Record<string, unknown>) };
}

/** runtime.Unknown: 1 typeMeta {1 apiVersion, 2 kind}, 2 raw, 3 contentEncoding, 4 contentType. */
function readUnknown(buf: Uint8Array) {
  const out: { apiVersion: string; kind: string; raw: Uint8Array; contentEncoding: string; contentType: string } = {
    apiVersion: '',
    kind: '',
    raw: EMPTY,
    contentEncoding: '',
    contentType: '',
  };
  for (const f of readFields(buf)) {
    if (f.no === 1) {
      for (const t of readFields(bytesOf(f))) {
        if (t.no === 1) out.apiVersion = text.decode(bytesOf(t));
        if (t.no === 2) out.kind = text.decode(bytesOf(t));
      }
    } else if (f.no === 2) out.raw = bytesOf(f);
    else if (f.no === 3) out.contentEncoding = text.decode(bytesOf(f));
    else if (f.no === 4) out.contentType = text.decode(bytesOf(f));
  }
  return out;
}

function parseJson(raw: Uint8Array, what: string): Record<string, unknown> {
  try {
    return JSON.parse(text.decode(raw)) as Record<string, unknown>;
  } catch (e) {
    throw errors.badRequest(`error decoding ${what}: ${(e as Error).message}`);
  }
}

function bytesOf(f: Field): Uint8Array {
  if (f.bytes === undefined) throw new Error(`field ${f.no}: wrong wire type ${f.wire}, want length-delimited`);
  return f.bytes;
}

/** One message's JSON value. Most are objects; the well-known types below are strings, numbers or arrays. */
function decodeMessage(def: MessageDef, buf: Uint8Array): unknown {
  const special = WELL_KNOWN[def.name];
  if (special) return special(buf);
  const out: Record<string, unknown> = {};
  for (const f of readFields(buf)) {
    const field = def.fields.get(f.no);
    if (!field || field.json === '-') continue; // unknown to us: Kubernetes keeps it, JSON cannot say it
    if (field.map) {
      const m = (out[field.json] ??= {}) as Record<string, unknown>;
      const [k, v] = mapEntry(field, bytesOf(f));
      m[k] = v;
    } else if (field.repeated) {
      const arr = (out[field.json] ??= []) as unknown[];
      if (field.scalar) arr.push(...repeatedScalar(field.type as Scalar, f));
      else arr.push(decodeMessage(sub(field.type), bytesOf(f)));
    } else if (field.scalar) {
      out[field.json] = scalar(field.type as Scalar, f);
    } else {
      const value = decodeMessage(sub(field.type), bytesOf(f));
      if (field.inline) Object.assign(out, value);
      else if (value !== undefined) out[field.json] = value;
      else delete out[field.json];
    }
  }
  // gogo writes every non-pointer scalar, zero or not; Go's JSON leaves zeros out where the tag says omitempty.
  for (const field of def.fields.values()) {
    if (field.scalar && !field.repeated && !field.map && !field.pointer && !field.keepZero && isZero(out[field.json])) {
      delete out[field.json];
    }
  }
  if (def.list) return out.items ?? [];
  return out;
}

function sub(name: string): MessageDef {
  const def = message(name);
  if (!def) throw new Error(`no schema for message ${name}`);
  return def;
}

function isZero(v: unknown): boolean {
  return v === '' || v === 0 || v === false;
}

function mapEntry(field: FieldDef, buf: Uint8Array): [string, unknown] {
  let key = '';
  let value: unknown;
  for (const e of readFields(buf)) {
    if (e.no === 1) key = text.decode(bytesOf(e));
    else if (e.no === 2) value = field.scalar ? scalar(field.type as Scalar, e) : decodeMessage(sub(field.type), bytesOf(e));
  }
  if (value === undefined) value = field.scalar ? zeroOf(field.type as Scalar) : decodeMessage(sub(field.type), EMPTY);
  return [key, value];
}

function zeroOf(type: Scalar): unknown {
  return type === 's' || type === 'bytes' ? '' : type === 'b' ? false : 0;
}

function scalar(type: Scalar, f: Field): unknown {
  switch (type) {
    case 's':
      return text.decode(bytesOf(f));
    case 'bytes':
      return Buffer.from(bytesOf(f)).toString('base64');
    case 'b':
      return varintOf(f) !== 0n;
    case 'i32':
    case 'i64':
      return Number(BigInt.asIntN(64, varintOf(f)));
  }
}

function varintOf(f: Field): bigint {
  if (f.varint === undefined) throw new Error(`field ${f.no}: wrong wire type ${f.wire}, want varint`);
  return f.varint;
}

/** Repeated numbers may come packed (one length-delimited run of varints) or one per field. */
function repeatedScalar(type: Scalar, f: Field): unknown[] {
  if (f.wire !== 2 || type === 's' || type === 'bytes') return [scalar(type, f)];
  const values: unknown[] = [];
  const buf = bytesOf(f);
  let i = 0;
  while (i < buf.length) {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      const b = buf[i++];
      if (b === undefined) throw new Error(`field ${f.no}: truncated packed varint`);
      v |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) break;
      shift += 7n;
    }
    values.push(type === 'b' ? v !== 0n : Number(BigInt.asIntN(64, v)));
  }
  return values;
}

function timestamp(buf: Uint8Array): { seconds: bigint; nanos: number } | undefined {
  if (buf.length === 0) return undefined; // the zero time: Go marshals it as an empty message
  let seconds = 0n;
  let nanos = 0;
  for (const f of readFields(buf)) {
    if (f.no === 1) seconds = BigInt.asIntN(64, varintOf(f));
    if (f.no === 2) nanos = Number(BigInt.asIntN(64, varintOf(f)));
  }
  return { seconds, nanos };
}

function firstBytes(buf: Uint8Array, no: number): Uint8Array | undefined {
  let out: Uint8Array | undefined;
  for (const f of readFields(buf)) if (f.no === no) out = bytesOf(f);
  return out;
}

const WELL_KNOWN: Record<string, (buf: Uint8Array) => unknown> = {
  'meta.v1.Time': (buf) => {
    const t = timestamp(buf);
    return t && formatTime(t.seconds);
  },
  'meta.v1.MicroTime': (buf) => {
    const t = timestamp(buf);
    return t && formatMicroTime(t.seconds, t.nanos);
  },
  'meta.v1.Duration': (buf) => {
    let ns = 0n;
    for (const f of readFields(buf)) if (f.no === 1) ns = BigInt.asIntN(64, varintOf(f));
    return formatGoDuration(ns);
  },
  'api.resource.Quantity': (buf) => text.decode(firstBytes(buf, 1) ?? EMPTY),
  'util.intstr.IntOrString': (buf) => {
    let type = 0n;
    let intVal = 0;
    let strVal = '';
    for (const f of readFields(buf)) {
      if (f.no === 1) type = varintOf(f);
      if (f.no === 2) intVal = Number(BigInt.asIntN(64, varintOf(f)));
      if (f.no === 3) strVal = text.decode(bytesOf(f));
    }
    return type === 1n ? strVal : intVal;
  },
  // managedFields' fieldsV1 is JSON already.
  'meta.v1.FieldsV1': (buf) => {
    const raw = firstBytes(buf, 1);
    return raw && raw.length > 0 ? JSON.parse(text.decode(raw)) : undefined;
  },
  // An embedded object (ControllerRevision data): JSON, or itself a protobuf envelope.
  'runtime.RawExtension': (buf) => {
    const raw = firstBytes(buf, 1);
    if (!raw || raw.length === 0) return undefined;
    return isKubernetesProtobuf(raw) ? decodeKubernetesProtobuf(raw) : JSON.parse(text.decode(raw));
  },
};
