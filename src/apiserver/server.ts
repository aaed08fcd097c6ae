// The API server: one request path for everything.
//   authenticate -> authorize -> route -> handler -> encode (JSON, YAML, Table), with every error turned into a
//   Status in one place (fail()). handle(req, res) works without a socket, for tests.
import { setMaxListeners } from 'node:events';
import { serveUpgrades } from './streams/upgrade.js';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer } from 'node:net';
import { stringify as toYaml } from 'yaml';
import { ApiError, errors } from '../api/errors.js';
import type { KubeObject } from '../api/object.js';
import type { ResourceInfo } from '../api/resource.js';
import type { Store } from '../store/types.js';
import { realClock, type Clock } from '../util/clock.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { DEFAULT_ADMISSION, ensureSystemPriorityClasses, type AdmissionConfig } from './admission/index.js';
import { allowAuthenticated } from './auth.js';
import { followCrds } from './crd/lifecycle.js';
import type { Op, Reply } from './handlers/common.js';
import type { WatchEventType, WatchSink } from './handlers/watch.js';
import { decodeBody, isPatchType, mediaTypeOf, negotiateOutput, type Output } from './media.js';
import { rawListJson } from './list-json.js';
import { ensureInitialNamespaces } from './namespaces.js';
import { ensureKubernetesService } from './service-addresses.js';
import { resourcePrefix } from './storage-key.js';
import { isPublicPath, nonResource } from './nonresource.js';
import { ResourceRegistry } from './registry.js';
import { parseRequestInfo } from './request-info.js';
import { routeResource } from './router.js';
import { ServiceAccountTokens } from './serviceaccount/tokens.js';
import { includeObjectParam, partialMetadata, toTable } from './table.js';
import type { Authenticator, Authorizer, Hooks, ResourceRequest, ServerContext } from './types.js';

export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export interface ApiServerOptions {
  store: Store;
  resources?: readonly ResourceInfo[];
  clock?: Clock;
  logger?: Logger;
  /** PEM strings. With tls, listen() serves HTTPS and asks for (but does not require) client certificates. */
  tls?: { key: string; cert: string; ca: string };
  authenticate: Authenticator;
  authorize?: Authorizer;
  hooks?: Hooks;
  bookmarkIntervalMs?: number;
  /** Admission plugin settings (default toleration seconds, strict service account lookup). */
  admission?: Partial<AdmissionConfig>;
  /** PEM RSA key that signs service account tokens (DATA/pki/sa.key); a throwaway key when absent. */
  serviceAccountKey?: string;
}

export interface ApiServer {
  /** Creates the initial namespaces and loads CRDs; listen() calls it, tests using handle() call it first. */
  init(): Promise<void>;
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  listen(host: string, port: number): Promise<{ host: string; port: number }>;
  /**
   * One more address served by the same server (after listen): the pod network's gateway, so pods reach an API
   * server that otherwise listens on loopback only.
   */
  listenAlso(host: string, port: number): Promise<void>;
  /** Stops accepting, ends watches, waits for in-flight requests (up to 10 s), closes connections. */
  close(): Promise<void>;
  readonly registry: ResourceRegistry;
  readonly context: ServerContext;
}

export function createApiServer(opts: ApiServerOptions): ApiServer {
  const shutdown = new AbortController();
  // every open watch listens for shutdown (and stops listening when it ends): many listeners are expected
  setMaxListeners(0, shutdown.signal);
  const registry = new ResourceRegistry(opts.resources);
  const logger = opts.logger ?? silentLogger;
  const ctx: ServerContext = {
    store: opts.store,
    registry,
    clock: opts.clock ?? realClock,
    logger,
    hooks: opts.hooks ?? {},
    bookmarkIntervalMs: opts.bookmarkIntervalMs ?? 60_000,
    shutdown: shutdown.signal,
    admission: { ...DEFAULT_ADMISSION, ...opts.admission },
    tokens: new ServiceAccountTokens({ privateKeyPem: opts.serviceAccountKey, now: () => (opts.clock ?? realClock).now() }),
  };
  // Service account tokens this server issued are credentials too, whatever the configured authenticator.
  const authenticate: Authenticator = (req) => opts.authenticate(req) ?? ctx.tokens!.authenticate(req);
  ctx.authenticateToken = (token) => authenticate({ headers: { authorization: `Bearer ${token}` }, socket: {} } as IncomingMessage);
  const authorize = opts.authorize ?? allowAuthenticated;
  ctx.authorize = authorize;
  const inFlight = new Set<Promise<void>>();
  let server: Server | undefined;
  const extra: NetServer[] = [];
  let serverAddress = '127.0.0.1:6443';
  let initDone: Promise<void> | undefined;

  const init = () =>
    (initDone ??= (async () => {
      await ensureInitialNamespaces(opts.store, ctx.clock.now());
      await ensureSystemPriorityClasses(opts.store, ctx.clock.now());
      await followCrds(opts.store, registry, logger, shutdown.signal);
    })());

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const query = url.searchParams;
    const path = url.pathname;
    const warnings: string[] = [];
    try {
      await init();
      if (shutdown.signal.aborted) throw errors.unavailable('apiserver is shutting down');
      const info = parseRequestInfo(method, path, query);
      const user = authenticate(req);
      if (!user) {
        if (!isPublicPath(path)) throw errors.unauthorized();
      } else {
        const ok = authorize(user, info);
        if (ok !== true) throw new ApiError(403, 'Forbidden', ok);
      }
      if (!info.isResource) {
        const a = nonResource(registry, method, path, req.headers.accept, serverAddress);
        res.writeHead(a.code, { 'Content-Type': a.contentType, ...a.headers });
        res.end(method === 'HEAD' ? undefined : a.body);
        return;
      }
      const output = negotiateOutput(req.headers.accept);
      let body: unknown;
      const contentType = req.headers['content-type'];
      if (method === 'POST' || method === 'PUT' || method === 'PATCH' || method === 'DELETE') {
        const raw = await readBody(req);
        // Patch media types are for PATCH only (Kubernetes answers 415 to a create or update sent as a patch).
        if (method !== 'PATCH' && isPatchType(contentType)) throw errors.unsupportedMediaType(mediaTypeOf(contentType));
        if (raw.length > 0) body = decodeBody(raw, contentType);
        else if (method !== 'DELETE') throw errors.badRequest('the body of the request was empty');
      }
      const rr: ResourceRequest = { info, resource: undefined as never, version: info.version, user, query, headers: req.headers, body, contentType, warnings } as ResourceRequest;
      const reply = await routeResource(ctx, rr, { req, res, openWatch: (op) => openWatch(op, req, res, output) });
      if (reply.kind === 'streamed') {
        if (!res.writableEnded) res.end();
        return;
      }
      writeReply(res, reply, output, rr, warnings);
    } catch (e) {
      fail(res, e, warnings);
    }
  }

  function writeReply(res: ServerResponse, reply: Exclude<Reply, { kind: 'streamed' }>, output: Output, rr: ResourceRequest, warnings: string[]): void {
    let body: unknown = reply.body;
    let contentType = 'application/json';
    const readVerb = rr.info.verb === 'get' || rr.info.verb === 'list';
    if (reply.kind !== 'status' && readVerb && (output.format === 'table' || output.format === 'partial')) {
      const served = registry.lookup(rr.info.group, rr.info.version, rr.info.resource)!;
      const items = reply.kind === 'list' ? ((reply.body['items'] as KubeObject[]) ?? []) : [reply.body];
      const listMeta = reply.kind === 'list' ? (reply.body.metadata as Record<string, unknown>) : { resourceVersion: reply.body.metadata?.resourceVersion };
      if (output.format === 'table') {
        body = toTable(served, rr.version, items, listMeta, { tableVersion: output.version, include: includeObjectParam(rr.query), now: ctx.clock.now() });
      } else if (reply.kind === 'list') {
        body = { kind: 'PartialObjectMetadataList', apiVersion: `meta.k8s.io/${output.version}`, metadata: listMeta, items: items.map((o) => partialMetadata(o, output.version)) };
      } else body = partialMetadata(reply.body, output.version);
    }
    let text: string;
    if (output.format === 'yaml') {
      contentType = 'application/yaml';
      text = toYaml(body);
    } else text = rawListJson(body) ?? JSON.stringify(body);
    const headers: Record<string, string | string[]> = { 'Content-Type': contentType, 'Cache-Control': 'no-cache, private' };
    if (warnings.length > 0) headers['Warning'] = warnings.map(warningHeader);
    res.writeHead(reply.code, headers);
    res.end(text);
  }

  function openWatch(op: Op, req: IncomingMessage, res: ServerResponse, output: Output): WatchSink {
    const ac = new AbortController();
    const abort = () => ac.abort();
    shutdown.signal.addEventListener('abort', abort, { once: true });
    res.on('close', () => {
      abort();
      shutdown.signal.removeEventListener('abort', abort);
    });
    req.on('aborted', abort);
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    const table = output.format === 'table' ? output : undefined;
    const include = includeObjectParam(op.rr.query);
    return {
      signal: ac.signal,
      send(type: WatchEventType, object) {
        if (res.writableEnded || res.destroyed) return;
        let obj: unknown = object;
        if (table && (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED')) {
          obj = toTable(op.served, op.rr.version, [object as KubeObject], {}, { tableVersion: table.version, include, now: ctx.clock.now() });
        }
        res.write(`${JSON.stringify({ type, object: obj })}\n`);
      },
    };
  }

  /** The one place errors become Status responses. */
  function fail(res: ServerResponse, e: unknown, warnings: string[]): void {
    let err: ApiError;
    if (e instanceof ApiError) err = e;
    else {
      logger.error('request failed', { err: e instanceof Error ? (e.stack ?? e.message) : String(e) });
      err = errors.internal(e instanceof Error ? e.message : String(e));
    }
    if (res.headersSent) {
      // A watch already streaming: report in-band, as Kubernetes does.
      if (!res.writableEnded) res.end(`${JSON.stringify({ type: 'ERROR', object: err.toStatus() })}\n`);
      return;
    }
    const headers: Record<string, string | string[]> = { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', ...err.headers };
    if (warnings.length > 0) headers['Warning'] = warnings.map(warningHeader);
    res.writeHead(err.code, headers);
    res.end(JSON.stringify(err.toStatus()));
  }

  const handle = (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const p = serve(req, res).catch((e: unknown) => logger.error('unhandled', { err: String(e) }));
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
    return p;
  };

  return {
    registry,
    context: ctx,
    init,
    handle,
    async listen(host, port) {
      await init();
      const onRequest = (req: IncomingMessage, res: ServerResponse) => void handle(req, res);
      server = opts.tls
        ? createHttpsServer({ key: opts.tls.key, cert: opts.tls.cert, ca: opts.tls.ca, requestCert: true, rejectUnauthorized: false }, onRequest)
        : createHttpServer(onRequest);
      // exec, attach and port-forward arrive as upgrade requests (SPDY/3.1 or WebSocket)
      serveUpgrades(server, handle);
      // Watches are long: no request timeout; keep-alive connections stay usable for kubectl's bursts.
      server.requestTimeout = 0;
      server.headersTimeout = 60_000;
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(port, host, () => resolve());
      });
      const addr = server.address() as AddressInfo;
      serverAddress = `${addr.address}:${addr.port}`;
      const services = registry.byResource('', 'services');
      if (services) await ensureKubernetesService(opts.store, resourcePrefix(services.info, false), ctx.clock.now(), addr.port);
      return { host: addr.address, port: addr.port };
    },
    async listenAlso(host, port) {
      const main = server;
      if (!main) throw new Error('listenAlso before listen');
      // Connections accepted here are handed to the main server, which does TLS and everything after.
      const l = createNetServer((sock) => main.emit('connection', sock));
      await new Promise<void>((resolve, reject) => {
        l.once('error', reject);
        l.listen(port, host, () => resolve());
      });
      extra.push(l);
    },
    async close() {
      shutdown.abort();
      for (const l of extra) l.close();
      const s = server;
      const closed = s ? new Promise<void>((resolve) => s.close(() => resolve())) : Promise.resolve();
      s?.closeIdleConnections();
      const deadline = new Promise<void>((resolve) => setTimeout(resolve, 10_000).unref());
      await Promise.race([Promise.all([...inFlight]), deadline]);
      s?.closeAllConnections();
      await Promise.race([closed, deadline]);
    },
  };
}

function warningHeader(text: string): string {
  return `299 - "${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** Reads a request body up to MAX_BODY_BYTES; past it, 413. */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > MAX_BODY_BYTES) {
      req.resume();
      reject(errors.tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (c: Buffer) => {
      if (done) return;
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        done = true;
        reject(errors.tooLarge());
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!done) resolve(Buffer.concat(chunks));
    });
    req.on('error', (e) => {
      if (!done) reject(e);
    });
  });
}
