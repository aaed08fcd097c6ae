// The plaintext HTTP/1.1 data path on raw sockets. Node's http module costs about three times the CPU of the bytes
// it moves per proxied request (request and response objects, header maps, streams on both sides); here a request
// head is parsed once into the upstream head, the response head is rewritten once, and bodies pass through as the
// buffers they arrive in. It serves the common shape of request (see http1-framing.ts); a connection that sends
// anything else, from an upgrade to a malformed head, is handed to Node's HTTP server (the slow path in proxy.ts)
// with the bytes already read put back, and stays there.
import type { Http2SecureServer } from 'node:http2';
import net, { type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Logger } from '../util/logger.js';
import { pickEndpoint, type Endpoint, type Target } from './backends.js';
import { ChunkedScanner, parseRequestHead, parseResponseHead, type Framing, type RequestHead } from './http1-framing.js';
import { rawPage } from './pages.js';
import type { ListenerInfo } from './proxy.js';
import { hostOf, matchRoute, pathOf, type RouteTable } from './routes.js';

export interface FastPathOptions {
  table: () => RouteTable;
  listener: ListenerInfo;
  /** Takes over a connection the fast path does not serve; the bytes already read are put back first. */
  fallback: (sock: Socket) => void;
  log: Logger;
  /** Idle time allowed between requests on a client connection (default 5000, as Node's http server). */
  keepAliveTimeoutMs?: number;
  /** How long a backend may take to start its response once the request is sent (default RESPONSE_TIMEOUT_MS). */
  responseTimeoutMs?: number;
}

/**
 * ingress-nginx's proxy-read-timeout default. Here it bounds the wait for a response head only: once a response
 * streams, a quiet stream (server-sent events, long polls) is not cut.
 */
export const RESPONSE_TIMEOUT_MS = 60_000;

/** Node's default limit on a request head; longer ones go to its server, which answers 431. */
const MAX_HEAD = 16 * 1024;
/** A response head longer than this is refused (502). */
const MAX_RESPONSE_HEAD = 64 * 1024;
/** Bytes of a following (pipelined) request buffered while one is in flight before reading stops. */
const MAX_PIPELINED = 64 * 1024;
/** Response bodies up to this size that arrive with their head are copied into one buffer with it. */
const SMALL_BODY = 16 * 1024;
const CONNECT_TIMEOUT_MS = 5000;
const MAX_ATTEMPTS = 3;
const CRLF2 = Buffer.from('\r\n\r\n');
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/** One pooled keep-alive connection to a backend endpoint. Its listeners are attached once and call its owner. */
interface Upstream {
  sock: Socket;
  ep: Endpoint;
  /** It carried a response before (a failure on it may be a keep-alive close racing our write). */
  reused: boolean;
  owner: Exchange | undefined;
}

/** One request in flight and its response. */
interface Exchange {
  conn: ClientConn;
  req: RequestHead;
  /** The upstream request head, sent on every attempt. */
  head: string;
  target: Target;
  tried: Set<Endpoint> | undefined;
  attempts: number;
  up: Upstream | undefined;
  /** Request body bytes still to come from the client. */
  bodyLeft: number;
  /** Response parsing: bytes of a head not yet complete. */
  respBuf: Buffer | undefined;
  /** Response body framing once the final head is read; undefined while reading heads. */
  framing: Framing | undefined;
  lengthLeft: number;
  chunks: ChunkedScanner | undefined;
  reusable: boolean;
  /** Some response byte reached the client (no retry, no error page any more). */
  started: boolean;
}

interface ClientConn {
  sock: Socket;
  buf: Buffer | undefined;
  ex: Exchange | undefined;
  closing: boolean;
  gone: boolean;
  detach: () => void;
}

export class Http1FastPath {
  readonly stats = { requests: 0, fallbacks: 0 };
  /** Idle upstream connections per endpoint id, most recently used last. */
  private readonly idle = new Map<string, Upstream[]>();
  private readonly keepAliveMs: number;
  private readonly responseTimeoutMs: number;
  private readonly forwardTail: string;
  private closed = false;

  constructor(private readonly o: FastPathOptions) {
    this.keepAliveMs = o.keepAliveTimeoutMs ?? 5000;
    this.responseTimeoutMs = o.responseTimeoutMs ?? RESPONSE_TIMEOUT_MS;
    this.forwardTail = `\r\nX-Forwarded-Proto: ${o.listener.scheme}\r\nX-Forwarded-Port: `;
  }

  serve(sock: Socket): void {
    if (this.closed) {
      sock.destroy();
      return;
    }
    sock.setNoDelay(true);
    // A client that half-closes after its request still gets the response (onEnd closes once it is written).
    sock.allowHalfOpen = true;
    const c: ClientConn = { sock, buf: undefined, ex: undefined, closing: false, gone: false, detach: () => {} };
    const onGone = () => this.clientGone(c);
    // One table for attaching and detaching: the fallback takes the socket over without our listeners.
    const listeners: [string, (...a: any[]) => void][] = [
      ['data', (d: Buffer) => this.clientData(c, d)],
      [
        'end',
        () => {
          // Half-closed by the client: finish what is in flight, then close.
          c.closing = true;
          if (!c.ex) sock.end();
        },
      ],
      ['error', onGone],
      ['close', onGone],
      // Only an idle connection (or one stuck in a request head) times out; a request waiting on its backend does not.
      ['timeout', () => void (c.ex || sock.destroy())],
      ['drain', () => c.ex?.up?.sock.resume()],
    ];
    for (const [ev, fn] of listeners) sock.on(ev, fn);
    sock.setTimeout(this.keepAliveMs);
    c.detach = () => {
      for (const [ev, fn] of listeners) sock.off(ev, fn);
      sock.setTimeout(0);
    };
    sock.resume();
  }

  close(): void {
    this.closed = true;
    for (const list of this.idle.values()) for (const u of list) u.sock.destroy();
    this.idle.clear();
  }

  // ---- client side ----

  private clientData(c: ClientConn, d: Buffer): void {
    const ex = c.ex;
    if (ex && ex.bodyLeft > 0) {
      // The body of the request in flight; whatever follows it is the next request.
      const take = Math.min(ex.bodyLeft, d.length);
      ex.bodyLeft -= take;
      const body = take === d.length ? d : d.subarray(0, take);
      if (ex.up && !ex.up.sock.write(body)) c.sock.pause();
      if (take === d.length) return;
      d = d.subarray(take);
    }
    c.buf = c.buf ? Buffer.concat([c.buf, d]) : d;
    if (c.ex) {
      // Pipelined: kept until the response in flight is done.
      if (c.buf.length > MAX_PIPELINED) c.sock.pause();
      return;
    }
    this.next(c);
  }

  /** Starts the request at the front of the buffer, if its head is complete. */
  private next(c: ClientConn): void {
    const buf = c.buf;
    if (!buf || c.gone || c.closing) return;
    const end = buf.indexOf(CRLF2);
    if (end < 0) {
      if (buf.length > MAX_HEAD) this.fallback(c);
      return;
    }
    if (end > MAX_HEAD) return this.fallback(c);
    const req = parseRequestHead(buf.toString('latin1', 0, end));
    if (!req) return this.fallback(c);
    const ref = matchRoute(this.o.table(), hostOf(req.host), pathOf(req.target));
    // The redirect to https is rare enough for the slow path, which knows how.
    if (ref?.sslRedirect && this.o.listener.scheme === 'http' && this.o.listener.httpsPort !== undefined) return this.fallback(c);
    const rest = end + 4 === buf.length ? undefined : buf.subarray(end + 4);
    c.buf = rest;
    if (req.close) c.closing = true;
    this.stats.requests++;
    const t = ref?.target;
    if (!t || t.endpoints.length === 0) {
      // A body we answer without reading is skipped as it arrives, to find the next request.
      const skip = this.skipBody(c, req.contentLength);
      this.page(c, ref ? 503 : 404, skip);
      return;
    }
    const ip = clientIP(c.sock);
    const head = `${req.upstreamHead}\r\nHost: ${req.host}\r\nX-Forwarded-For: ${ip}\r\nX-Real-IP: ${ip}\r\nX-Forwarded-Host: ${req.host}${this.forwardTail}${this.o.listener.port}\r\n\r\n`;
    const ex: Exchange = {
      conn: c,
      req,
      head,
      target: t,
      tried: undefined,
      attempts: 0,
      up: undefined,
      bodyLeft: req.contentLength,
      respBuf: undefined,
      framing: undefined,
      lengthLeft: 0,
      chunks: undefined,
      reusable: false,
      started: false,
    };
    c.ex = ex;
    this.attempt(ex, pickEndpoint(t)!, false);
  }

  /** Drops up to n body bytes already buffered; true when more must be dropped than are here (then it closes). */
  private skipBody(c: ClientConn, n: number): boolean {
    if (n === 0) return false;
    const have = c.buf?.length ?? 0;
    if (have >= n) {
      c.buf = have === n ? undefined : c.buf!.subarray(n);
      return false;
    }
    c.buf = undefined;
    c.closing = true;
    return true;
  }

  /** Hands the connection to Node's server: only between requests, with the unread bytes put back. */
  private fallback(c: ClientConn): void {
    this.stats.fallbacks++;
    c.detach();
    const sock = c.sock;
    sock.pause();
    if (c.buf) sock.unshift(c.buf);
    c.buf = undefined;
    c.gone = true;
    this.o.fallback(sock);
    sock.resume();
  }

  private clientGone(c: ClientConn): void {
    if (c.gone) return;
    c.gone = true;
    c.detach();
    c.sock.destroy();
    const ex = c.ex;
    c.ex = undefined;
    if (ex?.up) {
      // Mid-exchange: the upstream connection's state is unknown, never reused.
      ex.up.owner = undefined;
      ex.up.sock.destroy();
    }
  }

  /** An answer of our own (404, 502, 503), keeping the connection unless closing. */
  private page(c: ClientConn, status: number, close: boolean): void {
    const closing = close || c.closing;
    c.sock.write(rawPage(status, closing));
    this.finish(c, closing);
  }

  /** The exchange is over: close, or go on with a pipelined request. */
  private finish(c: ClientConn, close: boolean): void {
    c.ex = undefined;
    if (c.gone) return;
    if (close || c.closing) {
      c.gone = true;
      c.detach();
      c.sock.end();
      return;
    }
    if (c.sock.isPaused()) c.sock.resume();
    if (c.buf) this.next(c);
  }

  // ---- upstream side ----

  private attempt(ex: Exchange, ep: Endpoint, fresh: boolean): void {
    ex.attempts++;
    const up = (!fresh && this.takeIdle(ep)) || this.connect(ep);
    up.owner = ex;
    ex.up = up;
    // Inactivity while the request goes out and the response head is awaited; disarmed once the head is in.
    up.sock.setTimeout(this.responseTimeoutMs);
    const c = ex.conn;
    const buf = c.buf;
    // Body bytes that came with the head go out with it in one write.
    if (ex.bodyLeft > 0 && buf) {
      const take = Math.min(ex.bodyLeft, buf.length);
      ex.bodyLeft -= take;
      c.buf = take === buf.length ? undefined : buf.subarray(take);
      up.sock.cork();
      up.sock.write(ex.head, 'latin1');
      if (!up.sock.write(buf.subarray(0, take))) c.sock.pause();
      up.sock.uncork();
    } else up.sock.write(ex.head, 'latin1');
  }

  private takeIdle(ep: Endpoint): Upstream | undefined {
    const list = this.idle.get(ep.id);
    return list?.pop();
  }

  private connect(ep: Endpoint): Upstream {
    const sock = net.connect({ host: ep.host, port: ep.port, noDelay: true });
    const up: Upstream = { sock, ep, reused: false, owner: undefined };
    const timer = setTimeout(() => sock.destroy(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' })), CONNECT_TIMEOUT_MS);
    sock.once('connect', () => clearTimeout(timer));
    sock.on('data', (d: Buffer) => {
      if (up.owner) this.upstreamData(up.owner, d);
      // Bytes on an idle connection: the backend is not speaking HTTP/1.1 as we understand it.
      else sock.destroy();
    });
    sock.on('drain', () => {
      const c = up.owner?.conn;
      if (c && !c.gone && c.sock.isPaused()) c.sock.resume();
    });
    const gone = (err?: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      this.dropIdle(up);
      const ex = up.owner;
      up.owner = undefined;
      sock.destroy();
      if (ex && ex.up === up) this.upstreamFailed(ex, err?.code ?? 'ECONNRESET');
    };
    sock.on('error', gone);
    sock.on('end', () => gone());
    sock.on('close', () => gone());
    sock.on('timeout', () => {
      const ex = up.owner;
      // A request body still being uploaded keeps the wait open: the client is the slow side then.
      if (ex && ex.up === up && !ex.framing && ex.bodyLeft === 0) this.upstreamTimedOut(ex);
    });
    return up;
  }

  private dropIdle(up: Upstream): void {
    const list = this.idle.get(up.ep.id);
    if (!list) return;
    const i = list.indexOf(up);
    if (i >= 0) list.splice(i, 1);
  }

  private upstreamFailed(ex: Exchange, code: string): void {
    const c = ex.conn;
    const up = ex.up!;
    ex.up = undefined;
    if (c.gone) return;
    if (ex.started) {
      // A close-delimited body ends this way; any other framing was cut short.
      if (ex.framing?.kind === 'close') this.finish(c, true);
      else this.clientGone(c);
      return;
    }
    const retry = ex.req.contentLength === 0 && IDEMPOTENT.has(ex.req.method) && ex.attempts < MAX_ATTEMPTS;
    if (retry) {
      // A reused connection closing under our write is the keep-alive race: a fresh one to the same pod.
      if (up.reused) return this.attempt(ex, up.ep, true);
      (ex.tried ??= new Set()).add(up.ep);
      const next = pickEndpoint(ex.target, ex.tried);
      if (next) {
        this.o.log.debug('retrying on another endpoint', { failed: up.ep.id, next: next.id, err: code });
        return this.attempt(ex, next, false);
      }
    }
    this.o.log.info('upstream failed', { endpoint: up.ep.id, err: code });
    // A body partly sent cannot be resynchronised: answer and close.
    const close = this.skipBody(c, ex.bodyLeft);
    ex.bodyLeft = 0;
    this.page(c, 502, close);
  }

  private upstreamData(ex: Exchange, d: Buffer): void {
    const c = ex.conn;
    if (ex.framing) return this.relayBody(ex, d);
    // Reading a head (or several, with interim 1xx responses before the final one).
    let buf = ex.respBuf ? Buffer.concat([ex.respBuf, d]) : d;
    for (;;) {
      const end = buf.indexOf(CRLF2);
      if (end < 0) {
        if (buf.length > MAX_RESPONSE_HEAD) return this.badResponse(ex, 'response head too long');
        ex.respBuf = buf;
        return;
      }
      const h = parseResponseHead(buf.toString('latin1', 0, end), ex.req.method);
      if (typeof h === 'string') return this.badResponse(ex, h);
      const rest = buf.subarray(end + 4);
      if (h.interim) {
        ex.started = true;
        c.sock.write(`${h.clientHead}\r\n\r\n`, 'latin1');
        buf = rest;
        continue;
      }
      ex.respBuf = undefined;
      ex.up?.sock.setTimeout(0);
      ex.framing = h.framing;
      ex.reusable = h.reusable;
      ex.started = true;
      const close = c.closing || h.framing.kind === 'close';
      if (close) c.closing = true;
      const head = close ? `${h.clientHead}\r\nConnection: close\r\n\r\n` : `${h.clientHead}\r\n\r\n`;
      if (h.framing.kind === 'length') ex.lengthLeft = h.framing.length;
      else if (h.framing.kind === 'chunked') ex.chunks = new ChunkedScanner();
      if (rest.length === 0 && h.framing.kind !== 'none' && !(h.framing.kind === 'length' && h.framing.length === 0)) {
        if (!c.sock.write(head, 'latin1')) ex.up?.sock.pause();
        return;
      }
      // The usual small response: head and body in one buffer, one write (cheaper here than a gathered write).
      if (rest.length <= SMALL_BODY) {
        const n = Buffer.byteLength(head, 'latin1');
        const whole = Buffer.allocUnsafe(n + rest.length);
        whole.write(head, 0, 'latin1');
        rest.copy(whole, n);
        this.relayBody(ex, whole, n);
        return;
      }
      c.sock.cork();
      c.sock.write(head, 'latin1');
      this.relayBody(ex, rest);
      // relayBody may have closed the client; uncork flushes either way.
      c.sock.uncork();
      return;
    }
  }

  /**
   * Passes body bytes to the client and ends the exchange where the framing says the body ends. The body starts at
   * `from` in d (what comes before is a response head to send with it).
   */
  private relayBody(ex: Exchange, d: Buffer, from = 0): void {
    const c = ex.conn;
    const f = ex.framing!;
    let end = -1; // index just past the body in d, once it ends here
    switch (f.kind) {
      case 'none':
        end = from;
        break;
      case 'length': {
        const take = Math.min(ex.lengthLeft, d.length - from);
        ex.lengthLeft -= take;
        if (ex.lengthLeft === 0) end = from + take;
        break;
      }
      case 'chunked':
        try {
          end = ex.chunks!.feed(d, from);
        } catch (e) {
          this.o.log.info('bad chunked response', { endpoint: ex.up?.ep.id, err: (e as Error).message });
          return this.clientGone(c);
        }
        break;
      case 'close':
        break;
    }
    const out = end < 0 || end === d.length ? d : d.subarray(0, end);
    if (out.length && !c.sock.write(out)) ex.up?.sock.pause();
    if (end < 0) return;
    // The response is complete.
    const up = ex.up!;
    ex.up = undefined;
    up.owner = undefined;
    const extra = end < d.length;
    if (ex.reusable && !extra && ex.bodyLeft === 0 && !this.closed) {
      up.reused = true;
      if (up.sock.isPaused()) up.sock.resume();
      let list = this.idle.get(up.ep.id);
      if (!list) this.idle.set(up.ep.id, (list = []));
      list.push(up);
    } else up.sock.destroy();
    // A request body still coming cannot be told apart from the next request once the backend stopped reading it.
    const close = this.skipBody(c, ex.bodyLeft);
    ex.bodyLeft = 0;
    this.finish(c, close);
  }

  /** No response head within the timeout: 504, as ingress-nginx answers; not retried (a slow pod is slow twice). */
  private upstreamTimedOut(ex: Exchange): void {
    const c = ex.conn;
    const up = ex.up!;
    this.o.log.info('upstream timed out', { endpoint: up.ep.id, ms: this.responseTimeoutMs });
    up.owner = undefined;
    ex.up = undefined;
    up.sock.destroy();
    if (ex.started) return this.clientGone(c);
    this.page(c, 504, false);
  }

  private badResponse(ex: Exchange, why: string): void {
    const c = ex.conn;
    const up = ex.up!;
    this.o.log.info('bad upstream response', { endpoint: up.ep.id, err: why });
    up.owner = undefined;
    ex.up = undefined;
    up.sock.destroy();
    if (ex.started) return this.clientGone(c);
    const close = this.skipBody(c, ex.bodyLeft);
    ex.bodyLeft = 0;
    this.page(c, 502, close);
  }
}

function clientIP(sock: Socket): string {
  const a = sock.remoteAddress ?? '';
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}

/**
 * Sends a TLS listener's HTTP/1.1 connections (ALPN http/1.1, or none) to a raw data path once their handshake is
 * done, and HTTP/2 ones to the server's own handling. The http2 secure server attaches its connection handling to
 * 'secureConnection' (a tls.Server event); that listener is kept and called for h2, and for anything the raw path
 * hands back (it then serves HTTP/1.1 as before). Returns the fallback for the raw path.
 */
export function splitTlsConnections(server: Http2SecureServer, raw: () => Http1FastPath | undefined): (sock: Socket) => void {
  const own = server.listeners('secureConnection') as ((s: Socket) => void)[];
  const serveOwn = (sock: Socket) => {
    for (const fn of own) fn.call(server, sock);
  };
  server.removeAllListeners('secureConnection');
  server.on('secureConnection', (sock: TLSSocket) => {
    const fast = raw();
    if (fast && sock.alpnProtocol !== 'h2') fast.serve(sock);
    else serveOwn(sock);
  });
  return serveOwn;
}
