// The service proxy (our kube-proxy): Services and EndpointSlices to this node's data path. Contract for
// src/cli/node-services.ts; the parts live beside it: model.ts (what to program), nft-rules.ts (nftables text),
// userspace.ts (the relay where nft or root is missing), sync-runner.ts (coalesced, rate-limited syncs).
import { readFile } from 'node:fs/promises';
import type { Client, InformerFactory, Informer } from '../client/index.js';
import { SharedInformerFactory, endpointslices, nodes, services } from '../client/index.js';
import type { KubeObject } from '../api/object.js';
import type { Logger } from '../util/logger.js';
import { buildEntries, type EndpointSlice, type Service, type ServicePortEntry } from './model.js';
import { renderRules, parseTableObjects } from './nft-rules.js';
import { nftApply, onPath, runTool } from './exec.js';
import { SyncRunner } from './sync-runner.js';
import { UserspaceRelay, desiredListeners } from './userspace.js';

export type ProxyMode = 'nftables' | 'userspace';

export const DEFAULT_PROXY_TABLE = 'tugboat-proxy';
/** Syncs start at most this often; a burst of changes in between becomes one sync. */
const MIN_SYNC_INTERVAL_MS = 20;
const RETRY_MS = 1000;
/** Rewrite the rules at least this often even when nothing changed (someone may have flushed them). */
const RESYNC_MS = 30_000;

export interface ProxyOptions {
  client: Client;
  informers?: InformerFactory;
  logger: Logger;
  signal: AbortSignal;
  nodeName: string;
  /** The node's addresses: NodePorts and LoadBalancer ports answer on these. */
  nodeIPs: string[];
  /** 'auto': nftables as root with nft present, else userspace. */
  mode: ProxyMode | 'auto';
  serviceCidr: string;
  clusterCidr: string;
  /** This node's pod bridge: ClusterIPs are served in prerouting only to packets from it (see nft-rules.ts). */
  podBridge?: string;
  /** nftables table (family ip) the rules live in; one per server so parallel test servers do not meet. */
  table?: string;
}

export interface SyncInfo {
  /** performance.now() when the sync started and how long it took. */
  startedAt: number;
  durationMs: number;
  /** Whether the data path was rewritten (false: the rendered rules were the same as before). */
  applied: boolean;
}

export interface Proxy {
  mode: ProxyMode;
  /** Resolves when the rules reflect everything the informers have seen so far (tests, benchmarks). */
  synced(): Promise<void>;
  /** Stops the loops and removes every rule and listener. */
  stop(): Promise<void>;
  /** Called after each successful sync (for "Service change -> rules in place" timings). */
  onSync(fn: (s: SyncInfo) => void): () => void;
  /** The nft script of the last sync ('' in userspace mode) or the relay's listeners, for tests and debugging. */
  state(): { rules: string; listeners: string[]; entries: ServicePortEntry[] };
}

/**
 * Resolves with performance.now() at the end of the first sync (from now on) whose state satisfies pred; for
 * "Service change -> rules in place" timings (start the clock, write the change, await this).
 */
export function waitForRules(proxy: Proxy, pred: (s: ReturnType<Proxy['state']>) => boolean, timeoutMs = 5000): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`proxy rules did not reach the wanted state within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = proxy.onSync(() => {
      if (!pred(proxy.state())) return;
      clearTimeout(timer);
      off();
      resolve(performance.now());
    });
  });
}

async function nftUsable(): Promise<boolean> {
  if (process.getuid?.() !== 0 || !onPath('nft')) return false;
  return (await runTool('nft', ['--version'])).code === 0;
}

/** br_netfilter on means bridged pod-to-pod replies pass conntrack, so only non-pod sources need masquerade. */
async function bridgeNetfilterOn(): Promise<boolean> {
  const v = await readFile('/proc/sys/net/bridge/bridge-nf-call-iptables', 'utf8').catch(() => '0');
  return v.trim() === '1';
}

interface Node extends KubeObject {
  status?: { addresses?: { type: string; address: string }[] };
}

export async function startProxy(o: ProxyOptions): Promise<Proxy> {
  const log = o.logger.child('proxy');
  const mode: ProxyMode = o.mode === 'auto' ? ((await nftUsable()) ? 'nftables' : 'userspace') : o.mode;
  if (mode === 'nftables' && !(await nftUsable())) throw new Error('proxy mode nftables needs root and the nft tool (apt install nftables)');
  if (mode === 'userspace') log.warn('userspace proxy: NodePort and LoadBalancer ports are relayed, ClusterIPs are not reachable on this node');
  const table = o.table ?? DEFAULT_PROXY_TABLE;

  const stopper = new AbortController();
  const signal = AbortSignal.any([o.signal, stopper.signal]);
  const informers = o.informers ?? new SharedInformerFactory({ client: o.client, logger: log.child('informers') });
  const svcInf = informers.informer<Service>(services);
  const sliceInf = informers.informer<EndpointSlice>(endpointslices);
  const nodeInf: Informer<Node> = informers.informer<Node>(nodes);

  const listeners = new Set<(s: SyncInfo) => void>();
  const relay = new UserspaceRelay(log);
  let lastRules = '';
  let lastAppliedAt = -Infinity;
  let lastEntries: ServicePortEntry[] = [];
  let existing: { chains: Set<string>; sets: Set<string> } | undefined;

  const nodeIPs = (): string[] => {
    const own = nodeInf.get(undefined, o.nodeName)?.status?.addresses?.filter((a) => a.type === 'InternalIP').map((a) => a.address) ?? [];
    return [...new Set([...o.nodeIPs, ...own])].filter((ip) => /^\d{1,3}(\.\d{1,3}){3}$/.test(ip));
  };

  const syncNft = async (entries: ServicePortEntry[]): Promise<boolean> => {
    if (!existing) {
      // What a previous run (crashed, or this one before a restart) left: stale chains are deleted, not kept.
      const r = await runTool('nft', ['list', 'table', 'ip', table]);
      existing = r.code === 0 ? parseTableObjects(r.stdout) : { chains: new Set(), sets: new Set() };
    }
    const out = renderRules(entries, {
      table,
      clusterCidr: o.clusterCidr,
      nodeIPs: nodeIPs(),
      masqueradeAll: !(await bridgeNetfilterOn()),
      ...(o.podBridge ? { podBridge: { name: o.podBridge, serviceCidr: o.serviceCidr } } : {}),
      existing,
    });
    if (out.text === lastRules && performance.now() - lastAppliedAt < RESYNC_MS) return false;
    try {
      await nftApply(out.text);
    } catch (e) {
      // Perhaps the table changed under us (deleted by hand): list it again before the retry.
      existing = undefined;
      throw e;
    }
    existing = { chains: out.chains, sets: out.sets };
    lastRules = out.text;
    lastAppliedAt = performance.now();
    return true;
  };

  const sync = async () => {
    const startedAt = performance.now();
    const entries = buildEntries(svcInf.list(), sliceInf.list(), o.nodeName);
    const ips = nodeIPs();
    let applied = true;
    if (mode === 'nftables') {
      applied = await syncNft(entries);
      // kube-proxy's nftables mode serves no NodePort on 127.0.0.1 (DNAT from loopback needs route_localnet);
      // a node whose address is loopback (tests, single-machine setups) still gets its NodePort and
      // LoadBalancer ports answered, by the relay.
      await relay.reconcile(desiredListeners(entries, ips.filter((ip) => ip.startsWith('127.'))));
    } else await relay.reconcile(desiredListeners(entries, ips));
    if (mode === 'nftables') await dropGoneConntrack(lastEntries, entries, log);
    lastEntries = entries;
    const info = { startedAt, durationMs: performance.now() - startedAt, applied };
    if (applied) log.debug('synced', { services: entries.length, ms: info.durationMs.toFixed(1) });
    for (const fn of listeners) fn(info);
  };

  let firstFailure: (err: unknown) => void = () => undefined;
  const runner = new SyncRunner({
    sync,
    minIntervalMs: MIN_SYNC_INTERVAL_MS,
    retryMs: RETRY_MS,
    onError: (err) => {
      log.error('sync failed', { err });
      firstFailure(err);
    },
  });
  let watching = false;
  const changed = () => watching && runner.request();
  for (const inf of [svcInf, sliceInf] as Informer[]) inf.addHandlers({ add: changed, update: changed, delete: changed });
  nodeInf.addHandlers({
    add: (n) => n.metadata?.name === o.nodeName && changed(),
    update: (_p, n) => n.metadata?.name === o.nodeName && changed(),
  });
  const resync = setInterval(changed, RESYNC_MS);
  resync.unref();

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      clearInterval(resync);
      stopper.abort();
      await runner.stop();
      await relay.close();
      if (mode === 'nftables') {
        const r = await runTool('nft', ['delete', 'table', 'ip', table]);
        if (r.code !== 0 && !/No such file|does not exist/i.test(r.stderr)) log.warn('could not delete proxy table', { table, err: r.stderr.trim() });
      }
    })());
  o.signal.addEventListener('abort', () => void stop(), { once: true });

  await Promise.all([svcInf.start(signal), sliceInf.start(signal), nodeInf.start(signal)]);
  watching = true;
  runner.request();
  // Start returns after the first sync; if it fails the runner keeps retrying, and the server still starts.
  await Promise.race([runner.waitSynced(), new Promise<void>((resolve) => (firstFailure = () => resolve()))]);
  firstFailure = () => undefined;
  log.info('service proxy started', { mode, table: mode === 'nftables' ? table : undefined });

  return {
    mode,
    async synced() {
      await runner.waitSynced();
    },
    stop,
    onSync(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    state: () => ({ rules: lastRules, listeners: relay.keys, entries: lastEntries }),
  };
}

/**
 * Connections to an endpoint that is gone entirely would hang on (UDP forever): delete their conntrack entries
 * when the conntrack tool is installed. Endpoints only turned not-ready keep theirs, as in kube-proxy.
 */
async function dropGoneConntrack(before: ServicePortEntry[], after: ServicePortEntry[], log: Logger): Promise<void> {
  if (!before.length || !onPath('conntrack')) return;
  const now = new Map(after.map((e) => [e.id, new Set(e.known)]));
  for (const e of before) {
    const still = now.get(e.id);
    for (const ep of e.known) {
      if (still?.has(ep)) continue;
      const ip = ep.slice(0, ep.lastIndexOf(':'));
      for (const front of [...e.clusterIPs, ...e.externalIPs, ...e.loadBalancerIPs]) {
        const r = await runTool('conntrack', ['-D', '-p', e.protocol.toLowerCase(), '--orig-dst', front, '--dst-nat', ip]);
        // exit 1 with "0 flow entries" is the usual case: nothing to delete
        if (r.code !== 0 && !/0 flow entries/.test(r.stderr)) log.debug('conntrack -D failed', { ep, err: r.stderr.trim() });
      }
    }
  }
}
