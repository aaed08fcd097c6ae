// A small HTTPS client for tests and benchmarks that talk to a Tugboat API server the way kubectl does:
// bearer token, the cluster CA from the kubeconfig, keep-alive connections.
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { parse as parseYaml } from 'yaml';

export interface ApiResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface SendOptions {
  body?: string | Buffer;
  contentType?: string;
  accept?: string;
  headers?: Record<string, string>;
  /** Send the body chunked instead of with a Content-Length. */
  chunked?: boolean;
  timeoutMs?: number;
}

export interface ApiClient {
  readonly url: URL;
  readonly agent: Agent;
  readonly token: string;
  readonly ca: string;
  send(method: string, path: string, o?: SendOptions): Promise<ApiResponse>;
  /** send() that parses a JSON answer and throws unless the status is 2xx. */
  json<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T>;
  close(): void;
}

/** The CA certificate (PEM) of the first cluster in a kubeconfig. */
export function caFromKubeconfig(path: string): string {
  const cfg = parseYaml(readFileSync(path, 'utf8')) as { clusters?: { cluster?: Record<string, string> }[] };
  const data = cfg.clusters?.[0]?.cluster?.['certificate-authority-data'];
  if (!data) throw new Error(`${path} has no certificate-authority-data`);
  return Buffer.from(data, 'base64').toString('utf8');
}

export function apiClient(o: { url: string; token: string; ca: string; maxSockets?: number }): ApiClient {
  const url = new URL(o.url);
  const agent = new Agent({ keepAlive: true, maxSockets: o.maxSockets ?? 64, ca: o.ca });
  const send = (method: string, path: string, s: SendOptions = {}): Promise<ApiResponse> =>
    new Promise((resolve, reject) => {
      const headers: Record<string, string> = { Authorization: `Bearer ${o.token}`, Accept: s.accept ?? 'application/json', ...s.headers };
      if (s.body !== undefined) {
        headers['Content-Type'] = s.contentType ?? 'application/json';
        if (!s.chunked) headers['Content-Length'] = String(Buffer.byteLength(s.body));
      }
      const req = request({ host: url.hostname, port: url.port, method, path, headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.on('error', reject);
      if (s.timeoutMs) req.setTimeout(s.timeoutMs, () => req.destroy(new Error(`timeout after ${s.timeoutMs} ms`)));
      if (s.body !== undefined && s.chunked) {
        // Two writes so that Node sends Transfer-Encoding: chunked.
        const b = Buffer.from(s.body);
        req.write(b.subarray(0, b.length >> 1));
        req.end(b.subarray(b.length >> 1));
      } else req.end(s.body);
    });
  return {
    url,
    agent,
    token: o.token,
    ca: o.ca,
    send,
    async json<T>(method: string, path: string, body?: unknown): Promise<T> {
      const r = await send(method, path, body === undefined ? {} : { body: JSON.stringify(body) });
      if (r.status < 200 || r.status > 299) throw new Error(`${method} ${path}: ${r.status} ${r.body.toString('utf8').slice(0, 500)}`);
      return JSON.parse(r.body.toString('utf8')) as T;
    },
    close: () => agent.destroy(),
  };
}
