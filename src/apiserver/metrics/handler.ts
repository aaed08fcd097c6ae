// GET /apis/metrics.k8s.io/v1beta1/nodes[/name] and .../namespaces/NS/pods[/name] (and /pods for all
// namespaces): NodeMetrics and PodMetrics in metrics-server's shapes, with label and field selectors applied to
// the nodes and pods they describe. Objects carry the node's or pod's labels, as metrics-server's do.
import { errors } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import type { Store } from '../../store/types.js';
import type { Clock } from '../../util/clock.js';
import { matchLabels, parseFieldSelector, parseLabelSelector } from '../selectors.js';
import type { ResourceRequest } from '../types.js';
import { cpuQuantity, goDuration, memoryQuantity, rfc3339Seconds } from './format.js';
import { podUsage, pointUsage } from './rates.js';
import type { MetricsScraper } from './scraper.js';

export const METRICS_GROUP = 'metrics.k8s.io';
const API_VERSION = 'metrics.k8s.io/v1beta1';

export interface MetricsReply {
  code: number;
  kind: 'object' | 'list';
  body: KubeObject;
}

interface Ctx {
  store: Store;
  clock: Clock;
  scraper: MetricsScraper;
}

async function rangeObjects(store: Store, prefix: string): Promise<KubeObject[]> {
  const out: KubeObject[] = [];
  let after: string | undefined;
  for (;;) {
    const r = await store.range(prefix, { limit: 500, ...(after ? { continueAfter: after } : {}) });
    for (const kv of r.kvs) out.push(JSON.parse(kv.value) as KubeObject);
    if (!r.more || r.kvs.length === 0) return out;
    after = r.kvs[r.kvs.length - 1]!.key;
  }
}

export function listNodesFromStore(store: Store): () => Promise<KubeObject[]> {
  return () => rangeObjects(store, '/registry/nodes/');
}

export function listPodsFromStore(store: Store): () => Promise<KubeObject[]> {
  return () => rangeObjects(store, '/registry/pods/');
}

/** Label and field selectors of a list (field: metadata.name and metadata.namespace, as metrics-server allows). */
function selectorFilter(q: URLSearchParams): (o: KubeObject) => boolean {
  const labels = parseLabelSelector(q.get('labelSelector') ?? '');
  const fields = parseFieldSelector(q.get('fieldSelector') ?? '');
  for (const f of fields) {
    if (f.field !== 'metadata.name' && f.field !== 'metadata.namespace') {
      throw errors.badRequest(`"${f.field}" is not a known field selector: only "metadata.name", "metadata.namespace"`);
    }
  }
  return (o) => {
    if (!matchLabels(labels, o.metadata?.labels)) return false;
    return fields.every((f) => {
      const v = f.field === 'metadata.name' ? o.metadata?.name : o.metadata?.namespace;
      return f.op === '=' ? v === f.value : v !== f.value;
    });
  };
}

function nodeMetrics(c: Ctx, node: KubeObject): KubeObject | undefined {
  const name = node.metadata?.name ?? '';
  const s = c.scraper.samplesOf(name);
  const u = pointUsage(s?.prev?.node, s?.last?.node);
  if (!u) return undefined;
  const metadata: KubeObject['metadata'] = { name, creationTimestamp: rfc3339Seconds(c.clock.now().getTime()) };
  if (node.metadata?.labels) metadata.labels = node.metadata.labels;
  return {
    kind: 'NodeMetrics',
    apiVersion: API_VERSION,
    metadata,
    timestamp: rfc3339Seconds(u.tsMs),
    window: goDuration(u.windowMs),
    usage: { cpu: cpuQuantity(u.cpuNanocores), memory: memoryQuantity(u.memoryBytes) },
  } as KubeObject;
}

function podMetrics(c: Ctx, pod: KubeObject): KubeObject | undefined {
  const nodeName = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
  if (!nodeName) return undefined;
  const s = c.scraper.samplesOf(nodeName);
  if (!s?.last) return undefined;
  const ns = pod.metadata?.namespace ?? '';
  const name = pod.metadata?.name ?? '';
  const u = podUsage(s.prev, s.last, `${ns}/${name}`);
  if (!u) return undefined;
  const metadata: KubeObject['metadata'] = { name, namespace: ns, creationTimestamp: rfc3339Seconds(c.clock.now().getTime()) };
  if (pod.metadata?.labels) metadata.labels = pod.metadata.labels;
  return {
    kind: 'PodMetrics',
    apiVersion: API_VERSION,
    metadata,
    timestamp: rfc3339Seconds(u.tsMs),
    window: goDuration(u.windowMs),
    containers: u.containers.map((x) => ({ name: x.name, usage: { cpu: cpuQuantity(x.usage.cpuNanocores), memory: memoryQuantity(x.usage.memoryBytes) } })),
  } as KubeObject;
}

export async function serveMetrics(c: Ctx, rr: ResourceRequest): Promise<MetricsReply> {
  const info = rr.info;
  const kind = info.resource === 'nodes' ? 'NodeMetrics' : 'PodMetrics';
  const target = { group: METRICS_GROUP, resource: info.resource === 'nodes' ? 'nodemetrics' : 'podmetrics' };
  if (info.subresource || (info.verb !== 'get' && info.verb !== 'list')) {
    throw errors.methodNotAllowed(info.method, { group: METRICS_GROUP, resource: info.resource });
  }
  await c.scraper.fresh();
  const build = (o: KubeObject) => (info.resource === 'nodes' ? nodeMetrics(c, o) : podMetrics(c, o));
  if (info.verb === 'get') {
    const name = info.name ?? '';
    const key = info.resource === 'nodes' ? `/registry/nodes/${name}` : `/registry/pods/${info.namespace ?? ''}/${name}`;
    const kv = await c.store.get(key);
    const m = kv ? build(JSON.parse(kv.value) as KubeObject) : undefined;
    if (!m) throw errors.notFound(target, info.resource === 'nodes' ? name : `${info.namespace ?? ''}/${name}`);
    return { code: 200, kind: 'object', body: m };
  }
  const prefix = info.resource === 'nodes' ? '/registry/nodes/' : info.namespace ? `/registry/pods/${info.namespace}/` : '/registry/pods/';
  const keep = selectorFilter(rr.query);
  const items = (await rangeObjects(c.store, prefix)).filter(keep).map(build).filter((m): m is KubeObject => m !== undefined);
  return { code: 200, kind: 'list', body: { kind: `${kind}List`, apiVersion: API_VERSION, metadata: {}, items } as KubeObject };
}
