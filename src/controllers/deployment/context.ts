// What one deployment sync carries: the services it uses and the deployment it is working on. The working copy
// is replaced by the server's answer after every write, so later writes in the same sync carry a fresh
// resourceVersion instead of failing with a conflict.
import type { Client, WorkQueue } from '../../client/types.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import type { EventSink, EventType } from '../common/events.js';
import { withKind } from '../common/objects.js';
import { deploymentsRef, replicaSetsRef } from '../common/resources.js';
import type { Deployment, Pod, ReplicaSet } from '../common/types.js';
import { jsonEqual } from '../common/objects.js';
import type { DeploymentStatusShape } from './util.js';

export interface DeploymentDeps {
  client: Client;
  clock: Clock;
  logger: Logger;
  recorder: EventSink;
  queue: WorkQueue;
}

export interface Sync {
  deps: DeploymentDeps;
  key: string;
  /** Working copy: change freely, it is ours. */
  d: Deployment;
  /** Replica sets the deployment controls (copies). */
  rsList: ReplicaSet[];
  /** Pods of those replica sets by replica set uid (Recreate waits on them). */
  podMap: Map<string, Pod[]>;
}

export function event(s: Sync, type: EventType, reason: string, message: string): void {
  s.deps.recorder.event(withKind(s.d, 'apps/v1', 'Deployment'), type, reason, message);
}

/** Writes status through the status subresource; the answer becomes the working copy. */
export async function updateStatus(s: Sync): Promise<void> {
  const out = await s.deps.client.update<Deployment>(deploymentsRef, s.d.metadata?.namespace, s.d, { subresource: 'status' });
  s.d = { ...out, status: out.status ?? s.d.status };
}

/** Annotations go through the main resource (they are metadata); no generation change follows. */
export async function patchAnnotations(s: Sync, annotations: Record<string, string | null>): Promise<void> {
  const out = await s.deps.client.patch<Deployment>(deploymentsRef, s.d.metadata?.namespace, s.d.metadata?.name ?? '', 'merge', { metadata: { annotations } });
  // Keep status changes not yet written.
  s.d = { ...out, status: s.d.status };
}

/** Updates a replica set; returns the server's copy. */
export function updateReplicaSet(s: Sync, rs: ReplicaSet): Promise<ReplicaSet> {
  return s.deps.client.update<ReplicaSet>(replicaSetsRef, rs.metadata?.namespace, rs);
}

/** Deployment status fields are omitempty in Kubernetes: zeros are left out. */
export function toStoredStatus(st: DeploymentStatusShape): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(st)) {
    if (v === undefined || v === 0 || (Array.isArray(v) && v.length === 0)) continue;
    out[k] = v;
  }
  return out;
}

export function statusEqual(a: object | undefined, b: Record<string, unknown>): boolean {
  const strip = (o: object | undefined) => Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== 0 && v !== undefined && !(Array.isArray(v) && v.length === 0)));
  return jsonEqual(strip(a), strip(b));
}
