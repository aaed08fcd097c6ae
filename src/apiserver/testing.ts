// Drives an ApiServer's handle() without a socket: a fake request in, the status, headers and body out.
// For tests of this folder and of parts that want a real API in process.
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { ApiServer } from './server.js';

export interface FakeResponse {
  code: number;
  headers: Record<string, string | string[]>;
  body: string;
  json<T = Record<string, unknown>>(): T;
}

class FakeRes extends EventEmitter {
  statusCode = 200;
  headers: Record<string, string | string[]> = {};
  chunks: string[] = [];
  headersSent = false;
  writableEnded = false;
  destroyed = false;
  private onEnd: () => void;
  constructor(onEnd: () => void) {
    super();
    this.onEnd = onEnd;
  }
  writeHead(code: number, headers?: Record<string, string | string[]>) {
    this.statusCode = code;
    for (const [k, v] of Object.entries(headers ?? {})) this.headers[k.toLowerCase()] = v;
    this.headersSent = true;
    return this;
  }
  flushHeaders() {}
  write(chunk: string | Uint8Array) {
    this.chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
    this.emit('data', chunk);
    return true;
  }
  end(chunk?: string | Uint8Array) {
    if (chunk !== undefined) this.write(chunk);
    this.writableEnded = true;
    this.onEnd();
    this.emit('close');
    return this;
  }
  /** The client going away (ends a watch). */
  disconnect() {
    this.destroyed = true;
    this.emit('close');
  }
}

export interface FakeRequestOptions {
  body?: unknown;
  /** Sent as is when a string; JSON-encoded otherwise. */
  contentType?: string;
  headers?: Record<string, string>;
}

export async function call(server: ApiServer, method: string, url: string, o: FakeRequestOptions = {}): Promise<FakeResponse> {
  const raw = o.body === undefined ? '' : typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
  const req = Readable.from(raw ? [Buffer.from(raw)] : []) as unknown as IncomingMessage;
  Object.assign(req, {
    method,
    url,
    headers: { 'content-type': o.contentType ?? 'application/json', 'user-agent': 'test/v0', ...lower(o.headers ?? {}) },
    socket: {},
  });
  let done!: () => void;
  const ended = new Promise<void>((r) => (done = r));
  const res = new FakeRes(() => done());
  await Promise.race([server.handle(req, res as unknown as ServerResponse), ended]);
  await ended;
  const body = res.chunks.join('');
  return { code: res.statusCode, headers: res.headers, body, json: () => JSON.parse(body) };
}

/** Starts a watch; returns the events seen so far and a stop function. */
export function watch(server: ApiServer, url: string, headers: Record<string, string> = {}) {
  const req = Readable.from([]) as unknown as IncomingMessage;
  Object.assign(req, { method: 'GET', url, headers: { 'user-agent': 'test/v0', ...lower(headers) }, socket: {} });
  const events: { type: string; object: Record<string, unknown> }[] = [];
  let buf = '';
  let ended = false;
  const waiters: (() => void)[] = [];
  const res = new FakeRes(() => {
    ended = true;
  });
  res.on('data', (c: string) => {
    buf += c;
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      events.push(JSON.parse(buf.slice(0, i)));
      buf = buf.slice(i + 1);
    }
    for (const w of waiters.splice(0)) w();
  });
  const done = server.handle(req, res as unknown as ServerResponse);
  return {
    events,
    res,
    get ended() {
      return ended;
    },
    /** Resolves when at least n events arrived (rejects after ms). */
    async waitFor(n: number, ms = 2000) {
      const deadline = Date.now() + ms;
      while (events.length < n) {
        if (Date.now() > deadline) throw new Error(`expected ${n} events, got ${events.length}: ${JSON.stringify(events)}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 50);
        });
      }
      return events;
    },
    async stop() {
      res.disconnect();
      await done;
    },
  };
}

function lower(h: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
}
