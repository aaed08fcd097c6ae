// HTTP/1.1 message framing for the raw data path (RFC 9112): the request heads it serves itself, the backends'
// response heads, and a scanner that finds where a chunked body ends while its bytes pass through untouched.
// Requests are parsed strictly and only in the common shape; anything else (HTTP/1.0, Transfer-Encoding, upgrades,
// obs-fold, odd spacing) is not ours to judge: the caller hands the connection to Node's own HTTP server, whose
// parser answers it, so framing is never decided differently from the backend's reading of it.

/** A request head the raw path serves. */
export interface RequestHead {
  method: string;
  /** origin-form request target, query included */
  target: string;
  /** the Host header as sent */
  host: string;
  /** body length (0 without Content-Length) */
  contentLength: number;
  /** the client asked to close after this response (Connection: close) */
  close: boolean;
  /** the head to send upstream up to (not including) the forwarding headers: request line and end-to-end headers */
  upstreamHead: string;
}

/** Response headers the proxy never passes on (hop-by-hop; Transfer-Encoding stays: chunked bytes pass verbatim). */
const RESPONSE_DROP = new Set(['connection', 'keep-alive', 'proxy-connection', 'upgrade']);
/** Request headers the proxy drops or sets itself (hop-by-hop, and the forwarding family it owns). */
const REQUEST_DROP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port', 'x-real-ip', 'forwarded']);

const REQUEST_LINE = /^(GET|HEAD|POST|PUT|DELETE|PATCH|OPTIONS) (\/[\x21-\x7e]*) HTTP\/1\.1$/;
/** token ":" field-value, where the value holds no control character but HTAB. */
const FIELD_LINE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+:[\t\x20-\x7e\x80-\xff]*$/;
const DIGITS = /^\d{1,15}$/;

/**
 * Parses a request head (latin1 text up to, not including, the blank line). undefined: not in the shape the raw
 * path serves, for Node's server to answer (which includes every malformed or ambiguous request).
 */
export function parseRequestHead(head: string): RequestHead | undefined {
  const fields = head.split('\r\n');
  const line = fields.shift()!;
  const m = REQUEST_LINE.exec(line);
  if (!m) return undefined;
  let host: string | undefined;
  let contentLength = -1;
  let close = false;
  let listed: string[] | undefined;
  let te = false;
  // The output keeps runs of wanted lines as slices of the input.
  let out = line;
  for (const field of fields) {
    if (!FIELD_LINE.test(field)) return undefined;
    const colon = field.indexOf(':');
    const name = field.slice(0, colon).toLowerCase();
    const value = field.slice(colon + 1).trim();
    switch (name) {
      case 'host':
        if (host !== undefined) return undefined;
        host = value;
        continue;
      case 'content-length':
        if (contentLength >= 0 || !DIGITS.test(value)) return undefined;
        contentLength = Number(value);
        break;
      case 'transfer-encoding':
      case 'upgrade':
      case 'http2-settings':
        return undefined;
      case 'connection':
        for (const t of value.toLowerCase().split(',')) {
          const tok = t.trim();
          if (tok === 'close') close = true;
          // Naming a framing field hop-by-hop would strip it upstream while we frame by it: Node's server decides.
          else if (tok === 'upgrade' || tok === 'content-length' || tok === 'transfer-encoding' || tok === 'host') return undefined;
          else if (tok && tok !== 'keep-alive') (listed ??= []).push(tok);
        }
        continue;
      case 'te':
        if (value.toLowerCase() === 'trailers') te = true;
        continue;
    }
    if (REQUEST_DROP.has(name)) continue;
    out += `\r\n${field}`;
  }
  if (host === undefined) return undefined;
  // Headers the client named in Connection are hop-by-hop too: filtered afterwards, so the common case pays nothing.
  if (listed) out = dropLines(out, new Set(listed));
  if (te) out += '\r\nTE: trailers';
  return { method: m[1]!, target: m[2]!, host, contentLength: Math.max(contentLength, 0), close, upstreamHead: out };
}

/** How a response body ends. */
export type Framing = { kind: 'none' } | { kind: 'length'; length: number } | { kind: 'chunked' } | { kind: 'close' };

export interface ResponseHead {
  status: number;
  /** 1xx other than 101: an interim response, another head follows */
  interim: boolean;
  framing: Framing;
  /** the backend keeps the connection open after this response */
  reusable: boolean;
  /** the head for the client (request line rewritten to HTTP/1.1, hop-by-hop fields dropped), without the blank line */
  clientHead: string;
}

const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: ([^\r\n]*))?$/;

/**
 * Parses a backend's response head (latin1, up to the blank line) to the request with the given method.
 * A string: why it cannot be relayed (answered 502).
 */
export function parseResponseHead(head: string, method: string): ResponseHead | string {
  const fields = head.split('\r\n');
  const line = fields.shift()!;
  const m = STATUS_LINE.exec(line);
  if (!m) return `bad status line ${JSON.stringify(line.slice(0, 80))}`;
  const minor = m[1]!;
  const status = Number(m[2]);
  let out = `HTTP/1.1 ${m[2]} ${m[3] ?? ''}`;
  let length = -1;
  let chunked = false;
  let te = false;
  let close = minor === '0';
  let listed: string[] | undefined;
  for (const field of fields) {
    const colon = field.indexOf(':');
    if (colon <= 0) return `bad header line ${JSON.stringify(field.slice(0, 80))}`;
    const name = field.slice(0, colon).toLowerCase();
    const value = field.slice(colon + 1).trim();
    if (name === 'content-length') {
      if (!DIGITS.test(value) || (length >= 0 && Number(value) !== length)) return `bad Content-Length ${JSON.stringify(value)}`;
      length = Number(value);
    } else if (name === 'transfer-encoding') {
      te = true;
      // chunked must be the last coding for the length to be known (RFC 9112 6.3)
      chunked = value.toLowerCase().split(',').pop()!.trim() === 'chunked';
    } else if (name === 'connection') {
      for (const t of value.toLowerCase().split(',')) {
        const tok = t.trim();
        if (tok === 'close') close = true;
        else if (tok === 'keep-alive') {
          if (minor === '0') close = false;
        } else if (tok) (listed ??= []).push(tok);
      }
      continue;
    }
    if (RESPONSE_DROP.has(name)) continue;
    out += `\r\n${field}`;
  }
  const drop = new Set(listed?.filter((n) => n !== 'transfer-encoding' && n !== 'content-length'));
  // Transfer-Encoding overrides Content-Length, which an intermediary must then remove (RFC 9112 6.3).
  if (te && length >= 0) drop.add('content-length');
  if (drop.size) out = dropLines(out, drop);
  const interim = status >= 100 && status < 200 && status !== 101;
  let framing: Framing;
  if (interim || method === 'HEAD' || status === 204 || status === 304) framing = { kind: 'none' };
  else if (status === 101) return 'unexpected 101 Switching Protocols';
  else if (te) framing = chunked ? { kind: 'chunked' } : { kind: 'close' };
  else if (length >= 0) framing = { kind: 'length', length };
  else framing = { kind: 'close' };
  // A backend sending both framings is not trusted with the next request on this connection.
  const reusable = !close && framing.kind !== 'close' && !(te && length >= 0);
  return { status, interim, framing, reusable, clientHead: out };
}

/** Lines of a head whose field names are in names, removed (the first line is never a field). */
function dropLines(head: string, names: ReadonlySet<string>): string {
  const lines = head.split('\r\n');
  return [lines[0]!, ...lines.slice(1).filter((l) => !names.has(l.slice(0, l.indexOf(':')).toLowerCase()))].join('\r\n');
}

const enum Chunk {
  Size,
  SizeWS,
  Ext,
  SizeLF,
  Data,
  DataCR,
  DataLF,
  Trailer,
  TrailerLF,
  TrailerLine,
  TrailerLineLF,
  Done,
}

/** Longest chunk size accepted, in hex digits (2^60 bytes). */
const MAX_SIZE_DIGITS = 15;

/**
 * Follows a chunked body through the bytes that carry it, without changing them: feed() says where the body ended
 * (the index just past the last CRLF of the trailer section) or -1 while it goes on. Malformed framing throws.
 */
export class ChunkedScanner {
  private state = Chunk.Size;
  private size = 0;
  private digits = 0;
  private left = 0;

  get done(): boolean {
    return this.state === Chunk.Done;
  }

  feed(b: Buffer, start = 0): number {
    let i = start;
    const n = b.length;
    while (i < n) {
      switch (this.state) {
        case Chunk.Data: {
          const take = Math.min(this.left, n - i);
          i += take;
          this.left -= take;
          if (this.left === 0) this.state = Chunk.DataCR;
          continue;
        }
        case Chunk.Size: {
          const c = b[i]!;
          const v = hexValue(c);
          if (v >= 0) {
            if (++this.digits > MAX_SIZE_DIGITS) throw new Error('chunk size too long');
            this.size = this.size * 16 + v;
          } else if (this.digits === 0) throw new Error('chunk size expected');
          else if (c === 0x3b /* ; */) this.state = Chunk.Ext;
          else if (c === 0x20 || c === 0x09) this.state = Chunk.SizeWS;
          else if (c === 0x0d) this.state = Chunk.SizeLF;
          else throw new Error('bad chunk size');
          break;
        }
        case Chunk.SizeWS: {
          // Whitespace after the size may only lead to an extension or the line's end (RFC 9112 7.1.1).
          const c = b[i]!;
          if (c === 0x3b) this.state = Chunk.Ext;
          else if (c === 0x0d) this.state = Chunk.SizeLF;
          else if (c !== 0x20 && c !== 0x09) throw new Error('bad chunk size');
          break;
        }
        case Chunk.Ext: {
          const c = b[i]!;
          if (c === 0x0d) this.state = Chunk.SizeLF;
          else if (c === 0x0a || (c < 0x20 && c !== 0x09) || c === 0x7f) throw new Error('bad chunk extension');
          break;
        }
        case Chunk.SizeLF:
          if (b[i] !== 0x0a) throw new Error('bad chunk size line ending');
          if (this.size === 0) this.state = Chunk.Trailer;
          else {
            this.left = this.size;
            this.state = Chunk.Data;
          }
          this.size = 0;
          this.digits = 0;
          break;
        case Chunk.DataCR:
          if (b[i] !== 0x0d) throw new Error('chunk data longer than its size');
          this.state = Chunk.DataLF;
          break;
        case Chunk.DataLF:
          if (b[i] !== 0x0a) throw new Error('bad chunk data line ending');
          this.state = Chunk.Size;
          break;
        case Chunk.Trailer: {
          // Either the blank line that ends the body or the first byte of a trailer field.
          const c = b[i]!;
          if (c === 0x0d) this.state = Chunk.TrailerLF;
          else if (isCtl(c)) throw new Error('bad trailer line');
          else this.state = Chunk.TrailerLine;
          break;
        }
        case Chunk.TrailerLF:
          if (b[i] !== 0x0a) throw new Error('bad trailer line ending');
          this.state = Chunk.Done;
          return i + 1;
        case Chunk.TrailerLine: {
          const c = b[i]!;
          if (c === 0x0d) this.state = Chunk.TrailerLineLF;
          else if (isCtl(c)) throw new Error('bad trailer line');
          break;
        }
        case Chunk.TrailerLineLF:
          if (b[i] !== 0x0a) throw new Error('bad trailer line ending');
          this.state = Chunk.Trailer;
          break;
        case Chunk.Done:
          return i;
      }
      i++;
    }
    return -1;
  }
}

/** A control character other than HTAB (a bare LF among them). */
const isCtl = (c: number): boolean => (c < 0x20 && c !== 0x09) || c === 0x7f;

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}
