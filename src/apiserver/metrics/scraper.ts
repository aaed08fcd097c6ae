// Scrapes every node agent's /metrics/resource (as metrics-server does the kubelets') over HTTPS with the API
// server's kubelet-client certificate, every resolution period and on demand when the data is older than a short
// cache. Per node it keeps the previous and the latest distinct sample, which rates.ts turns into usage.
// Nodes without an agent endpoint have no metrics source and are simply absent. Simulated nodes are never
// contacted (their addresses are made up): their pods' usage annotations stand in for an agent (sim-usage.ts).
import { request as httpsRequest } from 'node:https';
import type { KubeObject } from '../../api/object.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { agentAddress, type AgentAddress } from '../streams/relay.js';
import { parseResourceMetrics, type NodeBatch } from './parse.js';
import { isSimNode, SimUsage } from './sim-usage.js';

export interface NodeSamples {
  prev?: NodeBatch;
  last?: NodeBatch;
}

export type FetchMetrics = (agent: AgentAddress, path: string, timeoutMs: number) => Promise<string>;

export interface ScraperOptions {
  listNodes(): Promise<KubeObject[]>;
  /** Every pod (read only when there are simulated nodes). */
  listPods?(): Promise<KubeObject[]>;
  clock: Clock;
  logger: Logger;
  /** Period of the background scrape (metrics-server's --metric-resolution, 15 s). */
  resolutionMs: number;
  /** A request finding data older than this scrapes first (default 5 s). */
  cacheMs?: number;
  timeoutMs?: number;
  fetch: FetchMetrics;
}

export const RESOURCE_METRICS_PATH = '/metrics/resource';

export class MetricsScraper {
  private readonly samples = new Map<string, NodeSamples>();
  private lastScrapeMs = -Infinity;
  private inFlight: Promise<void> | undefined;
  private readonly sim = new SimUsage();

  constructor(private readonly o: ScraperOptions) {}

  samplesOf(node: string): NodeSamples | undefined {
    return this.samples.get(node);
  }

  /** Scrapes unless the data is fresh enough; concurrent callers share one scrape. */
  async fresh(): Promise<void> {
    if (this.o.clock.now().getTime() - this.lastScrapeMs < (this.o.cacheMs ?? 5_000)) return;
    await this.scrapeAll();
  }

  scrapeAll(): Promise<void> {
    this.inFlight ??= this.doScrape().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.scrapeAll().catch((e: unknown) => this.o.logger.warn('metrics scrape failed', { err: String(e) }));
      await this.o.clock.sleep(this.o.resolutionMs, signal).catch(() => undefined);
    }
  }

  private async doScrape(): Promise<void> {
    const nodes = await this.o.listNodes();
    const names = new Set(nodes.map((n) => n.metadata?.name ?? ''));
    for (const name of this.samples.keys()) if (!names.has(name)) this.samples.delete(name);
    const timeoutMs = this.o.timeoutMs ?? Math.max(1_000, Math.min(10_000, this.o.resolutionMs * 0.9));
    const simNodes = nodes.filter(isSimNode);
    if (simNodes.length && this.o.listPods) {
      const pods = await this.o.listPods();
      const now = this.o.clock.now().getTime();
      for (const node of simNodes) this.record(node.metadata?.name ?? '', this.sim.sample(node.metadata?.name ?? '', pods, now));
      this.sim.endScrape();
    }
    await Promise.all(
      nodes.map(async (node) => {
        const name = node.metadata?.name ?? '';
        if (isSimNode(node)) return;
        const agent = agentAddress(node);
        if (!agent) return;
        try {
          const text = await this.o.fetch(agent, RESOURCE_METRICS_PATH, timeoutMs);
          this.record(name, parseResourceMetrics(text, this.o.clock.now().getTime()));
        } catch (e) {
          this.o.logger.debug('scraping a node agent failed', { node: name, err: String(e) });
        }
      }),
    );
    this.lastScrapeMs = this.o.clock.now().getTime();
  }

  /** Keeps the previous and the latest distinct sample (an agent that has not sampled again changes nothing). */
  record(node: string, batch: NodeBatch): void {
    const s = this.samples.get(node) ?? {};
    const ts = (b: NodeBatch | undefined) => b?.node?.tsMs;
    if (s.last && ts(s.last) !== undefined && ts(s.last) === ts(batch)) return;
    this.samples.set(node, { prev: s.last, last: batch });
  }
}

/** GET over HTTPS presenting the kubelet-client certificate, trusting the cluster CA. */
export function httpsFetcher(tls: { key: string; cert: string; ca: string }): FetchMetrics {
  return (agent, path, timeoutMs) =>
    new Promise((resolve, reject) => {
      const req = httpsRequest({ host: agent.host, port: agent.port, path, method: 'GET', key: tls.key, cert: tls.cert, ca: tls.ca, timeout: timeoutMs }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => ((res.statusCode ?? 500) === 200 ? resolve(body) : reject(new Error(`${agent.host}:${agent.port}${path}: HTTP ${res.statusCode}`))));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', reject);
      req.end();
    });
}
