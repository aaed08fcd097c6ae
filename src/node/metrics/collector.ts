// Samples CPU and memory of the node and of every running container at a fixed interval (kubelet's resource
// metrics, which cAdvisor fills every 10 s). A runtime that measures its containers itself (OCI: the container's
// cgroup, v1 or v2) is asked through ContainerRuntime.usage; otherwise the process runtime's layout is used: each
// container in its own process group, its usage the sum over the group's processes in /proc.
import type { ContainerRuntime } from '../../runtime/types.js';
import { realClock, type Clock } from '../../util/clock.js';
import { processesInGroups, readCgroupUsage, readNodeUsage, residentBytes } from './proc.js';

/** A running container as the agent knows it. */
export interface MeasuredContainer {
  namespace: string;
  pod: string;
  container: string;
  /** The runtime's container id: a restarted container starts a new counter. */
  id: string;
  /** Leader of the container's process group. */
  pid?: number;
  /** cgroup v2 directory, when the runtime made one (preferred over /proc). */
  cgroup?: string;
  startedAt: Date;
}

export interface ContainerUsage {
  namespace: string;
  pod: string;
  container: string;
  startTimeMs: number;
  /** Cumulative CPU seconds since the container started. */
  cpuSeconds: number;
  memoryWorkingSetBytes: number;
}

export interface ResourceSample {
  timestampMs: number;
  node: { cpuSeconds?: number; memoryWorkingSetBytes?: number };
  containers: ContainerUsage[];
  /** Some container could not be measured. */
  scrapeError: boolean;
}

export interface CollectorOptions {
  containers(): MeasuredContainer[];
  /** The runtime the containers run in; its usage() (when it has one) is preferred over /proc. */
  runtime?: Pick<ContainerRuntime, 'usage'>;
  clock?: Clock;
  /** Sampling interval (default 10 s). */
  intervalMs?: number;
  procRoot?: string;
}

interface Counter {
  /** CPU of the group's processes that have exited (their time leaves /proc with them). */
  gone: number;
  live: Map<number, { startTicks: string; cpuSeconds: number }>;
}

export const DEFAULT_SAMPLE_INTERVAL_MS = 10_000;

type Usage = { cpuSeconds: number; memoryWorkingSetBytes: number };

export class ResourceMetricsCollector {
  private readonly clock: Clock;
  private readonly counters = new Map<string, Counter>();
  private last: ResourceSample | undefined;

  constructor(private readonly o: CollectorOptions) {
    this.clock = o.clock ?? realClock;
  }

  /**
   * The newest sample. Before the first one completes, a sample is taken now from what can be read without
   * waiting (cgroup v2 directories and /proc, not the runtime).
   */
  latest(): ResourceSample {
    return this.last ?? this.compose(this.o.containers(), new Map());
  }

  /** Samples every intervalMs until the signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const every = this.o.intervalMs ?? DEFAULT_SAMPLE_INTERVAL_MS;
    while (!signal.aborted) {
      await this.sample().catch(() => undefined);
      await this.clock.sleep(every, signal).catch(() => undefined);
    }
  }

  async sample(): Promise<ResourceSample> {
    const containers = this.o.containers();
    return this.compose(containers, await this.fromRuntime(containers));
  }

  /** What the runtime measures itself, by container id (a failed or unanswered container is left to /proc). */
  private async fromRuntime(containers: MeasuredContainer[]): Promise<Map<string, Usage>> {
    const rt = this.o.runtime;
    const out = new Map<string, Usage>();
    if (!rt?.usage) return out;
    await Promise.all(
      containers
        .filter((c) => !c.cgroup)
        .map(async (c) => {
          const u = await rt.usage!(c.id).catch(() => undefined);
          if (u && Number.isFinite(u.cpuSeconds) && Number.isFinite(u.memoryWorkingSetBytes)) out.set(c.id, u);
        }),
    );
    return out;
  }

  private compose(containers: MeasuredContainer[], measured: ReadonlyMap<string, Usage>): ResourceSample {
    const root = this.o.procRoot ?? '/proc';
    const groups = new Set(containers.filter((c) => !c.cgroup && !measured.has(c.id) && c.pid).map((c) => c.pid!));
    const byGroup = new Map<number, { pid: number; startTicks: string; cpuSeconds: number }[]>();
    for (const p of processesInGroups(groups, root)) byGroup.set(p.pgrp, [...(byGroup.get(p.pgrp) ?? []), p]);
    let scrapeError = false;
    const out: ContainerUsage[] = [];
    for (const c of containers) {
      const base = { namespace: c.namespace, pod: c.pod, container: c.container, startTimeMs: c.startedAt.getTime() };
      const u = measured.get(c.id) ?? (c.cgroup ? readCgroupUsage(c.cgroup) : undefined);
      if (u) {
        out.push({ ...base, cpuSeconds: u.cpuSeconds, memoryWorkingSetBytes: u.memoryWorkingSetBytes });
        continue;
      }
      if (!c.pid) {
        scrapeError = true;
        continue;
      }
      const procs = byGroup.get(c.pid) ?? [];
      out.push({ ...base, cpuSeconds: this.count(c.id, procs), memoryWorkingSetBytes: procs.reduce((s, p) => s + residentBytes(p.pid, root), 0) });
    }
    // Counters of containers that are gone are forgotten.
    const ids = new Set(containers.map((c) => c.id));
    for (const id of this.counters.keys()) if (!ids.has(id)) this.counters.delete(id);
    this.last = { timestampMs: this.clock.now().getTime(), node: readNodeUsage(root), containers: out, scrapeError };
    return this.last;
  }

  /** A monotonic CPU counter for one container: live processes' time plus that of processes seen before that exited. */
  private count(id: string, procs: { pid: number; startTicks: string; cpuSeconds: number }[]): number {
    let c = this.counters.get(id);
    if (!c) this.counters.set(id, (c = { gone: 0, live: new Map() }));
    const now = new Map(procs.map((p) => [p.pid, { startTicks: p.startTicks, cpuSeconds: p.cpuSeconds }]));
    for (const [pid, before] of c.live) {
      const still = now.get(pid);
      if (!still || still.startTicks !== before.startTicks) c.gone += before.cpuSeconds;
    }
    c.live = now;
    let live = 0;
    for (const p of now.values()) live += p.cpuSeconds;
    return c.gone + live;
  }
}
