// How the REST client reaches an API server: one small interface, two implementations.
//   httpsTransport: a keep-alive HTTPS (or HTTP) connection pool, with CA, client certificate or bearer token.
//   inProcessTransport: calls an ApiServer's handle(req, res) directly, no socket; watches stream the same way.
import { EventEmitter } from 'node:events';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { PassThrough, Readable } from 'node:stream';

export interface TransportRequest {
  method: string;
  /** Path with query string, e.g. /api/v1/namespaces/default/pods?limit=500 */
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** Aborting ends the request (and a streaming body). */
  signal?: AbortSignal;
}

export interface TransportResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body as a byte stream (watches stay open until the server or the signal ends them). */
  body: Readable;
}

export interface Transport {
  request(req: TransportRequest): Promise<TransportResponse>;
  /** Releases pooled connections. */
  close?(): void;
}

export interface HttpsTransportOptions {
  /** https://host:port (http:// also works, for tests). */
  server: string;
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  token?: string;
  insecureSkipTlsVerify?: boolean;
  /** SNI / certificate name to check instead of the URL's host. */
  tlsServerName?: string;
}

export function httpsTransport(o: HttpsTransportOptions): Transport {
  const base = new URL(o.server);
  const secure = base.protocol === 'https:';
  const prefix = base.pathname.replace(/\/+$/, '');
  const agent = secure
    ? new HttpsAgent({
        keepAlive: true,
        maxSockets: 64,
        ca: o.ca,
        cert: o.cert,
        key: o.key,
        rejectUnauthorized: !o.insecureSkipTlsVerify,
        servername: o.tlsServerName,
      })
    : new HttpAgent({ keepAlive: true, maxSockets: 64 });
  const send = secure ? httpsRequest : httpRequest;
  return {
    request(r) {
      return new Promise((resolve, reject) => {
        const headers: Record<string, string> = { ...r.headers };
        if (o.token) headers['authorization'] = `Bearer ${o.token}`;
        if (r.body !== undefined) headers['content-length'] = String(Buffer.byteLength(r.body));
        const req = send(
          {
            protocol: base.protocol,
            hostname: base.hostname.replace(/^\[|\]$/g, ''),
            port: base.port || (secure ? 443 : 80),
            path: prefix + r.path,
            method: r.method,
            headers,
            agent,
            signal: r.signal,
          },
          (res: IncomingMessage) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res }),
        );
        req.on('error', reject);
        req.end(r.body);
      });
    },
    close: () => agent.destroy(),
  };
}

export interface InProcessOptions {
  /** Extra headers on every request, e.g. { authorization: 'Bearer <admin token>' } for the server's authenticator. */
  headers?: Record<string, string>;
}

/**
 * A transport that hands requests straight to an API server's handle(). The request is a readable stream with the
 * usual method/url/headers; the response object implements what the server uses (writeHead, write, end, close).
 * Identity: the server's authenticator sees the headers given here (a bearer token) and an unencrypted socket.
 */
export function inProcessTransport(
  handle: (req: IncomingMessage, res: ServerResponse) => unknown,
  opts: InProcessOptions = {},
): Transport {
  return {
    request(r) {
      return new Promise((resolve, reject) => {
        if (r.signal?.aborted) return reject(r.signal.reason);
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries({ ...r.headers, ...(opts.headers ?? {}) })) headers[k.toLowerCase()] = v;
        if (r.body !== undefined) headers['content-length'] = String(Buffer.byteLength(r.body));
        const req = Readable.from(r.body !== undefined ? [Buffer.from(r.body)] : []) as unknown as IncomingMessage;
        Object.assign(req, { method: r.method, url: r.path, headers, socket: {}, httpVersion: '1.1' });
        const body = new PassThrough();
        const res = new InProcessResponse(body, (status, h) => resolve({ status, headers: h, body }));
        const onAbort = () => {
          res.disconnect();
          (req as unknown as EventEmitter).emit('aborted');
          body.destroy();
          reject(r.signal?.reason);
        };
        r.signal?.addEventListener('abort', onAbort, { once: true });
        body.on('close', () => r.signal?.removeEventListener('abort', onAbort));
        Promise.resolve(handle(req, res as unknown as ServerResponse)).then(
          () => res.finish(),
          (e: unknown) => {
            res.finish();
            reject(e);
          },
        );
      });
    },
  };
}

/** The part of ServerResponse the API server uses, writing into a PassThrough the client reads. */
class InProcessResponse extends EventEmitter {
  statusCode = 200;
  headersSent = false;
  writableEnded = false;
  destroyed = false;
  private readonly hdrs: Record<string, string | string[] | undefined> = {};
  constructor(
    private readonly body: PassThrough,
    private readonly onHead: (status: number, headers: Record<string, string | string[] | undefined>) => void,
  ) {
    super();
  }
  setHeader(name: string, value: string | string[]) {
    this.hdrs[name.toLowerCase()] = value;
    return this;
  }
  getHeader(name: string) {
    return this.hdrs[name.toLowerCase()];
  }
  writeHead(code: number, headers?: Record<string, string | string[]>) {
    this.statusCode = code;
    for (const [k, v] of Object.entries(headers ?? {})) this.hdrs[k.toLowerCase()] = v;
    this.sendHead();
    return this;
  }
  flushHeaders() {
    this.sendHead();
  }
  write(chunk: string | Uint8Array) {
    this.sendHead();
    if (!this.destroyed && !this.writableEnded) this.body.write(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    return true;
  }
  end(chunk?: string | Uint8Array) {
    if (this.writableEnded) return this;
    if (chunk !== undefined) this.write(chunk);
    this.sendHead();
    this.writableEnded = true;
    this.body.end();
    this.emit('finish');
    this.emit('close');
    return this;
  }
  /** The handler returned: make sure the client is not left waiting. */
  finish() {
    if (!this.writableEnded && !this.destroyed) this.end();
  }
  /** The client went away (ends a watch on the server side). */
  disconnect() {
    if (this.destroyed) return;
    this.destroyed = true;
    this.emit('close');
  }
  private sendHead() {
    if (this.headersSent) return;
    this.headersSent = true;
    this.onHead(this.statusCode, this.hdrs);
  }
}
