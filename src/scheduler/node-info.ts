// A node and the pods bound or assumed on it, with running totals kept as numbers so filters are cheap.
import type { KubeObject } from '../api/object.js';
import type { PodInfo, Taint } from './pod-info.js';
import { addInto, emptyResources, nodeAllocatable, type Resources } from './resources.js';

export class NodeInfo {
  node!: KubeObject;
  name!: string;
  labels!: Record<string, string>;
  taints!: Taint[];
  unschedulable!: boolean;
  allocatable!: Resources;
  allowedPods!: number;
  requested: Resources = emptyResources();
  nonZeroMilliCpu = 0;
  nonZeroMemory = 0;
  pods = new Map<string, PodInfo>();
  /**
   * Pods whose terms matter to scoring others (required affinity, preferred affinity or anti-affinity), and pods
   * with required anti-affinity (which filter others): what InterPodAffinity scans instead of every pod.
   */
  podsWithAffinity = new Set<PodInfo>();
  podsWithRequiredAntiAffinity = new Set<PodInfo>();
  /** Host ports in use: "proto/port" -> host IPs. */
  usedPorts = new Map<string, string[]>();
  /** Bumped on every change (tests and caches may compare it). */
  generation = 0;

  constructor(node: KubeObject) {
    this.setNode(node);
  }

  setNode(node: KubeObject): void {
    const spec = (node.spec ?? {}) as { taints?: Taint[]; unschedulable?: boolean };
    this.node = node;
    this.name = node.metadata?.name ?? '';
    this.labels = node.metadata?.labels ?? {};
    this.taints = spec.taints ?? [];
    this.unschedulable = !!spec.unschedulable;
    const a = nodeAllocatable(node.status as Record<string, unknown> | undefined);
    this.allocatable = a.res;
    this.allowedPods = a.pods;
    this.generation++;
  }

  addPod(p: PodInfo): void {
    if (this.pods.has(p.key)) this.removePod(p.key);
    this.pods.set(p.key, p);
    this.account(p, 1);
  }

  removePod(key: string): PodInfo | undefined {
    const p = this.pods.get(key);
    if (!p) return undefined;
    this.pods.delete(key);
    this.account(p, -1);
    return p;
  }

  private account(p: PodInfo, sign: 1 | -1): void {
    addInto(this.requested, p.requests, sign);
    this.nonZeroMilliCpu += sign * p.nonZeroMilliCpu;
    this.nonZeroMemory += sign * p.nonZeroMemory;
    const anyAffinity = p.requiredAffinity.length + p.preferredAffinity.length + p.preferredAntiAffinity.length > 0;
    if (sign > 0) {
      if (anyAffinity) this.podsWithAffinity.add(p);
      if (p.requiredAntiAffinity.length) this.podsWithRequiredAntiAffinity.add(p);
    } else {
      this.podsWithAffinity.delete(p);
      this.podsWithRequiredAntiAffinity.delete(p);
    }
    for (const hp of p.hostPorts) {
      const k = `${hp.protocol}/${hp.port}`;
      const ips = this.usedPorts.get(k) ?? [];
      if (sign > 0) ips.push(hp.ip);
      else {
        const i = ips.indexOf(hp.ip);
        if (i >= 0) ips.splice(i, 1);
      }
      if (ips.length) this.usedPorts.set(k, ips);
      else this.usedPorts.delete(k);
    }
    this.generation++;
  }

  /** A copy sharing pod infos, for preemption's what-if and nominated pods. */
  clone(): NodeInfo {
    const c = Object.create(NodeInfo.prototype) as NodeInfo;
    Object.assign(c, this);
    c.requested = { ...this.requested, scalar: this.requested.scalar ? new Map(this.requested.scalar) : undefined };
    c.pods = new Map(this.pods);
    c.podsWithAffinity = new Set(this.podsWithAffinity);
    c.podsWithRequiredAntiAffinity = new Set(this.podsWithRequiredAntiAffinity);
    c.usedPorts = new Map([...this.usedPorts].map(([k, v]) => [k, [...v]]));
    return c;
  }
}
