// The node agent's stream endpoint (the kubelet's /containerLogs, /exec, /attach, /portForward), over HTTPS for
// the API server's relay. Paths carry the pod's UID so a recreated pod of the same name is never reached:
//   GET  /containerLogs/{namespace}/{pod}/{uid}/{container}?follow=&previous=&tailLines=&sinceSeconds=&sinceTime=&timestamps=&limitBytes=
//   exec/attach  /exec/{namespace}/{pod}/{uid}/{container}?command=..&stdin=&stdout=&stderr=&tty=   (attach: no command)
//   portforward  /portForward/{namespace}/{pod}/{uid}
// exec, attach and portForward are upgrades: SPDY/3.1 (X-Stream-Protocol-Version negotiation) or WebSocket
// (channel subprotocols; SPDY/3.1+portforward.k8s.io carries SPDY frames in binary messages).
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { createWebSocketStream, WebSocketServer, type WebSocket } from 'ws';
import { ApiError, errors } from '../../api/errors.js';
import { logOptions } from './logs.js';
import { portForwardHandler, PORT_FORWARD_PROTOCOL } from './port-forward.js';
import { CHANNEL_PROTOCOLS, commandOptions, runCommand, spdyCommandChannels, streamQueue, wsCommandChannels, type CommandChannels, type CommandOptions } from './remote-command.js';
import { SpdySession } from './spdy-session.js';
import type { PodRef, StreamTarget } from './target.js';

export const TUNNELED_PORT_FORWARD = `SPDY/3.1+${PORT_FORWARD_PROTOCOL}`;

export interface AgentStreamServerOptions {
  host: string;
  port: number;
  /** PEM. Clients must present a certificate signed by ca. Absent: plain HTTP (tests only). */
  tls?: { key: string; cert: string; ca: string };
  /** Whether this caller may use the endpoint (e.g. the API server's client certificate). */
  authorize(req: IncomingMessage): boolean;
  target: StreamTarget;
  onError?(err: unknown): void;
  /** GET /metrics/resource: the resource metrics text (src/node/metrics), when the agent measures. */
  resourceMetrics?(): { contentType: string; body: string };
}

export interface AgentStreamServer {
  host: string;
  port: number;
  close(): Promise<void>;
}

type Route =
  | { kind: 'logs'; pod: PodRef; container: string }
  | { kind: 'exec' | 'attach'; pod: PodRef; container: string }
  | { kind: 'portForward'; pod: PodRef };

export function parseRoute(path: string): Route | undefined {
  const parts = path.split('/').slice(1).map(decodeURIComponent);
  const [kind, namespace, name, uid, container] = parts;
  if (!namespace || !name || !uid) return undefined;
  const pod = { namespace, name, uid };
  if (kind === 'portForward' && parts.length === 4) return { kind, pod };
  if ((kind === 'containerLogs' || kind === 'exec' || kind === 'attach') && container && parts.length === 5) {
    return kind === 'containerLogs' ? { kind: 'logs', pod, container } : { kind, pod, container };
  }
  return undefined;
}

export async function startAgentStreamServer(o: AgentStreamServerOptions): Promise<AgentStreamServer> {
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (offered) => pickWsProtocol(offered) });
  const sockets = new Set<Duplex>();
  const onError = o.onError ?? (() => {});

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    void serveLogs(req, res).catch((e: unknown) => sendError(res, e));
  };

  async function serveLogs(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!o.authorize(req)) throw new ApiError(403, 'Forbidden', 'Forbidden');
    const url = new URL(req.url ?? '/', 'http://agent');
    if (url.pathname === '/metrics/resource' && o.resourceMetrics && req.method === 'GET') {
      const m = o.resourceMetrics();
      res.writeHead(200, { 'Content-Type': m.contentType });
      res.end(m.body);
      return;
    }
    const route = parseRoute(url.pathname);
    if (!route) throw errors.notFound({ group: '', resource: 'paths' }, url.pathname);
    if (route.kind !== 'logs') throw errors.badRequest('Upgrade request required');
    const opts = logOptions(url.searchParams);
    const body = await o.target.logs(route.pod, route.container, opts);
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    res.on('close', () => body.destroy());
    body.on('error', () => res.destroy());
    body.pipe(res);
  }

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    try {
      if (!o.authorize(req)) throw new ApiError(403, 'Forbidden', 'Forbidden');
      const url = new URL(req.url ?? '/', 'http://agent');
      const route = parseRoute(url.pathname);
      if (!route || route.kind === 'logs') throw errors.notFound({ group: '', resource: 'paths' }, url.pathname);
      const upgrade = String(req.headers.upgrade ?? '').toLowerCase();
      if (upgrade === 'websocket') {
        wss.handleUpgrade(req, socket, head, (ws) => void serveWebSocket(ws, route, url.searchParams).catch(onError));
        return;
      }
      if (!upgrade.startsWith('spdy/3.1')) throw errors.badRequest(`unsupported upgrade ${JSON.stringify(upgrade)}`);
      if (head.length > 0) socket.unshift(head);
      serveSpdy(req, socket, route, url.searchParams);
    } catch (e) {
      writeRawError(socket, e);
    }
  };

  function serveSpdy(req: IncomingMessage, socket: Duplex, route: Exclude<Route, { kind: 'logs' }>, q: URLSearchParams): void {
    const offered = headerList(req.headers['x-stream-protocol-version']);
    const supported = route.kind === 'portForward' ? [PORT_FORWARD_PROTOCOL] : CHANNEL_PROTOCOLS;
    const protocol = offered.find((p) => supported.includes(p));
    // Before upgrading, reject what cannot work, as an HTTP error the client can print.
    let opts: CommandOptions | undefined;
    if (route.kind !== 'portForward') opts = commandOptions(q);
    if (!protocol) {
      throw new ApiError(403, 'Forbidden', `unable to upgrade: unable to negotiate protocol: client supports ${JSON.stringify(offered)}, server supports ${JSON.stringify(supported)}`);
    }
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${protocol}\r\n\r\n`);
    if (route.kind === 'portForward') {
      new SpdySession(socket, { onStream: portForwardHandler(route.pod, o.target), onError });
      return;
    }
    const queue = streamQueue();
    const session = new SpdySession(socket, { onStream: (s) => queue.push(s), onError });
    void session.done.then(() => queue.end());
    void spdyCommandChannels(session, queue.iterable, opts!, protocol)
      .then((ch) => command(ch, route, opts!, q))
      .catch((e: unknown) => {
        onError(e);
        session.destroy();
      });
  }

  async function serveWebSocket(ws: WebSocket, route: Exclude<Route, { kind: 'logs' }>, q: URLSearchParams): Promise<void> {
    if (route.kind === 'portForward') {
      if (ws.protocol !== TUNNELED_PORT_FORWARD) return ws.close(1002, 'unsupported subprotocol');
      const stream = createWebSocketStream(ws);
      stream.on('error', () => stream.destroy());
      new SpdySession(stream, { onStream: portForwardHandler(route.pod, o.target), onError });
      return;
    }
    let opts: CommandOptions;
    try {
      opts = commandOptions(q);
    } catch (e) {
      ws.close(1008, (e as Error).message.slice(0, 120));
      return;
    }
    await command(wsCommandChannels(ws, opts, ws.protocol || 'channel.k8s.io'), route, opts, q);
  }

  function command(ch: CommandChannels, route: { kind: 'exec' | 'attach'; pod: PodRef; container: string }, opts: CommandOptions, q: URLSearchParams): Promise<void> {
    if (route.kind === 'attach') return runCommand(ch, opts, undefined, (s) => o.target.attach(route.pod, route.container, s));
    const argv = q.getAll('command');
    return runCommand(ch, opts, argv, (s) => {
      if (argv.length === 0) throw errors.badRequest('you must specify at least one command for the container');
      return o.target.exec(route.pod, route.container, argv, s);
    });
  }

  const server: Server = o.tls
    ? createHttpsServer({ key: o.tls.key, cert: o.tls.cert, ca: o.tls.ca, requestCert: true, rejectUnauthorized: true }, onRequest)
    : createHttpServer(onRequest);
  server.on('upgrade', onUpgrade);
  server.requestTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  return {
    host: addr.address,
    port: addr.port,
    async close() {
      const closed = new Promise<void>((r) => server.close(() => r()));
      for (const s of sockets) s.destroy();
      for (const c of wss.clients) c.terminate();
      server.closeAllConnections();
      await closed;
      wss.close();
    },
  };
}

/** The subprotocol to accept: the port-forward tunnel, else the newest channel protocol offered. */
function pickWsProtocol(offered: Set<string>): string | false {
  if (offered.has(TUNNELED_PORT_FORWARD)) return TUNNELED_PORT_FORWARD;
  return CHANNEL_PROTOCOLS.find((p) => offered.has(p)) ?? false;
}

function headerList(h: string | string[] | undefined): string[] {
  const all = Array.isArray(h) ? h : h ? [h] : [];
  return all.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}

function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  return errors.badRequest(e instanceof Error ? e.message : String(e));
}

function sendError(res: ServerResponse, e: unknown): void {
  const err = toApiError(e);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(err.code, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(err.toStatus()));
}

function writeRawError(socket: Duplex, e: unknown): void {
  const err = toApiError(e);
  const body = JSON.stringify(err.toStatus());
  socket.end(`HTTP/1.1 ${err.code} ${err.reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

