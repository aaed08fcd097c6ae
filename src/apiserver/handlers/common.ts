// Helpers every handler shares: where a request's objects live, how to read one, what handlers return.
import { errors, type ErrTarget, type Status } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import { isStoreError, type KeyValue } from '../../store/types.js';
import { fromStore } from '../object-meta.js';
import type { Served } from '../registry.js';
import { collectionPrefix, objectKey } from '../storage-key.js';
import type { ResourceRequest, ServerContext } from '../types.js';

/** What a handler answers; the server encodes it (JSON, YAML, Table) in one place. */
export type Reply =
  | { code: number; kind: 'object' | 'list'; body: KubeObject }
  | { code: number; kind: 'status'; body: Status | KubeObject }
  | { kind: 'streamed' };

export interface Op {
  ctx: ServerContext;
  rr: ResourceRequest;
  served: Served;
}

export const isCustom = (op: Op) => op.served.custom !== undefined;

export function target(op: Op): ErrTarget {
  return { group: op.served.info.group, resource: op.served.info.plural };
}

export function keyFor(op: Op, namespace: string | undefined, name: string): string {
  return objectKey(op.served.info, isCustom(op), namespace, name);
}

export function prefixFor(op: Op, namespace: string | undefined): string {
  return collectionPrefix(op.served.info, isCustom(op), namespace);
}

/** The stored object named by the request, or 404 with Kubernetes' message. */
export async function readCurrent(op: Op, name: string): Promise<{ obj: KubeObject; kv: KeyValue }> {
  const kv = await op.ctx.store.get(keyFor(op, op.rr.info.namespace, name));
  if (!kv) throw errors.notFound(target(op), name);
  return { obj: fromStore(kv, op.served.info, op.rr.version), kv };
}

/** Store errors that mean something to clients become API errors; the rest are internal. */
export function mapStoreError(op: Op, name: string, e: unknown): never {
  if (isStoreError(e, 'AlreadyExists')) throw errors.alreadyExists(target(op), name);
  if (isStoreError(e, 'NotFound')) throw errors.notFound(target(op), name);
  if (isStoreError(e, 'Conflict')) throw errors.modified(target(op), name);
  if (isStoreError(e, 'Compacted')) throw errors.gone(`The resourceVersion for the provided list is too old.`);
  throw e;
}

export function successStatus(op: Op, obj: KubeObject, code = 200): Status {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: {
      name: obj.metadata?.name,
      group: op.served.info.group || undefined,
      kind: op.served.info.plural,
      uid: obj.metadata?.uid,
    },
    code,
  } as Status;
}

export function dryRun(q: URLSearchParams): boolean {
  const v = q.getAll('dryRun');
  for (const d of v) {
    if (d !== 'All') throw errors.badRequest(`Invalid dry run value: ${d}`);
  }
  return v.length > 0;
}
