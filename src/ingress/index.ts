// The built-in ingress controller: an HTTP/1.1 and HTTP/2 reverse proxy from Ingress objects of its class.
// Contract for src/cli/node-services.ts; the parts live beside it: routes (matching), backends (EndpointSlices to
// endpoints), tls (SNI certificates), controller (informers, events, status), proxy (the data path).
import http from 'node:http';
import http2 from 'node:http2';
import net, { type AddressInfo, type Socket } from 'node:net';
import { availableParallelism } from 'node:os';
import { createSecureContext } from 'node:tls';
// The self-signed default certificate reuses the API server's certificate maker rather than a second forge setup.
import { makeCert } from '../util/certs.js';
import { createEventRecorder, createInformerFactory, type Client, type InformerFactory } from '../client/index.js';
import type { Logger } from '../util/logger.js';
import { ensureIngressClass } from './class.js';
import { IngressControllerState } from './controller.js';
import { Http1FastPath, splitTlsConnections } from './fast-path.js';
import { IngressProxy, type ListenerInfo } from './proxy.js';
import { CertStore } from './tls.js';
import { WorkerPool, type ListenerName } from './workers.js';

export { CONTROLLER_NAME, DEFAULT_CLASS_ANNOTATION, LEGACY_CLASS_ANNOTATION, servesIngress } from './class.js';
export { buildRoutes, matchRoute } from './routes.js';

export interface IngressOptions {
  client: Client;
  informers?: InformerFactory;
  logger: Logger;
  signal: AbortSignal;
  nodeName: string;
  /** Written to each served Ingress's status.loadBalancer.ingress. */
  nodeIP: string;
  http?: { host: string; port: number };
  https?: { host: string; port: number };
  /** IngressClass name (default "tugboat", created as the default class when missing). */
  className: string;
  /**
   * Data-plane worker processes (0: serve in this process). Default: one per CPU up to 4 when there are 2 CPUs
   * or more.
   */
  workers?: number;
  /** Plain HTTP/1.1 on raw sockets (fast-path.ts); false: everything through Node's http module. Default true. */
  rawHttp?: boolean;
}

function defaultWorkers(): number {
  const cpus = availableParallelism();
  return cpus >= 2 ? Math.min(cpus, 4) : 0;
}

export interface IngressController {
  httpPort?: number;
  httpsPort?: number;
  /** The data-plane workers, when there are any. */
  workers?: WorkerPool;
  close(): Promise<void>;
}

export async function startIngress(o: IngressOptions): Promise<IngressController> {
  const log = o.logger.child('ingress');
  const className = o.className || 'tugboat';
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  if (o.signal.aborted) stop.abort();
  else o.signal.addEventListener('abort', onAbort, { once: true });

  const servers: (http.Server | http2.Http2SecureServer | net.Server)[] = [];
  const sockets = new Set<Socket>();
  /** Listeners that hand their connections to workers. */
  const handoff = new Set<net.Server>();
  let workers: Promise<void> | undefined;
  let proxy: IngressProxy | undefined;
  let fast: Http1FastPath | undefined;
  let fastTls: Http1FastPath | undefined;
  let pool: WorkerPool | undefined;
  const close = async () => {
    o.signal.removeEventListener('abort', onAbort);
    stop.abort();
    // First the workers: a listener that handed sockets over waits, on close, for the workers to close them.
    const stopping = pool?.close();
    await Promise.all(
      servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.close(() => resolve());
            for (const sock of sockets) sock.destroy();
            // A listener that handed sockets over counts them as its own until the workers report them closed,
            // which dead workers never do: not listening any more is all we wait for.
            if (handoff.has(s)) resolve();
          }),
      ),
    );
    proxy?.close();
    fast?.close();
    fastTls?.close();
    await stopping;
    await workers;
  };

  try {
    await ensureIngressClass(o.client, className).catch((e: unknown) =>
      log.warn('could not create the IngressClass', { class: className, err: e instanceof Error ? e.message : String(e) }),
    );
    const fake = makeCert({ commonName: 'Tugboat Ingress Controller Fake Certificate', sans: ['ingress.local'], usage: 'server', days: 3650 });
    const certs = new CertStore(createSecureContext(fake));
    const informers = o.informers ?? createInformerFactory({ client: o.client, logger: log });
    const recorder = createEventRecorder({ client: o.client, component: 'tugboat-ingress', host: o.nodeName, logger: log });
    const state = new IngressControllerState({ client: o.client, informers, logger: log, recorder, certs, nodeIP: o.nodeIP, className, onRebuild: () => pool?.push() });
    workers = (await state.start(stop.signal)).done;
    proxy = new IngressProxy(() => state.table(), log);

    const out: IngressController = { close };
    const count = o.workers ?? defaultWorkers();
    let httpInfo: ListenerInfo | undefined;
    let httpsInfo: ListenerInfo | undefined;
    const local: Partial<Record<ListenerName, http.Server | http2.Http2SecureServer>> = {};
    const track = (s: http.Server | http2.Http2SecureServer | net.Server) => {
      s.on('connection', (sock: Socket) => {
        sockets.add(sock);
        sock.once('close', () => sockets.delete(sock));
      });
      servers.push(s);
    };
    const serveLocal = (sock: Socket, name: ListenerName) => {
      if (name === 'http' && fast) return fast.serve(sock);
      local[name]?.emit('connection', sock);
      // Accepted paused (so a handed-over socket is never read here): reading starts once a server owns it.
      sock.resume();
    };
    // With workers, this process listens paused and hands connections over (serving them itself only meanwhile);
    // without, the HTTP servers listen themselves.
    const open = async (name: ListenerName, s: http.Server | http2.Http2SecureServer, host: string, port: number): Promise<number> => {
      local[name] = s;
      if (count === 0) {
        if (name === 'http' && fast) {
          const raw = fast;
          const l = net.createServer({ noDelay: true }, (sock) => raw.serve(sock));
          track(l);
          return listen(l, host, port);
        }
        track(s);
        return listen(s, host, port);
      }
      const l = net.createServer({ pauseOnConnect: true, noDelay: true }, (sock) => (pool ? pool.dispatch(sock, name) : serveLocal(sock, name)));
      track(l);
      handoff.add(l);
      return listen(l, host, port);
    };
    if (o.http) {
      const info: ListenerInfo = { scheme: 'http', port: o.http.port };
      httpInfo = info;
      const s = http.createServer(proxy.handler(info));
      s.on('upgrade', proxy.upgradeHandler(info));
      if (o.rawHttp !== false) fast = new Http1FastPath({ table: () => state.table(), listener: info, fallback: (sock) => s.emit('connection', sock), log });
      info.port = await open('http', s, o.http.host, o.http.port);
      out.httpPort = info.port;
    }
    if (o.https) {
      const info: ListenerInfo = { scheme: 'https', port: o.https.port };
      httpsInfo = info;
      const s = http2.createSecureServer({ key: fake.key, cert: fake.cert, allowHTTP1: true, SNICallback: certs.sniCallback }, proxy.handler(info));
      s.on('upgrade', proxy.upgradeHandler(info));
      // HTTP/1.1 over TLS takes the raw path too, once the handshake is done; HTTP/2 stays with the server.
      if (o.rawHttp !== false) {
        const back = splitTlsConnections(s, () => fastTls);
        fastTls = new Http1FastPath({ table: () => state.table(), listener: info, fallback: back, log });
      }
      info.port = await open('https', s, o.https.host, o.https.port);
      out.httpsPort = info.port;
      if (httpInfo) httpInfo.httpsPort = info.port;
    }
    if (count > 0) {
      pool = new WorkerPool({
        count,
        log,
        fake: { key: fake.key, cert: fake.cert },
        rawHttp: o.rawHttp !== false,
        ...(httpInfo ? { http: httpInfo } : {}),
        ...(httpsInfo ? { https: httpsInfo } : {}),
        state: () => ({ routes: state.table(), certs: certs.snapshot() }),
        local: serveLocal,
      });
      pool.start();
      out.workers = pool;
    }
    log.info('ingress serving', { class: className, http: out.httpPort, https: out.httpsPort, workers: count });
    return out;
  } catch (e) {
    await close();
    throw e;
  }
}

function listen(s: http.Server | http2.Http2SecureServer | net.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    s.once('error', reject);
    s.listen(port, host, () => {
      s.off('error', reject);
      resolve((s.address() as AddressInfo).port);
    });
  });
}
