// SPDY/3.1 frames: the subset kubectl's SPDY client (moby/spdystream) speaks, encoded and decoded as values.
// Header blocks are zlib-compressed with the SPDY dictionary through ONE stream per direction per connection,
// each block ending at a sync flush, so a HeaderCodec belongs to one connection and must see blocks in order.
import { constants, inflateSync } from 'node:zlib';
import { SPDY3_DICTIONARY } from './spdy-dictionary.js';

export const SPDY_VERSION = 3;
export const FLAG_FIN = 0x01;
export const FLAG_UNIDIRECTIONAL = 0x02;
export const DEFAULT_WINDOW = 65_536;
export const SETTINGS_INITIAL_WINDOW_SIZE = 7;

export const RST = { PROTOCOL_ERROR: 1, INVALID_STREAM: 2, REFUSED_STREAM: 3, CANCEL: 5, INTERNAL_ERROR: 6, FLOW_CONTROL_ERROR: 7 } as const;

/** Header names are lower case; several values of one name travel joined by NUL. */
export type SpdyHeaders = Record<string, string[]>;

export type SpdyFrame =
  | { type: 'data'; streamId: number; flags: number; data: Buffer }
  | { type: 'syn_stream'; streamId: number; associatedId: number; priority: number; flags: number; headers: SpdyHeaders }
  | { type: 'syn_reply'; streamId: number; flags: number; headers: SpdyHeaders }
  | { type: 'rst_stream'; streamId: number; status: number }
  | { type: 'settings'; flags: number; entries: { flags: number; id: number; value: number }[] }
  | { type: 'ping'; id: number }
  | { type: 'goaway'; lastGoodStreamId: number; status: number }
  | { type: 'headers'; streamId: number; flags: number; headers: SpdyHeaders }
  | { type: 'window_update'; streamId: number; delta: number }
  | { type: 'unknown'; frameType: number };

const TYPE = { syn_stream: 1, syn_reply: 2, rst_stream: 3, settings: 4, ping: 6, goaway: 7, headers: 8, window_update: 9 } as const;

/**
 * Header block compression for one connection. Writing: we send each block as uncompressed "stored" deflate
 * blocks inside one zlib stream that names the SPDY dictionary, which every inflater reads as it reads real
 * compression (the few bytes saved are not worth a stateful deflater). Reading: the peer's blocks are one
 * continuing zlib stream; Node has no synchronous stateful inflate, so we keep the compressed bytes seen so far
 * and inflate them again, taking only the new output. Header blocks are small and few per connection.
 */
export class HeaderCodec {
  private wroteHeader = false;
  private inflatedLength = 0;
  private seen: Buffer[] = [];

  encode(headers: SpdyHeaders): Buffer {
    const parts: Buffer[] = [];
    const entries = Object.entries(headers);
    parts.push(u32(entries.length));
    for (const [name, values] of entries) {
      const n = Buffer.from(name.toLowerCase(), 'utf8');
      const v = Buffer.from(values.join('\0'), 'utf8');
      parts.push(u32(n.length), n, u32(v.length), v);
    }
    return this.stored(Buffer.concat(parts));
  }

  private stored(raw: Buffer): Buffer {
    const out: Buffer[] = [];
    if (!this.wroteHeader) {
      this.wroteHeader = true;
      out.push(ZLIB_DICT_HEADER);
    }
    for (let off = 0; off < raw.length; off += 0xffff) out.push(storedBlock(raw.subarray(off, off + 0xffff)));
    // End with an empty stored block, as a zlib sync flush does: Go's inflater hands out a stored block's bytes
    // only when the next block starts, so without it the last block would wait for bytes of the next frame.
    out.push(storedBlock(Buffer.alloc(0)));
    return Buffer.concat(out);
  }

  decode(block: Buffer): SpdyHeaders {
    let raw = Buffer.alloc(0);
    if (block.length > 0) {
      this.seen.push(block);
      const all = inflateSync(Buffer.concat(this.seen), { dictionary: SPDY3_DICTIONARY, finishFlush: constants.Z_SYNC_FLUSH });
      raw = all.subarray(this.inflatedLength);
      this.inflatedLength = all.length;
    }
    const out: SpdyHeaders = {};
    if (raw.length < 4) return out;
    let pos = 0;
    const need = (n: number) => {
      if (pos + n > raw.length) throw new Error('spdy: truncated header block');
    };
    need(4);
    const count = raw.readUInt32BE(pos);
    pos += 4;
    for (let i = 0; i < count; i++) {
      need(4);
      const nl = raw.readUInt32BE(pos);
      pos += 4;
      need(nl);
      const name = raw.subarray(pos, pos + nl).toString('utf8').toLowerCase();
      pos += nl;
      need(4);
      const vl = raw.readUInt32BE(pos);
      pos += 4;
      need(vl);
      const value = raw.subarray(pos, pos + vl).toString('utf8');
      pos += vl;
      out[name] = [...(out[name] ?? []), ...value.split('\0')];
    }
    return out;
  }

  close(): void {
    this.seen = [];
  }
}

/** A non-final stored (uncompressed) deflate block, byte aligned. */
function storedBlock(chunk: Buffer): Buffer {
  const h = Buffer.alloc(5);
  h[0] = 0;
  h.writeUInt16LE(chunk.length, 1);
  h.writeUInt16LE(~chunk.length & 0xffff, 3);
  return Buffer.concat([h, chunk]);
}

function adler32(b: Buffer): number {
  let a = 1;
  let s = 0;
  for (const x of b) {
    a = (a + x) % 65521;
    s = (s + a) % 65521;
  }
  return ((s << 16) | a) >>> 0;
}

/** zlib header: deflate with a 32 KiB window, FDICT set, then the dictionary's Adler-32. */
const ZLIB_DICT_HEADER: Buffer = (() => {
  const cmf = 0x78;
  let flg = 0x20;
  flg += (31 - ((cmf * 256 + flg) % 31)) % 31;
  const b = Buffer.alloc(6);
  b[0] = cmf;
  b[1] = flg;
  b.writeUInt32BE(adler32(SPDY3_DICTIONARY), 2);
  return b;
})();

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

function control(type: number, flags: number, body: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  h.writeUInt16BE(type, 2);
  h.writeUInt32BE(((flags & 0xff) << 24) | body.length, 4);
  return Buffer.concat([h, body]);
}

/** Encodes a frame; header-carrying frames compress through codec (so order of calls = order on the wire). */
export function encodeFrame(f: SpdyFrame, codec: HeaderCodec): Buffer {
  switch (f.type) {
    case 'data': {
      const h = Buffer.alloc(8);
      h.writeUInt32BE(f.streamId & 0x7fffffff, 0);
      h.writeUInt32BE(((f.flags & 0xff) << 24) | f.data.length, 4);
      return Buffer.concat([h, f.data]);
    }
    case 'syn_stream': {
      const b = Buffer.alloc(10);
      b.writeUInt32BE(f.streamId & 0x7fffffff, 0);
      b.writeUInt32BE(f.associatedId & 0x7fffffff, 4);
      b[8] = (f.priority & 0x7) << 5;
      return control(TYPE.syn_stream, f.flags, Buffer.concat([b, codec.encode(f.headers)]));
    }
    case 'syn_reply':
    case 'headers':
      return control(TYPE[f.type], f.flags, Buffer.concat([u32(f.streamId & 0x7fffffff), codec.encode(f.headers)]));
    case 'rst_stream':
      return control(TYPE.rst_stream, 0, Buffer.concat([u32(f.streamId & 0x7fffffff), u32(f.status)]));
    case 'settings': {
      const parts = [u32(f.entries.length)];
      for (const e of f.entries) parts.push(u32(((e.flags & 0xff) << 24) | (e.id & 0xffffff)), u32(e.value));
      return control(TYPE.settings, f.flags, Buffer.concat(parts));
    }
    case 'ping':
      return control(TYPE.ping, 0, u32(f.id));
    case 'goaway':
      return control(TYPE.goaway, 0, Buffer.concat([u32(f.lastGoodStreamId & 0x7fffffff), u32(f.status)]));
    case 'window_update':
      return control(TYPE.window_update, 0, Buffer.concat([u32(f.streamId & 0x7fffffff), u32(f.delta & 0x7fffffff)]));
    case 'unknown':
      throw new Error('spdy: cannot encode an unknown frame');
  }
}

/** Incremental decoder: push bytes in, take whole frames out. */
export class FrameReader {
  private buf: Buffer = Buffer.alloc(0);
  constructor(private readonly codec: HeaderCodec) {}

  push(chunk: Buffer): SpdyFrame[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const out: SpdyFrame[] = [];
    while (this.buf.length >= 8) {
      const len = this.buf.readUInt32BE(4) & 0xffffff;
      if (this.buf.length < 8 + len) break;
      const frame = this.buf.subarray(0, 8 + len);
      this.buf = this.buf.subarray(8 + len);
      out.push(this.decodeOne(frame));
    }
    return out;
  }

  private decodeOne(fr: Buffer): SpdyFrame {
    const flags = fr[4]!;
    const body = fr.subarray(8);
    if ((fr[0]! & 0x80) === 0) return { type: 'data', streamId: fr.readUInt32BE(0) & 0x7fffffff, flags, data: Buffer.from(body) };
    const version = fr.readUInt16BE(0) & 0x7fff;
    if (version !== SPDY_VERSION) throw new Error(`spdy: unsupported version ${version}`);
    const type = fr.readUInt16BE(2);
    const id = () => body.readUInt32BE(0) & 0x7fffffff;
    switch (type) {
      case TYPE.syn_stream:
        return { type: 'syn_stream', streamId: id(), associatedId: body.readUInt32BE(4) & 0x7fffffff, priority: body[8]! >> 5, flags, headers: this.codec.decode(body.subarray(10)) };
      case TYPE.syn_reply:
        return { type: 'syn_reply', streamId: id(), flags, headers: this.codec.decode(body.subarray(4)) };
      case TYPE.headers:
        return { type: 'headers', streamId: id(), flags, headers: this.codec.decode(body.subarray(4)) };
      case TYPE.rst_stream:
        return { type: 'rst_stream', streamId: id(), status: body.readUInt32BE(4) };
      case TYPE.settings: {
        const n = body.readUInt32BE(0);
        const entries = [];
        for (let i = 0; i < n; i++) {
          const fid = body.readUInt32BE(4 + i * 8);
          entries.push({ flags: fid >>> 24, id: fid & 0xffffff, value: body.readUInt32BE(8 + i * 8) });
        }
        return { type: 'settings', flags, entries };
      }
      case TYPE.ping:
        return { type: 'ping', id: body.readUInt32BE(0) };
      case TYPE.goaway:
        return { type: 'goaway', lastGoodStreamId: id(), status: body.length >= 8 ? body.readUInt32BE(4) : 0 };
      case TYPE.window_update:
        return { type: 'window_update', streamId: id(), delta: body.readUInt32BE(4) & 0x7fffffff };
      default:
        return { type: 'unknown', frameType: type };
    }
  }
}

/** First value of a header, case-insensitively. */
export function header(h: SpdyHeaders, name: string): string | undefined {
  return h[name.toLowerCase()]?.[0];
}
