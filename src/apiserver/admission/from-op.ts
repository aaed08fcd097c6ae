// The handlers' entry point: builds the admission request from a write in progress and runs the chain.
import type { KubeObject } from '../../api/object.js';
import { dryRun, type Op } from '../handlers/common.js';
import { runAdmission } from './index.js';
import { DEFAULT_ADMISSION } from './types.js';

export function admitWrite(op: Op, operation: 'create' | 'update', obj: KubeObject, old?: KubeObject, subresource?: string): Promise<void> {
  const info = op.served.info;
  if (op.served.custom) return Promise.resolve();
  return runAdmission({
    operation,
    group: info.group,
    resource: info.plural,
    subresource,
    namespace: info.namespaced ? (obj.metadata?.namespace ?? op.rr.info.namespace) : undefined,
    obj,
    old,
    dryRun: dryRun(op.rr.query),
    store: op.ctx.store,
    registry: op.ctx.registry,
    config: op.ctx.admission ?? DEFAULT_ADMISSION,
  });
}
