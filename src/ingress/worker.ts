// A data-plane worker process: the same proxy as the in-process data path, serving connections the controller's
// process accepts and hands over (their sockets travel over the IPC channel). It holds no informers: the route
// table and the TLS material arrive as messages after every rebuild. Node's data path is single-threaded and spends
// most of its time in per-request syscalls, so more processes is what buys more requests per second.
import http from 'node:http';
import http2 from 'node:http2';
import type { Socket } from 'node:net';
import type { Logger } from '../util/logger.js';
import type { ListenerInfo } from './proxy.js';
import { Http1FastPath, splitTlsConnections } from './fast-path.js';
import { IngressProxy } from './proxy.js';
import { buildRoutes, type RouteTable } from './routes.js';
import { CertStore } from './tls.js';
import { createSecureContext } from 'node:tls';
import type { ToWorker, FromWorker } from './workers.js';

function send(m: FromWorker): void {
  if (process.connected) process.send?.(m);
}

/** Lines go to the controller's process, which owns the log. */
function ipcLogger(component: string): Logger {
  const at =
    (level: 'error' | 'warn' | 'info') =>
    (msg: string, fields?: Record<string, unknown>): void =>
      send({ t: 'log', level, msg: `${component}: ${msg}`, fields: fields ?? {} });
  return { error: at('error'), warn: at('warn'), info: at('info'), debug: () => {}, child: (c) => ipcLogger(`${component}/${c}`) };
}

function main(): void {
  let routes: RouteTable = buildRoutes([]);
  let certs: CertStore | undefined;
  let h1: http.Server | undefined;
  let h2: http2.Http2SecureServer | undefined;
  let fast: Http1FastPath | undefined;
  let fastTls: Http1FastPath | undefined;
  const log = ipcLogger(`worker ${process.pid}`);
  const proxy = new IngressProxy(() => routes, log);

  process.on('message', (m: ToWorker, handle?: Socket) => {
    switch (m.t) {
      case 'init': {
        certs = new CertStore(createSecureContext(m.fake));
        if (m.http) {
          const server = http.createServer(proxy.handler(m.http));
          server.on('upgrade', proxy.upgradeHandler(m.http));
          h1 = server;
          if (m.rawHttp) fast = new Http1FastPath({ table: () => routes, listener: m.http, fallback: (sock) => server.emit('connection', sock), log });
        }
        if (m.https) {
          const info: ListenerInfo = m.https;
          h2 = http2.createSecureServer({ ...m.fake, allowHTTP1: true, SNICallback: certs.sniCallback }, proxy.handler(info));
          h2.on('upgrade', proxy.upgradeHandler(info));
          if (m.rawHttp) {
            const back = splitTlsConnections(h2, () => fastTls);
            fastTls = new Http1FastPath({ table: () => routes, listener: info, fallback: back, log });
          }
        }
        break;
      }
      case 'state':
        routes = m.routes;
        certs?.load(m.certs);
        send({ t: 'ready', generation: m.generation });
        break;
      case 'conn': {
        if (!handle) return;
        if (m.l === 'http' && fast) return fast.serve(handle);
        const s = m.l === 'http' ? h1 : h2;
        if (s) s.emit('connection', handle);
        else handle.destroy();
        break;
      }
    }
  });
  // The controller's process went away: nobody will hand us work or stop us any more.
  process.on('disconnect', () => process.exit(0));
}

main();
