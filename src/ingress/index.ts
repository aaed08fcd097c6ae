// The built-in ingress controller: an HTTP/1.1 and HTTP/2 reverse proxy from Ingress objects of its class.
// Contract for src/cli/node-services.ts; the parts live beside it: routes (matching), backends (EndpointSlices to
// endpoints), tls (SNI certificates), controller (informers, events, status), proxy (the data path).
import http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import { createSecureContext } from 'node:tls';
// The self-signed default certificate reuses the API server's certificate maker rather than a second forge setup.
import { makeCert } from '../util/certs.js';
import { createEventRecorder, createInformerFactory, type Client, type InformerFactory } from '../client/index.js';
import type { Logger } from '../util/logger.js';
import { ensureIngressClass } from './class.js';
import { IngressControllerState } from './controller.js';
import { IngressProxy, type ListenerInfo } from './proxy.js';
import { CertStore } from './tls.js';

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
}

export interface IngressController {
  httpPort?: number;
  httpsPort?: number;
  close(): Promise<void>;
}

export async function startIngress(o: IngressOptions): Promise<IngressController> {
  const log = o.logger.child('ingress');
  const className = o.className || 'tugboat';
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  if (o.signal.aborted) stop.abort();
  else o.signal.addEventListener('abort', onAbort, { once: true });

  const servers: (http.Server | http2.Http2SecureServer)[] = [];
  const sockets = new Set<Socket>();
  let workers: Promise<void> | undefined;
  let proxy: IngressProxy | undefined;
  const close = async () => {
    o.signal.removeEventListener('abort', onAbort);
    stop.abort();
    await Promise.all(
      servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.close(() => resolve());
            for (const sock of sockets) sock.destroy();
          }),
      ),
    );
    proxy?.close();
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
    const state = new IngressControllerState({ client: o.client, informers, logger: log, recorder, certs, nodeIP: o.nodeIP, className });
    workers = (await state.start(stop.signal)).done;
    proxy = new IngressProxy(() => state.table(), log);

    const out: IngressController = { close };
    let httpInfo: ListenerInfo | undefined;
    const track = (s: http.Server | http2.Http2SecureServer) => {
      s.on('connection', (sock: Socket) => {
        sockets.add(sock);
        sock.once('close', () => sockets.delete(sock));
      });
      servers.push(s);
    };
    if (o.http) {
      const info: ListenerInfo = { scheme: 'http', port: o.http.port };
      httpInfo = info;
      const s = http.createServer(proxy.handler(info));
      s.on('upgrade', proxy.upgradeHandler(info));
      track(s);
      info.port = await listen(s, o.http.host, o.http.port);
      out.httpPort = info.port;
    }
    if (o.https) {
      const info: ListenerInfo = { scheme: 'https', port: o.https.port };
      const s = http2.createSecureServer({ key: fake.key, cert: fake.cert, allowHTTP1: true, SNICallback: certs.sniCallback }, proxy.handler(info));
      s.on('upgrade', proxy.upgradeHandler(info));
      track(s);
      info.port = await listen(s, o.https.host, o.https.port);
      out.httpsPort = info.port;
      if (httpInfo) httpInfo.httpsPort = info.port;
    }
    log.info('ingress serving', { class: className, http: out.httpPort, https: out.httpsPort });
    return out;
  } catch (e) {
    await close();
    throw e;
  }
}

function listen(s: http.Server | http2.Http2SecureServer, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    s.once('error', reject);
    s.listen(port, host, () => {
      s.off('error', reject);
      resolve((s.address() as AddressInfo).port);
    });
  });
}
