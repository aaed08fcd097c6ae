// The data path: a request (HTTP/1.1, or HTTP/2 through node:http2's compatibility API) routed by the table and
// forwarded over pooled keep-alive HTTP/1.1 connections to one of the backend's ready endpoints. Bodies stream
// both ways; Upgrade requests (websockets) are spliced to the backend as raw sockets after its 101.
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from '../util/logger.js';
import { pickEndpoint, type Endpoint, type Target } from './backends.js';
import { RESPONSE_TIMEOUT_MS } from './fast-path.js';
import { errorPage, rawErrorResponse } from './pages.js';
import { hostOf, matchRoute, pathOf, type BackendRef, type RouteTable } from './routes.js';

/** Connection-specific headers (RFC 9110 7.6.1), never forwarded; HTTP/2 responses must not carry them. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'http2-settings']);
/** Set by us from the connection, never trusted from the client (ingress-nginx's default, use-forwarded-headers=false). */
const OURS = new Set(['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port', 'x-real-ip', 'forwarded', 'host']);
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);
/** Errors that mean the request never reached the backend (or hit a keep-alive socket it had just closed). */
const RETRYABLE = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ECONNRESET', 'EPIPE', 'ENOTFOUND']);
const MAX_ATTEMPTS = 3;
const CONNECT_TIMEOUT_MS = 5000;

export type Request = IncomingMessage | Http2ServerRequest;
export type Response = ServerResponse | Http2ServerResponse;

export interface ListenerInfo {
  scheme: 'http' | 'https';
  port: number;
  /** The https listener's port, for redirects from http. */
  httpsPort?: number;
}

/** A keep-alive agent whose new connections time out if the backend never answers the SYN. */
class UpstreamAgent extends http.Agent {
  override createConnection(opts: http.ClientRequestArgs): Duplex {
    const s = net.connect(opts as net.TcpNetConnectOpts);
    s.setNoDelay(true);
    const t = setTimeout(() => s.destroy(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' })), CONNECT_TIMEOUT_MS);
    s.once('connect', () => clearTimeout(t));
    s.once('close', () => clearTimeout(t));
    return s;
  }
}

export class IngressProxy {
  readonly agent: http.Agent;

  constructor(
    private readonly table: () => RouteTable,
    private readonly log: Logger,
    /** How long a backend may take to start its response (then 504); streaming responses are not cut. */
    private readonly responseTimeoutMs = RESPONSE_TIMEOUT_MS,
  ) {
    // lifo keeps the hottest sockets busy so idle ones age out. A backend closing an idle socket just as a request
    // is written on it gives ECONNRESET on a reused socket, retried for idempotent requests. No per-request socket
    // timeout: it costs a timer update per request and would cut long streams.
    this.agent = new UpstreamAgent({ keepAlive: true, maxFreeSockets: 1024, scheduling: 'lifo' });
  }

  close(): void {
    this.agent.destroy();
  }

  private route(req: Request): BackendRef | undefined {
    const authority = req.headers[':authority'];
    const host = hostOf(typeof authority === 'string' ? authority : req.headers.host);
    return matchRoute(this.table(), host, pathOf(req.url));
  }

  /** The request handler for one listener. */
  handler(l: ListenerInfo): (req: Request, res: Response) => void {
    return (req, res) => this.handle(req, res, l);
  }

  private handle(req: Request, res: Response, l: ListenerInfo): void {
    // HTTP/1.1 reads the raw header list once (req.headers is built lazily and never touched); HTTP/2 has no raw
    // list worth the trouble and keeps the header object.
    const h1 = !('stream' in req);
    const fwd = h1 ? scanRaw(req as IncomingMessage, l) : undefined;
    const r = fwd ? matchRoute(this.table(), hostOf(fwd.host), pathOf(req.url)) : this.route(req);
    if (!r) return sendPage(res, 404);
    if (r.sslRedirect && l.scheme === 'http' && l.httpsPort !== undefined) return redirect(req, res, l.httpsPort);
    const t = r.target;
    if (!t) return sendPage(res, 503);
    if (t.endpoints.length === 0) return sendPage(res, 503);
    const headers = fwd ? fwd.headers : upstreamHeaders(req, l);
    // Only a request without a body can be sent again: a streamed body is consumed by the first attempt.
    const noBody = fwd ? fwd.noBody : hasNoBody(req);
    const retry = noBody && IDEMPOTENT.has(req.method ?? '');
    let tried: Set<Endpoint> | undefined;
    let attempt = 0;
    let up: http.ClientRequest | undefined;
    let responded = false;
    // The client went away (closed tab, ended stream): stop the upstream request too. One listener for all attempts.
    res.once('close', () => {
      if (!res.writableFinished) up?.destroy();
    });
    const send = (ep: Endpoint): void => {
      attempt++;
      const u = http.request({ host: ep.host, port: ep.port, method: req.method, path: req.url, headers, agent: this.agent, setHost: false }, (upRes) => {
        responded = true;
        u.setTimeout(0);
        forwardResponse(upRes, res);
      });
      u.setTimeout(this.responseTimeoutMs, () => u.destroy(Object.assign(new Error('no response in time'), { code: 'UPSTREAM_TIMEOUT' })));
      up = u;
      u.on('error', (err: NodeJS.ErrnoException) => {
        if (responded || res.headersSent) {
          res.destroy();
          return;
        }
        if (retry && attempt < MAX_ATTEMPTS && RETRYABLE.has(err.code ?? '') && !gone(res)) {
          tried ??= new Set();
          tried.add(ep);
          const next = pickEndpoint(t, tried);
          if (next) {
            this.log.debug('retrying on another endpoint', { failed: ep.id, next: next.id, err: err.code });
            return send(next);
          }
        }
        this.log.info('upstream failed', { endpoint: ep.id, err: err.code ?? err.message });
        sendPage(res, err.code === 'UPSTREAM_TIMEOUT' ? 504 : 502);
      });
      if (noBody) u.end();
      else req.pipe(u);
    };
    send(pickEndpoint(t)!);
  }

  /** For the HTTP/1.1 'upgrade' event: websockets and other protocols switched from HTTP/1.1. */
  upgradeHandler(l: ListenerInfo): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
    return (req, socket, head) => this.upgrade(req, socket, head, l);
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, l: ListenerInfo): void {
    socket.on('error', () => socket.destroy());
    const t = this.route(req)?.target;
    if (!t || t.endpoints.length === 0) {
      socket.end(rawErrorResponse(t ? 503 : 404));
      return;
    }
    const ep = pickEndpoint(t)!;
    const headers = upstreamHeaders(req, l);
    headers.connection = 'Upgrade';
    headers.upgrade = req.headers.upgrade ?? '';
    const up = http.request({ host: ep.host, port: ep.port, method: req.method, path: req.url, headers, setHost: false, agent: false });
    up.on('upgrade', (upRes, upSocket, upHead) => {
      let out = `HTTP/1.1 ${upRes.statusCode ?? 101} ${upRes.statusMessage ?? 'Switching Protocols'}\r\n`;
      const raw = upRes.rawHeaders;
      for (let i = 0; i + 1 < raw.length; i += 2) out += `${raw[i]}: ${raw[i + 1]}\r\n`;
      socket.write(`${out}\r\n`);
      if (upHead.length) socket.write(upHead);
      if (head.length) upSocket.write(head);
      upSocket.setNoDelay(true);
      upSocket.on('error', () => socket.destroy());
      socket.on('close', () => upSocket.destroy());
      upSocket.on('close', () => socket.destroy());
      upSocket.pipe(socket);
      socket.pipe(upSocket);
    });
    // The backend refused to switch: relay its plain answer and close.
    up.on('response', (upRes) => {
      let out = `HTTP/1.1 ${upRes.statusCode ?? 502} ${upRes.statusMessage ?? ''}\r\n`;
      const raw = upRes.rawHeaders;
      for (let i = 0; i + 1 < raw.length; i += 2) {
        const k = raw[i]!.toLowerCase();
        if (k !== 'connection' && k !== 'transfer-encoding' && k !== 'keep-alive') out += `${raw[i]}: ${raw[i + 1]}\r\n`;
      }
      socket.write(`${out}Connection: close\r\n\r\n`);
      upRes.pipe(socket);
    });
    up.on('error', (err: NodeJS.ErrnoException) => {
      this.log.info('upstream upgrade failed', { endpoint: ep.id, err: err.code ?? err.message });
      if (socket.writable) socket.end(rawErrorResponse(502));
    });
    // Whatever follows the request (head) belongs to the switched protocol: written once the backend agrees.
    up.end();
  }
}

function hasNoBody(req: Request): boolean {
  if ('stream' in req) return req.stream.endAfterHeaders;
  const te = req.headers['transfer-encoding'];
  const cl = req.headers['content-length'];
  return te === undefined && (cl === undefined || cl === '0');
}

/** The request's end-to-end headers plus Host and the X-Forwarded-* family. */
function upstreamHeaders(req: Request, l: ListenerInfo): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const src = req.headers;
  const conn = src.connection;
  // Headers the client listed in Connection are hop-by-hop too.
  const listed = conn ? new Set(String(conn).toLowerCase().split(/\s*,\s*/)) : undefined;
  for (const k in src) {
    if (k.charCodeAt(0) === 58 /* : */ || HOP_BY_HOP.has(k) || OURS.has(k) || listed?.has(k)) continue;
    const v = src[k];
    if (v !== undefined) out[k] = v;
  }
  const authority = src[':authority'];
  const host = (typeof authority === 'string' ? authority : src.host) ?? '';
  const ip = clientIP(req);
  out.host = host;
  out['x-forwarded-for'] = ip;
  out['x-real-ip'] = ip;
  out['x-forwarded-proto'] = l.scheme;
  out['x-forwarded-host'] = host;
  out['x-forwarded-port'] = String(l.port);
  // Node joins repeated headers except the ones the spec says must not be: keep TE: trailers for gRPC-like uses.
  if (src.te === 'trailers') out.te = 'trailers';
  return out;
}

interface Forward {
  /** The Host header as sent ("" when missing). */
  host: string;
  /** Raw [name, value, name, value...] list for the upstream request. */
  headers: string[];
  noBody: boolean;
}

/**
 * HTTP/1.1: one pass over req.rawHeaders gives the upstream header list (end-to-end headers as the client spelled
 * them, repeated ones kept apart), the Host and whether a body follows.
 */
function scanRaw(req: IncomingMessage, l: ListenerInfo): Forward {
  const raw = req.rawHeaders;
  const out: string[] = [];
  let host = '';
  let listed: Set<string> | undefined;
  let body = false;
  let te = false;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const k = raw[i]!.toLowerCase();
    const v = raw[i + 1]!;
    if (HOP_BY_HOP.has(k) || OURS.has(k)) {
      if (k === 'host') host ||= v;
      else if (k === 'connection') {
        // Headers the client listed in Connection are hop-by-hop too.
        listed ??= new Set();
        for (const n of v.toLowerCase().split(',')) listed.add(n.trim());
      } else if (k === 'transfer-encoding') body = true;
      else if (k === 'te' && v.trim().toLowerCase() === 'trailers') te = true;
      continue;
    }
    if (k === 'content-length' && v !== '0') body = true;
    out.push(raw[i]!, v);
  }
  if (listed) {
    // Rare: filter afterwards so the common case pays nothing.
    for (let i = out.length - 2; i >= 0; i -= 2) if (listed.has(out[i]!.toLowerCase())) out.splice(i, 2);
  }
  const ip = clientIP(req);
  out.push('Host', host, 'X-Forwarded-For', ip, 'X-Real-IP', ip, 'X-Forwarded-Proto', l.scheme, 'X-Forwarded-Host', host, 'X-Forwarded-Port', String(l.port));
  // gRPC-like uses need TE: trailers, the one TE value that may be forwarded.
  if (te) out.push('TE', 'trailers');
  return { host, headers: out, noBody: !body };
}

function clientIP(req: Request): string {
  const a = req.socket?.remoteAddress ?? '';
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}

/** Http2ServerResponse has no `destroyed`: its stream tells. */
function gone(res: Response): boolean {
  return 'stream' in res ? res.stream.destroyed : res.destroyed;
}

function forwardResponse(upRes: IncomingMessage, res: Response): void {
  if (gone(res)) {
    upRes.resume();
    return;
  }
  upRes.on('error', () => res.destroy());
  if ('stream' in res) {
    const h: IncomingHttpHeaders = upRes.headers;
    const out: Record<string, string | string[]> = {};
    for (const k in h) {
      if (HOP_BY_HOP.has(k)) continue;
      const v = h[k];
      if (v !== undefined) out[k] = v;
    }
    // HTTP/2's writeHead sends the headers at once, so server-sent events need nothing more.
    res.writeHead(upRes.statusCode ?? 502, out);
    upRes.pipe(res);
    return;
  }
  // HTTP/1.1: the raw list as the backend spelled it, less the hop-by-hop headers.
  const raw = upRes.rawHeaders;
  const out: string[] = [];
  let sse = false;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const k = raw[i]!.toLowerCase();
    if (HOP_BY_HOP.has(k)) continue;
    const v = raw[i + 1]!;
    if (k === 'content-type' && v.startsWith('text/event-stream')) sse = true;
    out.push(raw[i]!, v);
  }
  res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, out);
  // Server-sent events' headers must reach the client before the first event does.
  if (sse) res.flushHeaders();
  upRes.pipe(res);
}

function sendPage(res: Response, status: number): void {
  if (res.headersSent || gone(res)) {
    res.destroy();
    return;
  }
  const body = errorPage(status);
  const headers = { 'content-type': 'text/html', 'content-length': String(body.length) };
  if ('stream' in res) (res as Http2ServerResponse).writeHead(status, headers);
  else (res as ServerResponse).writeHead(status, headers);
  res.end(body);
}

/** 308 keeps the method and body, as ingress-nginx answers its ssl-redirect. */
function redirect(req: Request, res: Response, httpsPort: number): void {
  const host = hostOf(req.headers.host);
  const location = `https://${host}${httpsPort === 443 ? '' : `:${httpsPort}`}${req.url ?? '/'}`;
  const body = Buffer.from(`<html><body><a href="${location.replace(/[<>"&]/g, '')}">Permanent Redirect</a></body></html>\n`);
  (res as ServerResponse).writeHead(308, { location, 'content-type': 'text/html', 'content-length': String(body.length) });
  res.end(body);
}
