// The metrics.k8s.io/v1beta1 API, served inside the API server the way metrics-server serves it through the
// aggregator: a background scrape of every node agent plus on-demand refreshes, answered from the last two samples.
import type { Store } from '../../store/types.js';
import { realClock, type Clock } from '../../util/clock.js';
import { silentLogger, type Logger } from '../../util/logger.js';
import type { ResourceRequest } from '../types.js';
import { listNodesFromStore, listPodsFromStore, serveMetrics, type MetricsReply } from './handler.js';
import { httpsFetcher, MetricsScraper, type FetchMetrics } from './scraper.js';

export { METRICS_GROUP, type MetricsReply } from './handler.js';
export { MetricsScraper, httpsFetcher, type FetchMetrics } from './scraper.js';
export { parseResourceMetrics } from './parse.js';

export const DEFAULT_METRIC_RESOLUTION_MS = 15_000;

export interface MetricsApiOptions {
  store: Store;
  /** PEM: the kubelet-client certificate and the CA of the agents' serving certificates. */
  tls?: { key: string; cert: string; ca: string };
  fetch?: FetchMetrics;
  clock?: Clock;
  logger?: Logger;
  resolutionMs?: number;
  cacheMs?: number;
}

export interface MetricsApi {
  handle(rr: ResourceRequest): Promise<MetricsReply>;
  /** Scrapes every resolution period until the signal aborts. */
  run(signal: AbortSignal): Promise<void>;
  readonly scraper: MetricsScraper;
}

/** TUG_METRICS_RESOLUTION (seconds) until `tug server` has a flag for it. */

export function createMetricsApi(o: MetricsApiOptions): MetricsApi {
  const clock = o.clock ?? realClock;
  const fetch = o.fetch ?? (o.tls ? httpsFetcher(o.tls) : undefined);
  if (!fetch) throw new Error('createMetricsApi needs tls or fetch');
  const resolutionMs = o.resolutionMs ?? 15_000;
  const scraper = new MetricsScraper({
    listNodes: listNodesFromStore(o.store),
    listPods: listPodsFromStore(o.store),
    clock,
    logger: (o.logger ?? silentLogger).child('metrics'),
    resolutionMs,
    cacheMs: o.cacheMs ?? Math.min(5_000, resolutionMs),
    fetch,
  });
  return {
    scraper,
    handle: (rr) => serveMetrics({ store: o.store, clock, scraper }, rr),
    run: (signal) => scraper.run(signal),
  };
}
