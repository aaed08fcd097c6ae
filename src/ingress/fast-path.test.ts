// The raw-socket HTTP/1.1 data path, byte for byte: clients and some backends are bare TCP sockets writing and
// reading exact bytes, so framing, header handling and connection reuse are seen as they are on the wire. The slow
// path (IngressProxy on Node's http server) stays behind it as the fallback for what the fast path does not take.
// Each case builds its own listener, route table and backends on 127.0.0.1 and tears them down after itself.
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import { makeCert } from '../util/certs.js';
import net, { type AddressInfo } from 'node:net';
import type { Ingress } from 'kubernetes-types/networking/v1.js';
import { WebSocket, WebSocketServer } from 'ws';
import { silentLogger } from '../util/logger.js';
import { Http1FastPath, splitTlsConnections } from './fast-path.js';
import { errorPage } from './pages.js';
import { IngressProxy, type ListenerInfo } from './proxy.js';
import { allRefs, buildRoutes } from './routes.js';

const HOST = 'app.test';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Everything a case opens, closed by its after hook. */
class Scope {
  readonly servers: net.Server[] = [];
  readonly sockets = new Set<net.Socket>();
  readonly closers: (() => void)[] = [];
  constructor(t: TestContext) {
    t.after(() => this.close());
  }
  track(sock: net.Socket): void {
    this.sockets.add(sock);
    sock.once('close', () => this.sockets.delete(sock));
  }
  async listen<S extends net.Server>(s: S): Promise<number> {
    this.servers.push(s);
    s.on('connection', (sock: net.Socket) => this.track(sock));
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    return (s.address() as AddressInfo).port;
  }
  async close(): Promise<void> {
    for (const c of this.closers) c();
    for (const s of this.sockets) s.destroy();
    await Promise.all(this.servers.map((s) => new Promise((r) => s.close(r))));
  }
}

// ---- the listener under test -------------------------------------------------------------------------------------

interface Rule {
  host?: string;
  path: string;
  pathType?: 'Prefix' | 'Exact';
  /** Backend ports on 127.0.0.1 ([] for a backend without ready endpoints). */
  ports: number[];
}

interface Front {
  port: number;
  fp: Http1FastPath;
  /** Client connections accepted. */
  accepted: () => number;
}

async function startFront(sc: Scope, rules: Rule[], keepAliveTimeoutMs = 5000, responseTimeoutMs?: number): Promise<Front> {
  const ing: Ingress = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'web', namespace: 'default', creationTimestamp: '2024-01-01T00:00:00Z' },
    spec: {
      rules: rules.map((r, i) => ({
        ...(r.host ? { host: r.host } : {}),
        http: { paths: [{ path: r.path, pathType: r.pathType ?? 'Prefix', backend: { service: { name: `svc-${i}`, port: { number: 80 } } } }] },
      })),
    },
  };
  const table = buildRoutes([ing]);
  for (const ref of allRefs(table)) {
    const ports = rules[Number(ref.backend.service!.name.slice(4))]!.ports;
    ref.target = { endpoints: ports.map((port) => ({ host: '127.0.0.1', port, id: `127.0.0.1:${port}` })), next: 0 };
  }
  const info: ListenerInfo = { scheme: 'http', port: 0 };
  const proxy = new IngressProxy(() => table, silentLogger, responseTimeoutMs);
  const fallbackServer = http.createServer(proxy.handler(info));
  fallbackServer.on('upgrade', proxy.upgradeHandler(info));
  let accepted = 0;
  let fp: Http1FastPath | undefined;
  const server = net.createServer((sock) => {
    accepted++;
    fp!.serve(sock);
  });
  info.port = await sc.listen(server);
  fp = new Http1FastPath({ table: () => table, listener: info, fallback: (s) => fallbackServer.emit('connection', s), log: silentLogger, keepAliveTimeoutMs, ...(responseTimeoutMs ? { responseTimeoutMs } : {}) });
  const made = fp;
  sc.closers.push(() => {
    made.close();
    proxy.close();
  });
  return { port: info.port, fp, accepted: () => accepted };
}

// ---- backends ----------------------------------------------------------------------------------------------------

interface HttpBackend {
  port: number;
  connections: () => number;
  requests: () => number;
  server: http.Server;
}

/** Default answer: "<method> <url>[ <body>]" with a Content-Length. */
const echo: http.RequestListener = (req, res) => {
  const parts: Buffer[] = [];
  req.on('data', (c: Buffer) => parts.push(c));
  req.on('end', () => {
    const body = Buffer.concat(parts).toString();
    res.end(`${req.method} ${req.url}${body ? ` ${body}` : ''}`);
  });
};

async function httpBackend(sc: Scope, handler: http.RequestListener = echo): Promise<HttpBackend> {
  let connections = 0;
  let requests = 0;
  const server = http.createServer((req, res) => {
    requests++;
    handler(req, res);
  });
  server.on('connection', () => connections++);
  const port = await sc.listen(server);
  return { port, server, connections: () => connections, requests: () => requests };
}

/** The smallest complete answer: 200 with a 2-byte body. */
const OK_RESPONSE = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';

/** An HTTP backend that also echoes websocket messages as "echo:<message>". */
async function wsEchoBackend(sc: Scope): Promise<HttpBackend> {
  const b = await httpBackend(sc);
  const wss = new WebSocketServer({ server: b.server });
  wss.on('connection', (ws) => ws.on('message', (m) => ws.send(`echo:${m.toString()}`)));
  sc.closers.push(() => wss.close());
  return b;
}

interface RawRequest {
  method: string;
  target: string;
  /** The head as received, request line and header lines, without the blank line. */
  head: string;
  headers: [string, string][];
  body: Buffer;
}

interface RawBackend {
  port: number;
  connections: () => number;
  /** Bytes received over all connections. */
  bytes: () => number;
  requests: RawRequest[];
}

/** A raw backend answering every request with OK_RESPONSE. */
const okBackend = (sc: Scope): Promise<RawBackend> => rawBackend(sc, (_rq, sock) => void sock.write(OK_RESPONSE));

/**
 * A backend on a bare socket that hands each request (head and Content-Length body) to `respond`, which writes
 * whatever bytes it likes. With continue100 it answers "Expect: 100-continue" before reading the body.
 */
async function rawBackend(sc: Scope, respond: (req: RawRequest, sock: net.Socket) => void | Promise<void>, continue100 = false): Promise<RawBackend> {
  let connections = 0;
  let bytes = 0;
  const requests: RawRequest[] = [];
  const server = net.createServer((sock) => {
    connections++;
    sock.setNoDelay(true);
    sock.on('data', (c: Buffer) => (bytes += c.length));
    const r = new Reader(sock);
    void (async () => {
      for (;;) {
        const head = await r.take('request head', parseHead, 60_000).catch(() => undefined);
        if (!head) return;
        const cl = Number(value(head.headers, 'content-length') ?? '0');
        if (continue100 && value(head.headers, 'expect')?.toLowerCase() === '100-continue') sock.write('HTTP/1.1 100 Continue\r\n\r\n');
        const body = await r.take('request body', (b) => (b.length >= cl ? { value: b.subarray(0, cl), used: cl } : undefined), 5000).catch(() => undefined);
        if (!body) return;
        const [method = '', target = ''] = head.start.split(' ');
        const req: RawRequest = { method, target, head: head.text, headers: head.headers, body: Buffer.from(body) };
        requests.push(req);
        await respond(req, sock);
      }
    })();
  });
  const port = await sc.listen(server);
  return { port, connections: () => connections, bytes: () => bytes, requests };
}

/** A port with nothing listening: connections to it are refused. */
async function deadPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

// ---- reading exact bytes -----------------------------------------------------------------------------------------

type Parse<T> = (buf: Buffer, ended: boolean) => { value: T; used: number } | undefined;

/** Buffers a socket's bytes and takes complete items off the front, each within a deadline. */
class Reader {
  private buf: Buffer = Buffer.alloc(0);
  private ended = false;
  private wake: (() => void) | undefined;
  /** When the socket closed (Date.now()). */
  closedAt: number | undefined;
  readonly closed: Promise<void>;

  constructor(readonly sock: net.Socket) {
    sock.on('data', (c: Buffer) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, c]) : c;
      this.poke();
    });
    sock.on('error', () => {});
    sock.on('end', () => {
      this.ended = true;
      this.poke();
    });
    this.closed = new Promise((resolve) =>
      sock.once('close', () => {
        this.ended = true;
        this.closedAt = Date.now();
        this.poke();
        resolve();
      }),
    );
  }

  private poke(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  /** Bytes received and not taken yet. */
  pending(): Buffer {
    return this.buf;
  }

  async take<T>(what: string, parse: Parse<T>, ms = 1500): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const r = parse(this.buf, this.ended);
      if (r) {
        this.buf = this.buf.subarray(r.used);
        return r.value;
      }
      if (this.ended) throw new Error(`${what}: connection closed with ${show(this.buf)} unread`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${what}: incomplete after ${ms} ms, have ${show(this.buf)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }

  /** One response; method tells whether a body may follow (HEAD). */
  response(method = 'GET', ms?: number): Promise<Res> {
    return this.take(`${method} response`, parseResponse(method), ms);
  }

  /** Everything until the peer closes. */
  rest(ms?: number): Promise<Buffer> {
    return this.take('bytes until close', (b, ended) => (ended ? { value: b, used: b.length } : undefined), ms);
  }

  /** Milliseconds from `from` until the socket closes, or an error after ms. */
  async closesWithin(ms: number, from = Date.now()): Promise<number> {
    let t: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((r) => (t = setTimeout(() => r('timeout'), ms)));
    const r = await Promise.race([this.closed, timeout]);
    clearTimeout(t);
    if (r === 'timeout') throw new Error(`connection still open after ${ms} ms`);
    return this.closedAt! - from;
  }
}

function show(b: Buffer): string {
  const s = b.toString('latin1');
  return JSON.stringify(s.length > 400 ? `${s.slice(0, 400)}...(${b.length} bytes)` : s);
}

interface Head {
  /** The first line. */
  start: string;
  text: string;
  headers: [string, string][];
}

const parseHead: Parse<Head> = (buf) => {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const text = buf.subarray(0, end).toString('latin1');
  const [start = '', ...lines] = text.split('\r\n');
  const headers = lines.map((l): [string, string] => {
    const i = l.indexOf(':');
    return [l.slice(0, i), l.slice(i + 1).trim()];
  });
  return { value: { start, text, headers }, used: end + 4 };
};

/** The first value of a header, by name in any case. */
function value(headers: [string, string][], name: string): string | undefined {
  return headers.find(([k]) => k.toLowerCase() === name)?.[1];
}

function values(headers: [string, string][], name: string): string[] {
  return headers.filter(([k]) => k.toLowerCase() === name).map(([, v]) => v);
}

interface Res {
  status: number;
  head: string;
  headers: [string, string][];
  /** The body bytes as framed on the wire (chunk sizes, extensions and trailers included). */
  wire: Buffer;
  /** The body without chunk framing. */
  body: Buffer;
  trailers: [string, string][];
  closeDelimited: boolean;
}

function parseResponse(method: string): Parse<Res> {
  return (buf, ended) => {
    const h = parseHead(buf, ended);
    if (!h) return undefined;
    const m = /^HTTP\/1\.[01] (\d{3})( .*)?$/.exec(h.value.start);
    if (!m) throw new Error(`not a status line: ${show(buf)}`);
    const status = Number(m[1]);
    const base = { status, head: h.value.text, headers: h.value.headers, trailers: [] as [string, string][], closeDelimited: false };
    const p = h.used;
    const empty = Buffer.alloc(0);
    if (method === 'HEAD' || status < 200 || status === 204 || status === 304) return { value: { ...base, wire: empty, body: empty }, used: p };
    if (value(h.value.headers, 'transfer-encoding')?.toLowerCase() === 'chunked') {
      const parts: Buffer[] = [];
      let q = p;
      for (;;) {
        const le = buf.indexOf('\r\n', q);
        if (le < 0) return undefined;
        const size = parseInt(buf.subarray(q, le).toString('latin1').split(';')[0]!.trim(), 16);
        if (Number.isNaN(size)) throw new Error(`bad chunk size line at ${q}: ${show(buf.subarray(q))}`);
        q = le + 2;
        if (size === 0) {
          const trailers: [string, string][] = [];
          for (;;) {
            const te = buf.indexOf('\r\n', q);
            if (te < 0) return undefined;
            const line = buf.subarray(q, te).toString('latin1');
            q = te + 2;
            if (line === '') break;
            const i = line.indexOf(':');
            trailers.push([line.slice(0, i), line.slice(i + 1).trim()]);
          }
          return { value: { ...base, trailers, wire: Buffer.from(buf.subarray(p, q)), body: Buffer.concat(parts) }, used: q };
        }
        if (buf.length < q + size + 2) return undefined;
        parts.push(buf.subarray(q, q + size));
        if (buf.subarray(q + size, q + size + 2).toString('latin1') !== '\r\n') throw new Error(`chunk not followed by CRLF: ${show(buf.subarray(q))}`);
        q += size + 2;
      }
    }
    const cl = value(h.value.headers, 'content-length');
    if (cl !== undefined) {
      const n = Number(cl);
      if (buf.length < p + n) return undefined;
      const body = Buffer.from(buf.subarray(p, p + n));
      return { value: { ...base, wire: body, body }, used: p + n };
    }
    if (!ended) return undefined;
    const body = Buffer.from(buf.subarray(p));
    return { value: { ...base, wire: body, body, closeDelimited: true }, used: buf.length };
  };
}

async function connect(sc: Scope, port: number): Promise<Reader> {
  const sock = net.connect(port, '127.0.0.1');
  sc.track(sock);
  const r = new Reader(sock);
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', resolve);
    sock.once('error', reject);
  });
  sock.setNoDelay(true);
  return r;
}

/** A request head for app.test (or host), with extra header lines ending in CRLF each. */
function req(method: string, path: string, extra = '', host = HOST): string {
  return `${method} ${path} HTTP/1.1\r\nHost: ${host}\r\n${extra}\r\n`;
}

/** One request on a raw connection and its response. */
async function exchange(r: Reader, method: string, path: string, extra = '', host = HOST): Promise<Res> {
  r.sock.write(req(method, path, extra, host));
  return r.response(method);
}

function assertServedFast(f: Front, requests?: number): void {
  assert.equal(f.fp.stats.fallbacks, 0, 'connections handed to the fallback');
  if (requests !== undefined) assert.equal(f.fp.stats.requests, requests, 'requests served on the fast path');
}

// ---- the cases -----------------------------------------------------------------------------------------------------

describe('ingress fast path: connections', () => {
  it('serves 50 keep-alive GETs on one client connection over one upstream connection', async (t) => {
    const sc = new Scope(t);
    const b = await httpBackend(sc);
    const f = await startFront(sc, [{ path: '/', ports: [b.port] }]);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    sc.closers.push(() => agent.destroy());
    for (let i = 0; i < 50; i++) {
      const got = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const rq = http.request({ host: '127.0.0.1', port: f.port, path: `/n/${i}`, headers: { host: HOST }, agent }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        rq.on('error', reject);
        rq.end();
      });
      assert.equal(got.status, 200);
      assert.equal(got.body, `GET /n/${i}`);
    }
    assert.equal(f.accepted(), 1, 'client connections');
    assert.equal(b.connections(), 1, 'upstream connections');
    assertServedFast(f, 50);
  });

  it('answers three pipelined requests in order on the same connection', async (t) => {
    const sc = new Scope(t);
    // The first answers last if the requests were run side by side.
    const delays: Record<string, number> = { '/p1': 80, '/p2': 40, '/p3': 0 };
    const b = await httpBackend(sc, (rq, res) => setTimeout(() => res.end(`answer ${rq.url}`), delays[rq.url ?? ''] ?? 0));
    const f = await startFront(sc, [{ path: '/', ports: [b.port] }]);
    const r = await connect(sc, f.port);
    r.sock.write(req('GET', '/p1') + req('GET', '/p2') + req('GET', '/p3'));
    for (const p of ['/p1', '/p2', '/p3']) {
      const res = await r.response();
      assert.equal(res.status, 200);
      assert.equal(res.body.toString(), `answer ${p}`);
    }
    assert.equal((await exchange(r, 'GET', '/p3')).status, 200, 'still open afterwards');
    assertServedFast(f, 4);
  });

  it('reads a request head that arrives a byte at a time', async (t) => {
    const sc = new Scope(t);
    const b = await httpBackend(sc);
    const f = await startFront(sc, [{ path: '/', ports: [b.port] }]);
    const r = await connect(sc, f.port);
    for (const c of req('GET', '/slowly', 'X-A: 1\r\n')) {
      r.sock.write(c);
      await new Promise((res) => setImmediate(res));
    }
    const res = await r.response();
    assert.equal(res.status, 200);
    assert.equal(res.body.toString(), 'GET /slowly');
    assertServedFast(f, 1);
  });

  it('keeps request bodies apart from the pipelined requests after them', async (t) => {
    const sc = new Scope(t);
    const b = await httpBackend(sc);
    const f = await startFront(sc, [{ path: '/', ports: [b.port] }]);
    const r = await connect(sc, f.port);
    // The body looks like a request line: it must reach the backend as body, not be served as a request.
    const body = `GET /fake HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`;
    r.sock.write(req('POST', '/one', `Content-Length: ${body.length}\r\n`) + body + req('GET', '/two'));
    const one = await r.response('POST');
    assert.equal(one.body.toString(), `POST /one ${body}`);
    const two = await r.response();
    assert.equal(two.body.toString(), 'GET /two');
    assert.equal(b.requests(), 2);
    assertServedFast(f, 2);
  });

  it('hands over the rest of a pipelined write after serving the request before it', async (t) => {
    const sc = new Scope(t);
    const b = await httpBackend(sc, (rq, res) => (rq.url === '/first' ? setTimeout(() => echo(rq, res), 50) : echo(rq, res)));
    const f = await startFront(sc, [{ path: '/', ports: [b.port] }]);
    const r = await connect(sc, f.port);
    // A chunked request body is the slow path's: it comes right behind a fast-path GET still waiting for its answer.
    r.sock.write(req('GET', '/first') + req('POST', '/second', 'Transfer-Encoding: chunked\r\n') + '3\r\nabc\r\n0\r\n\r\n');
    const first = await r.response();
    assert.equal(first.body.toString(), 'GET /first');
    const second = await r.response('POST');
    assert.equal(second.status, 200);
    assert.equal(second.body.toString(), 'POST /second abc');
    assert.equal(f.fp.stats.requests, 1);
    assert.equal(f.fp.stats.fallbacks, 1);
  });

  it('answers a client that half-closes after its request, then closes', async (t) => {
    const sc = new Scope(t);
    const b = await httpBackend(sc, (rq, res) => setTimeout(() => echo(rq, res), 30));
    const f = await startFront(sc, [{ path: '/', ports: [b.port] }]);
    const r = await connect(sc, f.port);
    r.sock.end(req('GET', '/half'));
    const res = await r.response();
    assert.equal(res.status, 200);
    assert.equal(res.body.toString(), 'GET /half');
    await r.closesWithin(1000);
    assertServedFast(f, 1);
  });

  it('closes the connection after answering a client Connection: close', async (t) => {
    const sc = new Scope(t);
    const b = await httpBackend(sc);
    const f = await startFront(sc, [{ path: '/', ports: [b.port] }]);
    const r = await connect(sc, f.port);
    r.sock.write(req('GET', '/bye', 'Connection: close\r\n'));
    const res = await r.response();
    assert.equal(res.status, 200);
    assert.equal(res.body.toString(), 'GET /bye');
    assert.equal(value(res.headers, 'connection')?.toLowerCase(), 'close');
    await r.closesWithin(1000);
    assert.equal(r.pending().length, 0, 'nothing after the response');
    assertServedFast(f, 1);
  });

  it('closes an idle client connection after keepAliveTimeoutMs', async (t) => {
    const sc = new Scope(t);
    const b = await httpBackend(sc);
    const f = await startFront(sc, [{ path: '/', ports: [b.port] }], 300);
    const r = await connect(sc, f.port);
    assert.equal((await exchange(r, 'GET', '/')).status, 200);
    const idle = await r.closesWithin(1500);
    assert.ok(idle >= 250 && idle <= 1500, `closed after ${idle} ms idle`);
    assertServedFast(f, 1);
  });

  it('does not time out a request whose backend answers after the idle timeout', async (t) => {
    const sc = new Scope(t);
    const b = await httpBackend(sc, (_rq, res) => setTimeout(() => res.end('late'), 800));
    const f = await startFront(sc, [{ path: '/', ports: [b.port] }], 300);
    const r = await connect(sc, f.port);
    // Idle a while first, so an idle timer started at accept is running when the request comes.
    await sleep(150);
    const res = await exchange(r, 'GET', '/slow');
    assert.equal(res.status, 200);
    assert.equal(res.body.toString(), 'late');
    // And the idle timer runs again once the answer is out.
    const idle = await r.closesWithin(1500);
    assert.ok(idle >= 250 && idle <= 1500, `closed after ${idle} ms idle`);
    assertServedFast(f, 1);
  });

  it('streams: the first chunk reaches the client before the backend finishes', async (t) => {
    const sc = new Scope(t);
    const b = await httpBackend(sc, (_rq, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first');
      const tm = setTimeout(() => res.end('rest'), 500);
      res.on('close', () => clearTimeout(tm));
    });
    const f = await startFront(sc, [{ path: '/', ports: [b.port] }]);
    const r = await connect(sc, f.port);
    const start = Date.now();
    r.sock.write(req('GET', '/stream'));
    await r.take('first chunk', (buf) => (buf.includes('first') ? { value: true, used: 0 } : undefined), 1000);
    const at = Date.now() - start;
    assert.ok(at < 300, `first chunk after ${at} ms`);
    const res = await r.response();
    assert.equal(res.body.toString(), 'firstrest');
    assertServedFast(f, 1);
  });

  it('stops the upstream request when the client disconnects mid-stream', async (t) => {
    const sc = new Scope(t);
    let upstreamClosed: number | undefined;
    const b = await httpBackend(sc, (rq, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('tick');
      const iv = setInterval(() => res.write('tick'), 50);
      rq.socket.once('close', () => {
        upstreamClosed = Date.now();
        clearInterval(iv);
      });
    });
    const f = await startFront(sc, [{ path: '/', ports: [b.port] }]);
    const r = await connect(sc, f.port);
    r.sock.write(req('GET', '/stream'));
    await r.take('first tick', (buf) => (buf.includes('tick') ? { value: true, used: 0 } : undefined));
    const gone = Date.now();
    r.sock.destroy();
    for (let i = 0; i < 20 && upstreamClosed === undefined; i++) await sleep(50);
    assert.ok(upstreamClosed !== undefined, 'the backend connection still open 1 s after the client left');
    assert.ok(upstreamClosed - gone <= 1000, `backend connection closed after ${upstreamClosed - gone} ms`);
    assertServedFast(f);
  });
});

describe('ingress fast path: response framing', () => {
  /** A raw backend answering each path with fixed bytes; "/after" answers with a Content-Length "after". */
  async function framingSetup(t: TestContext, answers: Record<string, string | ((sock: net.Socket) => Promise<void> | void)>, continue100 = false) {
    const sc = new Scope(t);
    const b = await rawBackend(
      sc,
      async (rq, sock) => {
        const path = rq.target;
        if (path === '/after') {
          sock.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nafter');
          return;
        }
        const a = answers[path];
        if (typeof a === 'string') sock.write(a);
        else if (a) await a(sock);
        else sock.write('HTTP/1.1 500 Unknown\r\nContent-Length: 0\r\n\r\n');
      },
      continue100,
    );
    const f = await startFront(sc, [{ path: '/', ports: [b.port] }]);
    const r = await connect(sc, f.port);
    const after = async () => {
      const res = await exchange(r, 'GET', '/after');
      assert.equal(res.status, 200);
      assert.equal(res.body.toString(), 'after', 'the request after it, on the same connection');
    };
    return { sc, b, f, r, after };
  }

  it('Content-Length', async (t) => {
    const { f, r, after } = await framingSetup(t, { '/cl': 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello' });
    const res = await exchange(r, 'GET', '/cl');
    assert.equal(res.status, 200);
    assert.equal(res.body.toString(), 'hello');
    await after();
    assertServedFast(f, 2);
  });

  it('chunked with an extension and trailers, written a byte at a time, forwarded verbatim', async (t) => {
    const body = '5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Sum: 42\r\n\r\n';
    const bytes = `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n${body}`;
    const { f, r, after } = await framingSetup(t, {
      '/chunked': async (sock) => {
        for (const c of bytes) {
          sock.write(c);
          await new Promise((res) => setImmediate(res));
        }
      },
    });
    const res = await exchange(r, 'GET', '/chunked');
    assert.equal(res.status, 200);
    assert.equal(res.body.toString(), 'hello world');
    assert.deepEqual(res.trailers, [['X-Sum', '42']]);
    assert.equal(res.wire.toString('latin1'), body, 'chunk framing as the backend wrote it');
    await after();
    assertServedFast(f, 2);
  });

  it('HEAD: a Content-Length header and no body', async (t) => {
    const { f, r, after } = await framingSetup(t, { '/head': 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1234\r\n\r\n' });
    const res = await exchange(r, 'HEAD', '/head');
    assert.equal(res.status, 200);
    assert.equal(value(res.headers, 'content-length'), '1234');
    await after();
    assertServedFast(f, 2);
  });

  it('204 and 304 without a body (304 with a Content-Length of the representation)', async (t) => {
    const { f, r, after } = await framingSetup(t, {
      '/204': 'HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n',
      '/304': 'HTTP/1.1 304 Not Modified\r\nETag: "v1"\r\nContent-Length: 10\r\n\r\n',
    });
    const a = await exchange(r, 'GET', '/204');
    assert.equal(a.status, 204);
    const b = await exchange(r, 'GET', '/304', 'If-None-Match: "v1"\r\n');
    assert.equal(b.status, 304);
    assert.equal(value(b.headers, 'etag'), '"v1"');
    await after();
    assertServedFast(f, 3);
  });

  it('100 Continue before the final response', async (t) => {
    const { f, r, b, after } = await framingSetup(
      t,
      {
        '/upload': (sock) => {
          sock.write('HTTP/1.1 201 Created\r\nContent-Length: 7\r\n\r\ncreated');
        },
      },
      true,
    );
    r.sock.write(req('POST', '/upload', 'Expect: 100-continue\r\nContent-Length: 5\r\n'));
    const interim = await r.response('POST');
    assert.equal(interim.status, 100);
    r.sock.write('hello');
    const res = await r.response('POST');
    assert.equal(res.status, 201);
    assert.equal(res.body.toString(), 'created');
    assert.equal(b.requests[0]?.body.toString(), 'hello');
    await after();
    assertServedFast(f, 2);
  });

  it('close-delimited: the whole body, then the client connection is closed, with Connection: close', async (t) => {
    const { f, r } = await framingSetup(t, {
      '/eof': (sock) => {
        sock.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil ');
        setTimeout(() => sock.end('the end'), 30);
      },
    });
    r.sock.write(req('GET', '/eof'));
    const all = await r.rest();
    const res = parseResponse('GET')(all, true)?.value;
    assert.ok(res, `a response: ${show(all)}`);
    assert.equal(res.status, 200);
    assert.equal(value(res.headers, 'connection')?.toLowerCase(), 'close');
    assert.equal(res.body.toString(), 'until the end');
    assertServedFast(f, 1);
  });
});

describe('ingress fast path: bodies and headers', () => {
  it('carries a 1 MB request body to the backend and its 1 MB echo back, intact', async (t) => {
    const sc = new Scope(t);
    const b = await httpBackend(sc, (rq, res) => {
      const parts: Buffer[] = [];
      rq.on('data', (c: Buffer) => parts.push(c));
      rq.on('end', () => {
        const body = Buffer.concat(parts);
        res.writeHead(200, { 'content-length': body.length, 'x-sha256': createHash('sha256').update(body).digest('hex') });
        res.end(body);
      });
    });
    const f = await startFront(sc, [{ path: '/', ports: [b.port] }]);
    const r = await connect(sc, f.port);
    const payload = randomBytes(1 << 20);
    const sum = createHash('sha256').update(payload).digest('hex');
    r.sock.write(req('POST', '/upload', `Content-Type: application/octet-stream\r\nContent-Length: ${payload.length}\r\n`));
    r.sock.write(payload);
    const res = await r.response('POST', 5000);
    assert.equal(res.status, 200);
    assert.equal(value(res.headers, 'x-sha256'), sum, 'what the backend received');
    assert.equal(res.body.length, payload.length);
    assert.equal(createHash('sha256').update(res.body).digest('hex'), sum, 'what came back');
    assert.equal((await exchange(r, 'GET', '/after')).status, 200);
    assertServedFast(f, 2);
  });

  it('forwards request headers as sent, with ours set and hop-by-hop ones dropped', async (t) => {
    const sc = new Scope(t);
    const b = await okBackend(sc);
    const f = await startFront(sc, [{ path: '/', ports: [b.port] }]);
    const r = await connect(sc, f.port);
    const extra =
      'X-Custom-One: 1\r\nx-forwarded-for: 6.6.6.6\r\nX-FORWARDED-HOST: evil.test\r\nForwarded: for=6.6.6.6\r\nConnection: keep-alive, X-Drop-Me\r\nKeep-Alive: timeout=99\r\n' +
      'Proxy-Connection: keep-alive\r\nX-Drop-Me: secret\r\nx-lower-case: 2\r\nX-Real-IP: 6.6.6.6\r\nX-Custom-One: 3\r\nUser-Agent: raw-test\r\n';
    const res = await exchange(r, 'GET', '/h?q=1', extra, 'Hdr.Example.test');
    assert.equal(res.status, 200);
    const got = b.requests[0];
    assert.ok(got, 'the backend got the request');
    assert.equal(got.target, '/h?q=1');
    const h = got.headers;
    assert.deepEqual(values(h, 'host'), ['Hdr.Example.test'], got.head);
    assert.deepEqual(values(h, 'x-forwarded-for'), ['127.0.0.1'], 'replaced, not appended');
    assert.deepEqual(values(h, 'x-real-ip'), ['127.0.0.1']);
    assert.deepEqual(values(h, 'x-forwarded-proto'), ['http']);
    assert.deepEqual(values(h, 'x-forwarded-host'), ['Hdr.Example.test']);
    assert.deepEqual(values(h, 'x-forwarded-port'), [String(f.port)]);
    assert.deepEqual(values(h, 'forwarded'), [], 'Forwarded is ours to set, as X-Forwarded-*');
    assert.deepEqual(values(h, 'keep-alive'), [], 'Keep-Alive is hop-by-hop');
    assert.deepEqual(values(h, 'proxy-connection'), []);
    assert.deepEqual(values(h, 'x-drop-me'), [], 'named in the client Connection header');
    // The proxy may speak for its own upstream connection, never pass on the client's.
    for (const c of values(h, 'connection')) assert.doesNotMatch(c, /x-drop-me/i);
    const ours = new Set(['host', 'connection', 'keep-alive', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port', 'x-real-ip']);
    assert.deepEqual(
      h.filter(([k]) => !ours.has(k.toLowerCase())),
      [
        ['X-Custom-One', '1'],
        ['x-lower-case', '2'],
        ['X-Custom-One', '3'],
        ['User-Agent', 'raw-test'],
      ],
      'other headers, case and order kept',
    );
    assertServedFast(f, 1);
  });

  it('passes the response headers verbatim, less Connection and Keep-Alive', async (t) => {
    const sc = new Scope(t);
    const b = await rawBackend(sc, (_rq, sock) => {
      sock.write(
        'HTTP/1.1 200 OK\r\nX-Mixed-Case: a\r\nSet-Cookie: a=1; Path=/\r\nConnection: keep-alive\r\nset-cookie: b=2\r\n' +
          'Keep-Alive: timeout=77, max=9\r\nDate: Mon, 01 Jan 2024 00:00:00 GMT\r\nContent-Length: 2\r\n\r\nok',
      );
    });
    const f = await startFront(sc, [{ path: '/', ports: [b.port] }]);
    const r = await connect(sc, f.port);
    const res = await exchange(r, 'GET', '/');
    assert.equal(res.status, 200);
    assert.equal(res.body.toString(), 'ok');
    for (const [k, v] of res.headers) assert.doesNotMatch(v, /timeout=77/, `the backend's Keep-Alive reached the client as ${k}`);
    assert.deepEqual(
      res.headers.filter(([k]) => !['connection', 'keep-alive'].includes(k.toLowerCase())),
      [
        ['X-Mixed-Case', 'a'],
        ['Set-Cookie', 'a=1; Path=/'],
        ['set-cookie', 'b=2'],
        ['Date', 'Mon, 01 Jan 2024 00:00:00 GMT'],
        ['Content-Length', '2'],
      ],
      res.head,
    );
    assertServedFast(f, 1);
  });

  it('routes by the path without its query string and forwards the query intact', async (t) => {
    const sc = new Scope(t);
    const b = await httpBackend(sc);
    const f = await startFront(sc, [{ path: '/api', ports: [b.port] }]);
    const r = await connect(sc, f.port);
    const a = await exchange(r, 'GET', '/api?x=1');
    assert.equal(a.status, 200);
    assert.equal(a.body.toString(), 'GET /api?x=1');
    const c = await exchange(r, 'GET', '/api/v1?q=a/b&r=%20');
    assert.equal(c.body.toString(), 'GET /api/v1?q=a/b&r=%20');
    assert.equal((await exchange(r, 'GET', '/apix?x=1')).status, 404);
    assertServedFast(f, 3);
  });
});

describe('ingress fast path: fallbacks to the slow path', () => {
  it('HTTP/1.0 requests', async (t) => {
    const sc = new Scope(t);
    const b = await httpBackend(sc);
    const f = await startFront(sc, [{ path: '/', ports: [b.port] }]);
    const r = await connect(sc, f.port);
    r.sock.write(`GET /old HTTP/1.0\r\nHost: ${HOST}\r\n\r\n`);
    const res = await r.response();
    assert.equal(res.status, 200);
    assert.equal(res.body.toString(), 'GET /old');
    assert.equal(f.fp.stats.fallbacks, 1);
    assert.equal(f.fp.stats.requests, 0);
  });

  it('chunked request bodies', async (t) => {
    const sc = new Scope(t);
    const b = await httpBackend(sc);
    const f = await startFront(sc, [{ path: '/', ports: [b.port] }]);
    const r = await connect(sc, f.port);
    r.sock.write(req('POST', '/chunks', 'Transfer-Encoding: chunked\r\n') + '5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n');
    const res = await r.response('POST');
    assert.equal(res.status, 200);
    assert.equal(res.body.toString(), 'POST /chunks hello world');
    assert.equal(f.fp.stats.fallbacks, 1);
    assert.equal(f.fp.stats.requests, 0);
  });

  it('websocket upgrades', async (t) => {
    const sc = new Scope(t);
    const b = await wsEchoBackend(sc);
    const f = await startFront(sc, [{ path: '/', ports: [b.port] }]);
    const ws = new WebSocket(`ws://127.0.0.1:${f.port}/ws`, { headers: { host: HOST } });
    sc.closers.push(() => ws.terminate());
    const got = await new Promise<string>((resolve, reject) => {
      ws.on('open', () => ws.send('one'));
      ws.on('message', (m) => resolve(m.toString()));
      ws.on('error', reject);
      setTimeout(() => reject(new Error('no websocket echo within 1.5 s')), 1500).unref();
    });
    assert.equal(got, 'echo:one');
    assert.equal(f.fp.stats.fallbacks, 1);
  });

  it('an upgrade as the second request of a connection, after a fast-path GET', async (t) => {
    const sc = new Scope(t);
    const b = await wsEchoBackend(sc);
    const f = await startFront(sc, [{ path: '/', ports: [b.port] }]);
    const r = await connect(sc, f.port);
    const first = await exchange(r, 'GET', '/first');
    assert.equal(first.status, 200);
    assert.equal(first.body.toString(), 'GET /first');
    // RFC 6455's example key and its accept value.
    const up = await exchange(r, 'GET', '/ws', 'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n');
    assert.equal(up.status, 101, up.head);
    assert.equal(value(up.headers, 'sec-websocket-accept'), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    // A masked text frame "hi" from the client; the server's answer comes unmasked.
    const mask = Buffer.from([1, 2, 3, 4]);
    const payload = Buffer.from('hi').map((c, i) => c ^ mask[i % 4]!);
    r.sock.write(Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, payload]));
    const frame = await r.take('echo frame', (buf) => (buf.length >= 2 && buf.length >= 2 + (buf[1]! & 0x7f) ? { value: buf.subarray(0, 2 + (buf[1]! & 0x7f)), used: 2 + (buf[1]! & 0x7f) } : undefined));
    assert.equal(frame[0], 0x81);
    assert.equal(frame.subarray(2).toString(), 'echo:hi');
    assert.equal(f.fp.stats.requests, 1);
    assert.equal(f.fp.stats.fallbacks, 1);
  });

  // Each gets Node's 400 and the backend sees nothing from that connection: no request smuggled past the parser.
  const malformed: [string, string][] = [
    ['a space before the colon', `GET / HTTP/1.1\r\nHost: ${HOST}\r\nContent-Length : 5\r\n\r\nhello`],
    ['an obs-fold continuation line', `GET / HTTP/1.1\r\nHost: ${HOST}\r\nX-Folded: a\r\n  b\r\n\r\n`],
    ['a bare LF line ending', `GET / HTTP/1.1\r\nHost: ${HOST}\nX-A: 1\r\n\r\n`],
    ['Content-Length: 12a', `POST / HTTP/1.1\r\nHost: ${HOST}\r\nContent-Length: 12a\r\n\r\nhello world!`],
    ['two different Content-Lengths', `POST / HTTP/1.1\r\nHost: ${HOST}\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!`],
    ['Content-Length with Transfer-Encoding', `POST / HTTP/1.1\r\nHost: ${HOST}\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`],
  ];
  for (const [what, bytes] of malformed) {
    it(`400 for ${what}, nothing forwarded`, async (t) => {
      const sc = new Scope(t);
      const b = await okBackend(sc);
      const f = await startFront(sc, [{ path: '/', ports: [b.port] }]);
      const r = await connect(sc, f.port);
      r.sock.write(bytes);
      const all = await r.rest();
      assert.match(all.toString('latin1'), /^HTTP\/1\.1 400 /, show(all));
      await sleep(20);
      assert.equal(b.bytes(), 0, `the backend received ${b.bytes()} bytes: ${b.requests.map((q) => q.head).join(' | ')}`);
      assert.equal(f.fp.stats.fallbacks, 1);
      assert.equal(f.fp.stats.requests, 0);
    });
  }

  it('a Content-Length named in Connection goes to the slow path, and the body never becomes a request', async (t) => {
    const sc = new Scope(t);
    const seen: string[] = [];
    const b = await httpBackend(sc, (req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push(`${req.method} ${req.url} ${JSON.stringify(body)}`);
        res.end('ok');
      });
    });
    const f = await startFront(sc, [{ path: '/', ports: [b.port] }]);
    const r = await connect(sc, f.port);
    const inner = `GET /smuggled HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`;
    r.sock.write(`POST /outer HTTP/1.1\r\nHost: ${HOST}\r\nConnection: content-length\r\nContent-Length: ${inner.length}\r\n\r\n${inner}`);
    const res = await r.response('POST');
    assert.equal(res.status, 200, res.head);
    await sleep(50);
    assert.deepEqual(seen, [`POST /outer ${JSON.stringify(inner)}`]);
    assert.equal(f.fp.stats.fallbacks, 1);
  });

  it('431 for a request head over 16 KiB', async (t) => {
    const sc = new Scope(t);
    const b = await okBackend(sc);
    const f = await startFront(sc, [{ path: '/', ports: [b.port] }]);
    const r = await connect(sc, f.port);
    r.sock.write(req('GET', '/', `X-Big: ${'a'.repeat(17 * 1024)}\r\n`));
    const all = await r.rest();
    assert.match(all.toString('latin1'), /^HTTP\/1\.1 431 /, show(all));
    assert.equal(b.bytes(), 0);
    assert.equal(f.fp.stats.fallbacks, 1);
  });

  it('431 for a request head that passes 16 KiB without ending', async (t) => {
    const sc = new Scope(t);
    const b = await okBackend(sc);
    const f = await startFront(sc, [{ path: '/', ports: [b.port] }]);
    const r = await connect(sc, f.port);
    // No blank line ever comes: the fast path must not buffer it forever.
    r.sock.write(`GET / HTTP/1.1\r\nHost: ${HOST}\r\n`);
    for (let i = 0; i < 17; i++) r.sock.write(`X-Big-${i}: ${'a'.repeat(1000)}\r\n`);
    const all = await r.rest();
    assert.match(all.toString('latin1'), /^HTTP\/1\.1 431 /, show(all));
    assert.equal(b.bytes(), 0);
    assert.equal(f.fp.stats.fallbacks, 1);
  });
});

describe('ingress: a backend silent past the response timeout', () => {
  it('gets 504 on the fast path, the connection stays usable, and a slow stream after its head is not cut', async (t) => {
    const sc = new Scope(t);
    let n = 0;
    const b = await rawBackend(sc, (rq, sock) => {
      n++;
      // The first request is never answered; /stream answers its head at once, then a chunk every 400 ms.
      if (rq.target === '/hang') return;
      if (rq.target === '/stream') {
        sock.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
        let i = 0;
        const tick = setInterval(() => {
          if (++i <= 2) sock.write('2\r\nok\r\n');
          else {
            clearInterval(tick);
            sock.write('0\r\n\r\n');
          }
        }, 400);
        sock.on('close', () => clearInterval(tick));
        return;
      }
      sock.write(OK_RESPONSE);
    });
    const f = await startFront(sc, [{ path: '/', ports: [b.port] }], 5000, 300);
    const r = await connect(sc, f.port);
    const t0 = Date.now();
    const res = await exchange(r, 'GET', '/hang');
    const waited = Date.now() - t0;
    assert.equal(res.status, 504);
    assert.equal(res.body.toString(), errorPage(504).toString());
    assert.ok(waited >= 250 && waited < 1500, `504 after ${waited} ms`);
    assert.equal((await exchange(r, 'GET', '/after')).status, 200);
    r.sock.write(req('GET', '/stream'));
    const s = await r.response('GET', 3000);
    assert.equal(s.status, 200);
    assert.equal(s.body.toString(), 'okok');
    assert.equal(n, 3);
    assertServedFast(f, 3);
  });

  it('gets 504 on the slow path too (an HTTP/1.0 request)', async (t) => {
    const sc = new Scope(t);
    const b = await rawBackend(sc, () => undefined);
    const f = await startFront(sc, [{ path: '/', ports: [b.port] }], 5000, 300);
    const r = await connect(sc, f.port);
    r.sock.write(`GET /hang HTTP/1.0\r\nHost: ${HOST}\r\n\r\n`);
    const all = await r.rest();
    assert.match(all.toString('latin1'), /^HTTP\/1\.1 504 /, show(all));
    assert.equal(f.fp.stats.fallbacks, 1);
  });
});

describe('ingress fast path: errors', () => {
  it('404 page for no matching rule, and the connection stays usable', async (t) => {
    const sc = new Scope(t);
    const b = await httpBackend(sc);
    const f = await startFront(sc, [{ host: HOST, path: '/', ports: [b.port] }]);
    const r = await connect(sc, f.port);
    const nf = await exchange(r, 'GET', '/', '', 'nobody.test');
    assert.equal(nf.status, 404);
    assert.equal(nf.body.toString(), errorPage(404).toString());
    assert.equal(value(nf.headers, 'content-type'), 'text/html');
    const ok = await exchange(r, 'GET', '/next');
    assert.equal(ok.status, 200);
    assert.equal(ok.body.toString(), 'GET /next');
    assertServedFast(f, 2);
  });

  it('503 page for a backend without endpoints', async (t) => {
    const sc = new Scope(t);
    const f = await startFront(sc, [{ path: '/', ports: [] }]);
    const r = await connect(sc, f.port);
    const res = await exchange(r, 'GET', '/');
    assert.equal(res.status, 503);
    assert.equal(res.body.toString(), errorPage(503).toString());
    assert.equal((await exchange(r, 'GET', '/')).status, 503, 'same connection');
    assertServedFast(f, 2);
  });

  it('502 page when the only endpoint refuses connections', async (t) => {
    const sc = new Scope(t);
    const f = await startFront(sc, [{ path: '/', ports: [await deadPort()] }]);
    const r = await connect(sc, f.port);
    const res = await exchange(r, 'GET', '/');
    assert.equal(res.status, 502);
    assert.equal(res.body.toString(), errorPage(502).toString());
    assert.equal((await exchange(r, 'GET', '/')).status, 502, 'same connection');
    assertServedFast(f, 2);
  });

  it('retries a GET on the other endpoint when one refuses', async (t) => {
    const sc = new Scope(t);
    const b = await httpBackend(sc);
    const f = await startFront(sc, [{ path: '/', ports: [await deadPort(), b.port] }]);
    const r = await connect(sc, f.port);
    for (let i = 0; i < 6; i++) {
      const res = await exchange(r, 'GET', `/r${i}`);
      assert.equal(res.status, 200, `request ${i}: ${res.body.toString()}`);
      assert.equal(res.body.toString(), `GET /r${i}`);
    }
    assertServedFast(f, 6);
  });

  it('a pooled upstream connection the backend closed while idle is not reused', async (t) => {
    const sc = new Scope(t);
    const b = await rawBackend(sc, (_rq, sock) => {
      sock.write(OK_RESPONSE);
      setTimeout(() => sock.end(), 50);
    });
    const f = await startFront(sc, [{ path: '/', ports: [b.port] }]);
    const r = await connect(sc, f.port);
    assert.equal((await exchange(r, 'GET', '/1')).status, 200);
    await sleep(150);
    const res = await exchange(r, 'GET', '/2');
    assert.equal(res.status, 200, res.body.toString());
    assert.equal(b.connections(), 2);
    assertServedFast(f, 2);
  });

  it('a GET written on a pooled connection the backend drops unanswered is sent again on a fresh one', async (t) => {
    const sc = new Scope(t);
    // The keep-alive race: the backend closes the idle connection just as the proxy reuses it. Here it drops the
    // second request of every connection without a word, the only endpoint there is.
    const perConn = new WeakMap<net.Socket, number>();
    const b = await rawBackend(sc, (_rq, sock) => {
      const n = (perConn.get(sock) ?? 0) + 1;
      perConn.set(sock, n);
      if (n === 1) sock.write(OK_RESPONSE);
      else sock.destroy();
    });
    const f = await startFront(sc, [{ path: '/', ports: [b.port] }]);
    const r = await connect(sc, f.port);
    assert.equal((await exchange(r, 'GET', '/1')).status, 200);
    const res = await exchange(r, 'GET', '/2');
    assert.equal(res.status, 200, res.body.toString());
    assert.equal(b.connections(), 2);
    assertServedFast(f, 2);
  });

  it('a backend answering Connection: close gets a new upstream connection for the next request', async (t) => {
    const sc = new Scope(t);
    const b = await rawBackend(sc, (_rq, sock) => {
      sock.end('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok');
    });
    const f = await startFront(sc, [{ path: '/', ports: [b.port] }]);
    const r = await connect(sc, f.port);
    for (let i = 0; i < 3; i++) {
      const res = await exchange(r, 'GET', `/${i}`);
      assert.equal(res.status, 200);
      assert.equal(res.body.toString(), 'ok');
    }
    assert.equal(b.connections(), 3);
    assertServedFast(f, 3);
  });

  it('a backend dying mid-body closes the client connection without further bytes', async (t) => {
    const sc = new Scope(t);
    const b = await rawBackend(sc, (_rq, sock) => {
      sock.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789', () => setTimeout(() => sock.destroy(), 20));
    });
    const f = await startFront(sc, [{ path: '/', ports: [b.port] }]);
    const r = await connect(sc, f.port);
    r.sock.write(req('GET', '/'));
    const all = await r.rest();
    const end = all.indexOf('\r\n\r\n');
    assert.ok(end > 0, show(all));
    assert.match(all.toString('latin1'), /^HTTP\/1\.1 200 /);
    assert.equal(all.subarray(end + 4).toString('latin1'), '0123456789', 'body bytes before the close');
    assert.equal(b.connections(), 1);
    assertServedFast(f, 1);
  });
});

describe('ingress fast path over TLS', () => {
  it('serves HTTP/1.1 over TLS on the raw path, leaves HTTP/2 to the server and hands upgrades back', async (t) => {
    const sc = new Scope(t);
    // Answers "<method> <path> <X-Forwarded-Proto>"; websockets echo.
    const b = await httpBackend(sc, (req, res) => res.end(`${req.method} ${req.url} ${String(req.headers['x-forwarded-proto'])}`));
    const wss = new WebSocketServer({ server: b.server });
    wss.on('connection', (w) => w.on('message', (m) => w.send(`echo:${m.toString()}`)));
    sc.closers.push(() => wss.close());
    const ing: Ingress = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'tls', namespace: 'default', creationTimestamp: '2024-01-01T00:00:00Z' },
      spec: { rules: [{ host: HOST, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'svc', port: { number: 80 } } } }] } }] },
    };
    const table = buildRoutes([ing]);
    for (const ref of allRefs(table)) ref.target = { endpoints: [{ host: '127.0.0.1', port: b.port, id: `127.0.0.1:${b.port}` }], next: 0 };
    const ca = makeCert({ commonName: 'test-ca', usage: 'ca', days: 1 });
    const kc = makeCert({ commonName: HOST, sans: [HOST], usage: 'server', days: 1 }, ca);
    const info: ListenerInfo = { scheme: 'https', port: 0 };
    const proxy = new IngressProxy(() => table, silentLogger);
    const server = http2.createSecureServer({ key: kc.key, cert: kc.cert, allowHTTP1: true }, proxy.handler(info));
    server.on('upgrade', proxy.upgradeHandler(info));
    let fp: Http1FastPath | undefined;
    const back = splitTlsConnections(server, () => fp);
    fp = new Http1FastPath({ table: () => table, listener: info, fallback: back, log: silentLogger });
    const made = fp;
    sc.closers.push(() => made.close());
    info.port = await sc.listen(server as unknown as net.Server);
    const tlsOpts = { host: '127.0.0.1', port: info.port, servername: HOST, ca: ca.cert };

    // HTTP/1.1 (no ALPN, as Node's https client): the raw path, with X-Forwarded-Proto https
    const one = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const q = https.request({ ...tlsOpts, path: '/one', headers: { host: HOST }, agent: false }, (r) => {
        let body = '';
        r.on('data', (d: Buffer) => (body += d.toString()));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
      });
      q.on('error', reject);
      q.end();
    });
    assert.equal(one.status, 200);
    assert.equal(one.body, 'GET /one https');
    assert.equal(fp.stats.requests, 1);

    // HTTP/2 (ALPN h2): the server's own path
    // Dialled by address, the name only in SNI and :authority: no name lookup leaves this machine.
    const client = http2.connect(`https://127.0.0.1:${info.port}`, { ...tlsOpts });
    sc.closers.push(() => client.close());
    const two = await new Promise<string>((resolve, reject) => {
      const st = client.request({ ':path': '/two', ':authority': HOST });
      let body = '';
      st.on('data', (d: Buffer) => (body += d.toString()));
      st.on('end', () => resolve(body));
      st.on('error', reject);
      st.end();
    });
    assert.equal(two, 'GET /two https');
    assert.equal(fp.stats.requests, 1, 'HTTP/2 went through the raw path');

    // A websocket over TLS: the raw path hands the connection back, the server upgrades it
    const ws = new WebSocket(`wss://127.0.0.1:${info.port}/ws`, { ...tlsOpts, headers: { host: HOST } });
    sc.closers.push(() => ws.terminate());
    const got = await new Promise<string>((resolve, reject) => {
      ws.on('open', () => ws.send('over tls'));
      ws.on('message', (m) => resolve(m.toString()));
      ws.on('error', reject);
      setTimeout(() => reject(new Error('no websocket echo within 1.5 s')), 1500).unref();
    });
    assert.equal(got, 'echo:over tls');
    assert.equal(fp.stats.fallbacks, 1);
  });
});
