// Resource arithmetic in plain numbers: cpu in millicores, memory and storage in bytes. Parsed once per pod or
// node so filters compare numbers, never quantity strings.
import { Quantity } from '../api/quantity.js';

export interface Resources {
  milliCpu: number;
  memory: number;
  ephemeralStorage: number;
  /** Extended and other scalar resources (nvidia.com/gpu, hugepages-2Mi...) by name; undefined when none. */
  scalar: Map<string, number> | undefined;
}

export const emptyResources = (): Resources => ({ milliCpu: 0, memory: 0, ephemeralStorage: 0, scalar: undefined });

/** kube-scheduler's defaults for containers that request nothing, used only for scoring (spreading). */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

function num(v: unknown, milli: boolean): number {
  if (typeof v !== 'string' && typeof v !== 'number') return 0;
  const q = Quantity.parse(v);
  if (!q) return 0;
  return milli ? q.milliValue() : q.value();
}

/** A ResourceList ({cpu: "500m", memory: "1Gi", ...}) as numbers. */
export function parseResourceList(list: unknown): Resources {
  const r = emptyResources();
  if (!list || typeof list !== 'object') return r;
  for (const [name, v] of Object.entries(list as Record<string, unknown>)) {
    if (name === 'cpu') r.milliCpu = num(v, true);
    else if (name === 'memory') r.memory = num(v, false);
    else if (name === 'ephemeral-storage') r.ephemeralStorage = num(v, false);
    else if (name !== 'pods') (r.scalar ??= new Map()).set(name, num(v, false));
  }
  return r;
}

export function addInto(to: Resources, from: Resources, sign = 1): void {
  to.milliCpu += sign * from.milliCpu;
  to.memory += sign * from.memory;
  to.ephemeralStorage += sign * from.ephemeralStorage;
  if (from.scalar) {
    to.scalar ??= new Map();
    for (const [k, v] of from.scalar) to.scalar.set(k, (to.scalar.get(k) ?? 0) + sign * v);
  }
}

function maxInto(to: Resources, from: Resources): void {
  to.milliCpu = Math.max(to.milliCpu, from.milliCpu);
  to.memory = Math.max(to.memory, from.memory);
  to.ephemeralStorage = Math.max(to.ephemeralStorage, from.ephemeralStorage);
  if (from.scalar) {
    to.scalar ??= new Map();
    for (const [k, v] of from.scalar) to.scalar.set(k, Math.max(to.scalar.get(k) ?? 0, v));
  }
}

interface ContainerLike {
  resources?: { requests?: unknown; limits?: unknown };
  restartPolicy?: string;
}

/** A container's requests; limits stand in where a request is missing (as API defaulting would set it). */
function containerRequests(c: ContainerLike): Resources {
  const req = (c.resources?.requests ?? {}) as Record<string, unknown>;
  const lim = (c.resources?.limits ?? {}) as Record<string, unknown>;
  const merged: Record<string, unknown> = { ...lim, ...req };
  return parseResourceList(merged);
}

export interface PodRequests {
  requests: Resources;
  /** cpu and memory with kube-scheduler's non-zero defaults per container, for scoring. */
  nonZeroMilliCpu: number;
  nonZeroMemory: number;
}

/**
 * The pod's effective request (resourcehelper.PodRequests): the sum of its containers and sidecars, or the
 * largest init container plus the sidecars started before it when that is bigger, plus the pod overhead.
 * Worked example: containers 1 cpu + 1 cpu, one init container of 3 cpu -> max(2, 3) = 3 cpu.
 */
export function podRequests(spec: Record<string, unknown> | undefined): PodRequests {
  const containers = (Array.isArray(spec?.containers) ? spec.containers : []) as ContainerLike[];
  const inits = (Array.isArray(spec?.initContainers) ? spec.initContainers : []) as ContainerLike[];
  const sum = emptyResources();
  let nzCpu = 0;
  let nzMem = 0;
  for (const c of containers) {
    const r = containerRequests(c);
    addInto(sum, r);
    nzCpu += r.milliCpu || DEFAULT_MILLI_CPU_REQUEST;
    nzMem += r.memory || DEFAULT_MEMORY_REQUEST;
  }
  const initMax = emptyResources();
  const sidecars = emptyResources();
  let nzInitCpu = 0;
  let nzInitMem = 0;
  let nzSideCpu = 0;
  let nzSideMem = 0;
  for (const c of inits) {
    const r = containerRequests(c);
    if (c.restartPolicy === 'Always') {
      // A sidecar keeps running: it adds to the sum and to every init container that starts after it.
      addInto(sum, r);
      addInto(sidecars, r);
      nzCpu += r.milliCpu || DEFAULT_MILLI_CPU_REQUEST;
      nzMem += r.memory || DEFAULT_MEMORY_REQUEST;
      nzSideCpu += r.milliCpu || DEFAULT_MILLI_CPU_REQUEST;
      nzSideMem += r.memory || DEFAULT_MEMORY_REQUEST;
      maxInto(initMax, sidecars);
    } else {
      const withSidecars = emptyResources();
      addInto(withSidecars, r);
      addInto(withSidecars, sidecars);
      maxInto(initMax, withSidecars);
      nzInitCpu = Math.max(nzInitCpu, (r.milliCpu || DEFAULT_MILLI_CPU_REQUEST) + nzSideCpu);
      nzInitMem = Math.max(nzInitMem, (r.memory || DEFAULT_MEMORY_REQUEST) + nzSideMem);
    }
  }
  maxInto(sum, initMax);
  nzCpu = Math.max(nzCpu, nzInitCpu);
  nzMem = Math.max(nzMem, nzInitMem);
  if (spec?.overhead) {
    const o = parseResourceList(spec.overhead);
    addInto(sum, o);
    nzCpu += o.milliCpu;
    nzMem += o.memory;
  }
  return { requests: sum, nonZeroMilliCpu: nzCpu, nonZeroMemory: nzMem };
}

/** Node allocatable (falling back to capacity) plus the pod count limit. */
export function nodeAllocatable(status: Record<string, unknown> | undefined): { res: Resources; pods: number } {
  const list = (status?.allocatable ?? status?.capacity ?? {}) as Record<string, unknown>;
  const pods = list.pods !== undefined ? num(list.pods, false) : 110;
  return { res: parseResourceList(list), pods };
}
