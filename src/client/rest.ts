// The REST client: the Client contract over any Transport, speaking the Kubernetes API exactly as client-go does
// (paths, query parameters, patch content types, DeleteOptions bodies, newline-delimited watch streams).
// Every non-2xx answer becomes an ApiError built from the server's Status body.
import { StringDecoder } from 'node:string_decoder';
import { ApiError, type Status, type StatusReason } from '../api/errors.js';
import type { KubeObject } from '../api/object.js';
import { readKubeconfig } from './kubeconfig.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { httpsTransport, inProcessTransport, type Transport, type TransportResponse } from './transport.js';
import type {
  Client,
  DeleteOptions,
  ListOptions,
  ObjectList,
  PatchOptions,
  PatchType,
  ResourceRef,
  WatchEvent,
  WatchOptions,
  WatchStream,
  WriteOptions,
} from './types.js';

const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

export interface RestClientOptions {
  userAgent?: string;
  /** fieldManager sent on writes that do not name one (Kubernetes derives one from the user agent otherwise). */
  fieldManager?: string;
}

/** /api/v1 or /apis/<group>/<version>, then namespaces/<ns> for namespaced resources, then the plural. */
export function resourcePath(res: ResourceRef, namespace: string | undefined, name?: string, subresource?: string): string {
  let p = res.group === '' ? `/api/${res.version}` : `/apis/${res.group}/${res.version}`;
  if (res.namespaced && namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
  else if (res.namespaced && name !== undefined) throw new ApiError(400, 'BadRequest', `a namespace is required for ${res.resource} "${name}"`);
  p += `/${res.resource}`;
  if (name !== undefined) {
    if (name === '') throw new ApiError(400, 'BadRequest', 'resource name may not be empty');
    p += `/${encodeURIComponent(name)}`;
    if (subresource) p += `/${subresource}`;
  }
  return p;
}

function withQuery(path: string, q: Record<string, string | number | boolean | undefined>): string {
  const s = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') s.set(k, String(v));
  const qs = s.toString();
  return qs ? `${path}?${qs}` : path;
}

function listQuery(o: ListOptions = {}) {
  return {
    labelSelector: o.labelSelector,
    fieldSelector: o.fieldSelector,
    limit: o.limit,
    continue: o.continue,
    resourceVersion: o.resourceVersion,
    resourceVersionMatch: o.resourceVersionMatch,
  };
}

const REASONS: Record<number, StatusReason> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'Conflict',
  410: 'Expired',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/** A Status (from an error body or an ERROR watch event) as an ApiError. */
export function statusToError(s: Partial<Status> | undefined, httpCode = 500, fallbackMessage = ''): ApiError {
  const code = typeof s?.code === 'number' && s.code > 0 ? s.code : httpCode;
  return new ApiError(code, s?.reason ?? REASONS[code] ?? '', s?.message ?? fallbackMessage ?? `the server responded with code ${code}`, s?.details);
}

async function readAll(r: TransportResponse): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of r.body) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

export class RestClient implements Client {
  private readonly userAgent: string;
  constructor(
    readonly transport: Transport,
    private readonly opts: RestClientOptions = {},
  ) {
    this.userAgent = opts.userAgent ?? 'tugboat/v0.1.0';
  }

  /** One request; the parsed JSON body on 2xx, an ApiError otherwise. */
  async request<T>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': this.userAgent };
    let text: string | undefined;
    if (body !== undefined) {
      headers['content-type'] = contentType;
      text = typeof body === 'string' ? body : JSON.stringify(body);
    }
    const r = await this.transport.request({ method, path, headers, body: text });
    const raw = await readAll(r);
    if (r.status >= 200 && r.status < 300) return (raw ? JSON.parse(raw) : {}) as T;
    throw errorFromBody(r.status, raw);
  }

  get<T extends KubeObject = KubeObject>(res: ResourceRef, namespace: string | undefined, name: string, opts: { subresource?: string } = {}): Promise<T> {
    return this.request<T>('GET', resourcePath(res, namespace, name, opts.subresource));
  }

  list<T extends KubeObject = KubeObject>(res: ResourceRef, namespace: string | undefined, opts?: ListOptions): Promise<ObjectList<T>> {
    return this.request<ObjectList<T>>('GET', withQuery(resourcePath(res, namespace), listQuery(opts)));
  }

  watch<T extends KubeObject = KubeObject>(res: ResourceRef, namespace: string | undefined, opts: WatchOptions = {}): WatchStream<T> {
    const ac = new AbortController();
    const onOuter = () => ac.abort();
    if (opts.signal?.aborted) ac.abort();
    else opts.signal?.addEventListener('abort', onOuter, { once: true });
    const path = withQuery(resourcePath(res, namespace), {
      ...listQuery(opts),
      watch: true,
      allowWatchBookmarks: opts.allowWatchBookmarks,
      timeoutSeconds: opts.timeoutSeconds,
    });
    const headers = { accept: 'application/json', 'user-agent': this.userAgent };
    const transport = this.transport;
    async function* events(): AsyncGenerator<WatchEvent<T>> {
      let r: TransportResponse | undefined;
      try {
        r = await transport.request({ method: 'GET', path, headers, signal: ac.signal });
        if (r.status !== 200) throw errorFromBody(r.status, await readAll(r));
        const dec = new StringDecoder('utf8');
        let buf = '';
        for await (const chunk of r.body) {
          buf += typeof chunk === 'string' ? chunk : dec.write(chunk as Buffer);
          let i: number;
          while ((i = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, i).trim();
            buf = buf.slice(i + 1);
            if (!line) continue;
            const ev = JSON.parse(line) as WatchEvent<T>;
            if (ev.type === 'ERROR') throw statusToError(ev.object as Partial<Status>, 500);
            yield ev;
          }
        }
      } catch (e) {
        if (ac.signal.aborted && !(e instanceof ApiError)) return;
        throw e;
      } finally {
        opts.signal?.removeEventListener('abort', onOuter);
        ac.abort();
        r?.body.destroy();
      }
    }
    const it = events();
    return {
      [Symbol.asyncIterator]: () => it,
      close: () => ac.abort(),
    };
  }

  create<T extends KubeObject = KubeObject>(res: ResourceRef, namespace: string | undefined, obj: T, opts: WriteOptions = {}): Promise<T> {
    const ns = namespace ?? obj.metadata?.namespace;
    const path = opts.subresource ? resourcePath(res, ns, obj.metadata?.name ?? '', opts.subresource) : resourcePath(res, ns);
    return this.request<T>('POST', withQuery(path, this.writeQuery(opts)), obj);
  }

  update<T extends KubeObject = KubeObject>(res: ResourceRef, namespace: string | undefined, obj: T, opts: WriteOptions = {}): Promise<T> {
    const ns = namespace ?? obj.metadata?.namespace;
    const path = resourcePath(res, ns, obj.metadata?.name ?? '', opts.subresource);
    return this.request<T>('PUT', withQuery(path, this.writeQuery(opts)), obj);
  }

  patch<T extends KubeObject = KubeObject>(
    res: ResourceRef,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    body: unknown,
    opts: PatchOptions = {},
  ): Promise<T> {
    const q = { ...this.writeQuery(opts), force: type === 'apply' && opts.force ? true : undefined };
    return this.request<T>('PATCH', withQuery(resourcePath(res, namespace, name, opts.subresource), q), body, PATCH_CONTENT_TYPES[type]);
  }

  delete(res: ResourceRef, namespace: string | undefined, name: string, opts: DeleteOptions = {}): Promise<KubeObject> {
    const body: Record<string, unknown> = { kind: 'DeleteOptions', apiVersion: 'v1' };
    if (opts.propagationPolicy) body['propagationPolicy'] = opts.propagationPolicy;
    if (opts.gracePeriodSeconds !== undefined) body['gracePeriodSeconds'] = opts.gracePeriodSeconds;
    if (opts.preconditions) body['preconditions'] = opts.preconditions;
    if (opts.dryRun) body['dryRun'] = ['All'];
    return this.request<KubeObject>('DELETE', resourcePath(res, namespace, name), body);
  }

  createSubresource<T extends KubeObject = KubeObject>(
    res: ResourceRef,
    namespace: string | undefined,
    name: string,
    subresource: string,
    body: KubeObject,
  ): Promise<T> {
    return this.request<T>('POST', resourcePath(res, namespace, name, subresource), body);
  }

  close(): void {
    this.transport.close?.();
  }

  private writeQuery(o: WriteOptions) {
    return { dryRun: o.dryRun ? 'All' : undefined, fieldManager: o.fieldManager ?? this.opts.fieldManager };
  }
}

function errorFromBody(code: number, raw: string): ApiError {
  let s: Partial<Status> | undefined;
  try {
    const parsed = JSON.parse(raw) as Partial<Status>;
    if (parsed && parsed.kind === 'Status') s = parsed;
  } catch {
    // not JSON: keep the text as the message
  }
  return statusToError(s, code, raw.trim() || `the server responded with code ${code}`);
}

/** A RestClient over HTTPS from a kubeconfig file (its current context unless one is named). */
export function clientFromKubeconfig(path: string, opts: RestClientOptions & { context?: string } = {}): RestClient {
  const target = readKubeconfig(path, opts.context);
  return new RestClient(httpsTransport(target), opts);
}

/**
 * A client for the all-in-one process: the API server's handle() without a socket. The server's authenticator sees
 * `token` as a bearer token (e.g. the admin token from startApiServer) or the given headers.
 */
export function inProcessClient(
  handle: (req: IncomingMessage, res: ServerResponse) => unknown,
  opts: RestClientOptions & { token?: string; headers?: Record<string, string> } = {},
): RestClient {
  const headers = { ...(opts.headers ?? {}), ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}) };
  return new RestClient(inProcessTransport(handle, { headers }), opts);
}
