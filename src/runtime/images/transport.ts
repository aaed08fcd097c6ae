// The HTTP layer under the registry client: keep-alive agents (extra CAs for https), redirects followed (the
// Authorization header is dropped when a redirect leaves the registry's host, as blob stores on other hosts
// expect), and retries with exponential backoff on network errors, 5xx and 429.
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { rootCertificates } from 'node:tls';
import { readFileSync } from 'node:fs';
import { realClock } from '../../util/clock.js';

export interface TransportOptions {
  caFiles?: string[];
  /** Attempts for one request, network errors and 5xx/429 counted (default 4). */
  attempts?: number;
  /** First backoff in ms, doubled per attempt (default 200). */
  backoffMs?: number;
}

export interface SendOptions {
  headers?: Record<string, string>;
  /** A request body (small: sent again on a retry or a 307/308 redirect). */
  body?: Buffer;
  signal?: AbortSignal;
  /** Do not retry 5xx on this request (the caller handles it). */
  noRetry?: boolean;
}

/** A network-level failure after every retry: the agent reports it as kind `network`. */
export class NetworkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NetworkError';
  }
}

const RETRY_STATUS = new Set([429, 500, 502, 503, 504]);

export class Transport {
  private readonly http = new HttpAgent({ keepAlive: true, maxSockets: 16 });
  private readonly https: HttpsAgent;
  private readonly attempts: number;
  private readonly backoffMs: number;

  constructor(o: TransportOptions = {}) {
    const extra = (o.caFiles ?? []).map((f) => readFileSync(f, 'utf8'));
    this.https = new HttpsAgent({ keepAlive: true, maxSockets: 16, ...(extra.length ? { ca: [...rootCertificates, ...extra] } : {}) });
    this.attempts = o.attempts ?? 4;
    this.backoffMs = o.backoffMs ?? 200;
  }

  close(): void {
    this.http.destroy();
    this.https.destroy();
  }

  private once(method: string, url: URL, o: SendOptions): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const https = url.protocol === 'https:';
      const req = (https ? httpsRequest : httpRequest)(
        url,
        { method, headers: o.headers ?? {}, agent: https ? this.https : this.http, ...(o.signal ? { signal: o.signal } : {}) },
        resolve,
      );
      req.setTimeout(30_000, () => req.destroy(new Error(`no answer from ${url.host} in 30 s`)));
      req.on('error', reject);
      req.end(o.body);
    });
  }

  /** One request, redirects followed, retried; the body is left unread for the caller. */
  async send(method: string, url: string, o: SendOptions = {}): Promise<IncomingMessage> {
    let lastError = '';
    for (let attempt = 0; attempt < this.attempts; attempt++) {
      if (attempt > 0) await realClock.sleep(this.backoffMs * 2 ** (attempt - 1), o.signal);
      try {
        const res = await this.follow(method, new URL(url), o);
        if (!o.noRetry && RETRY_STATUS.has(res.statusCode ?? 0) && attempt < this.attempts - 1) {
          lastError = `${res.statusCode} ${res.statusMessage ?? ''}`.trim();
          res.resume();
          continue;
        }
        return res;
      } catch (err) {
        if (o.signal?.aborted) throw err;
        lastError = err instanceof Error ? err.message : String(err);
      }
    }
    throw new NetworkError(`${method} ${new URL(url).host}: ${lastError} (after ${this.attempts} attempts)`);
  }

  private async follow(method: string, url: URL, o: SendOptions): Promise<IncomingMessage> {
    const origin = url.host;
    let current = url;
    for (let hops = 0; hops < 6; hops++) {
      let headers = o.headers ?? {};
      if (current.host !== origin) {
        headers = Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== 'authorization'));
      }
      const res = await this.once(method, current, { ...o, headers });
      const status = res.statusCode ?? 0;
      const loc = res.headers.location;
      if ([301, 302, 303, 307, 308].includes(status) && loc) {
        res.resume();
        current = new URL(loc, current);
        continue;
      }
      return res;
    }
    throw new Error(`too many redirects from ${url.host}`);
  }
}

export function readBody(res: IncomingMessage, limit = 8 << 20): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let n = 0;
    res.on('data', (c: Buffer) => {
      n += c.length;
      if (n > limit) {
        res.destroy(new Error(`response larger than ${limit} bytes`));
        return;
      }
      chunks.push(c);
    });
    res.on('end', () => resolve(Buffer.concat(chunks)));
    res.on('error', reject);
  });
}
