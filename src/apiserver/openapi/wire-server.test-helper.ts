// A throwaway HTTP server serving only discovery and OpenAPI (plus a create endpoint that runs strict
// decoding), so tests can prove real kubectl accepts our documents before the full API server exists.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ResourceInfo } from '../../api/resource.js';
import { checkDecode, type FieldValidation } from '../../api/schema/index.js';
import { aggregatedContentType, aggregatedDiscovery, apiGroup, apiGroupList, apiResourceList, coreApiVersions, negotiateAggregated } from '../discovery/index.js';
import { OPENAPI_V2_PROTOBUF_CONTENT_TYPE, openapiV2Json, openapiV2Protobuf, openapiV3Document, openapiV3Index } from './index.js';

export interface WireServer {
  url: string;
  /** Request lines seen ("GET /openapi/v2 accept=..."), for assertions on what kubectl asked. */
  seen: string[];
  close(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startWireServer(resources: readonly ResourceInfo[], opts: { aggregated?: boolean } = {}): Promise<WireServer> {
  const seen: string[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const accept = req.headers.accept ?? '';
      seen.push(`${req.method} ${url.pathname}${url.search} accept=${accept}`);
      const json = (code: number, v: unknown, type = 'application/json') => {
        res.writeHead(code, { 'content-type': type });
        res.end(JSON.stringify(v));
      };
      const notFound = () => json(404, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the server could not find the requested resource', reason: 'NotFound', details: {}, code: 404 });
      const p = url.pathname;
      const agg = opts.aggregated === false ? undefined : negotiateAggregated(accept);
      if (p === '/version') return json(200, { major: '1', minor: '33', gitVersion: 'v1.33.0', platform: 'linux/amd64' });
      if (p === '/api') return agg ? json(200, aggregatedDiscovery(resources, 'core', agg), aggregatedContentType(agg)) : json(200, coreApiVersions('127.0.0.1'));
      if (p === '/apis') return agg ? json(200, aggregatedDiscovery(resources, 'apis', agg), aggregatedContentType(agg)) : json(200, apiGroupList(resources));
      if (p === '/openapi/v2') {
        if (accept.includes('protobuf')) {
          res.writeHead(200, { 'content-type': OPENAPI_V2_PROTOBUF_CONTENT_TYPE });
          return res.end(Buffer.from(openapiV2Protobuf(resources)));
        }
        return json(200, openapiV2Json(resources));
      }
      if (p === '/openapi/v3') return json(200, openapiV3Index(resources));
      if (p.startsWith('/openapi/v3/')) {
        const doc = openapiV3Document(resources, p.slice('/openapi/v3/'.length));
        return doc ? json(200, doc) : notFound();
      }
      const seg = p.split('/').filter(Boolean);
      // /api/v1, /apis/<g>, /apis/<g>/<v>
      if (seg[0] === 'api' && seg.length === 2) return json(200, apiResourceList(resources, '', seg[1]!) ?? {});
      if (seg[0] === 'apis' && seg.length === 2) {
        const g = apiGroup(resources, seg[1]!);
        return g ? json(200, g) : notFound();
      }
      if (seg[0] === 'apis' && seg.length === 3) {
        const l = apiResourceList(resources, seg[1]!, seg[2]!);
        return l ? json(200, l) : notFound();
      }
      // Objects: GET -> 404 (nothing stored), POST -> strict decoding, then echo.
      const group = seg[0] === 'api' ? '' : seg[1]!;
      const version = seg[0] === 'api' ? seg[1]! : seg[2]!;
      const rest = seg.slice(seg[0] === 'api' ? 2 : 3);
      const plural = rest[0] === 'namespaces' && rest.length >= 3 ? rest[2] : rest[0];
      const info = resources.find((r) => r.group === group && r.plural === plural);
      if (!info) return notFound();
      if (req.method === 'GET') return notFound();
      if (req.method === 'POST') {
        const obj = JSON.parse(await body(req)) as Record<string, unknown>;
        const check = checkDecode(info, version, obj, { fieldValidation: (url.searchParams.get('fieldValidation') ?? 'Warn') as FieldValidation });
        if (check.error) return json(check.error.code, check.error.toStatus());
        const headers: Record<string, string | string[]> = { 'content-type': 'application/json' };
        if (check.warnings.length) headers.warning = check.warnings.map((w) => `299 - ${JSON.stringify(w)}`);
        res.writeHead(201, headers);
        return res.end(JSON.stringify(obj));
      }
      return notFound();
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
