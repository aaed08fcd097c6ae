// Pod subresources: binding (the scheduler's write of spec.nodeName), eviction (a delete that PodDisruption-
// Budgets may refuse), and the streams (log, exec, attach, portforward, proxy) relayed to the node agent.
import { errors } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import { isPlainObject } from '../../api/object.js';
import { timestamp } from '../object-meta.js';
import { dryRun, readCurrent, type Op, type Reply } from '../handlers/common.js';
import { requireObject } from '../handlers/checks.js';
import { deleteObject, type DeleteOptions } from '../handlers/delete.js';
import { RetryableConflict, writeUpdate } from '../handlers/write.js';
import type { StreamRequest } from '../types.js';

const bindingTarget = { group: '', resource: 'pods/binding' };

const success = (code: number) => ({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code }) as KubeObject;

export async function bindPod(op: Op, name: string): Promise<Reply> {
  const b = requireObject(op.rr.body);
  // Kubernetes requires the names to agree; an unnamed binding is taken to mean the pod in the URL.
  if (b.metadata?.name && b.metadata.name !== name) throw errors.badRequest('name in URL does not match name in Binding object');
  const node = isPlainObject(b['target']) ? b['target']['name'] : undefined;
  if (typeof node !== 'string' || node === '') {
    throw errors.invalid({ group: '', kind: 'Binding' }, name, [{ type: 'FieldValueRequired', field: 'target.name', detail: '' }]);
  }
  for (let attempt = 0; attempt < 5; attempt++) {
    const { obj, kv } = await readCurrent(op, name);
    const spec = isPlainObject(obj.spec) ? obj.spec : {};
    if (obj.metadata?.deletionTimestamp) {
      throw errors.conflict(bindingTarget, name, `pod ${name} is being deleted, cannot be assigned to a host`);
    }
    if (typeof spec['nodeName'] === 'string' && spec['nodeName'] !== '') {
      throw errors.conflict(bindingTarget, name, `pod ${name} is already assigned to node "${spec['nodeName']}"`);
    }
    const next = structuredClone(obj);
    next.spec = { ...spec, nodeName: node };
    const status = isPlainObject(next.status) ? next.status : {};
    const conds = (Array.isArray(status['conditions']) ? status['conditions'] : []).filter((c: { type?: string }) => c.type !== 'PodScheduled');
    conds.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: timestamp(op.ctx.clock.now()) });
    next.status = { ...status, conditions: conds };
    const ann = b.metadata?.annotations;
    if (ann) next.metadata = { ...next.metadata, annotations: { ...next.metadata?.annotations, ...ann } };
    try {
      await writeUpdate(op, obj, kv, next, { subresource: 'binding', skipChecks: true });
      return { code: 201, kind: 'status', body: success(201) };
    } catch (e) {
      if (e instanceof RetryableConflict) continue;
      throw e;
    }
  }
  throw errors.modified(bindingTarget, name);
}

export async function evictPod(op: Op, name: string): Promise<Reply> {
  const ev = requireObject(op.rr.body);
  if (ev.metadata?.name !== name) throw errors.badRequest('name in URL does not match name in Eviction object');
  const opts = isPlainObject(ev['deleteOptions']) ? (ev['deleteOptions'] as DeleteOptions & { dryRun?: unknown }) : {};
  // A dry run may be asked for in the query or in the eviction's deleteOptions (Kubernetes merges the two).
  const bodyDryRun = Array.isArray(opts.dryRun) ? opts.dryRun.map(String) : [];
  const queryDryRun = op.rr.query.getAll('dryRun');
  if (bodyDryRun.length > 0 && queryDryRun.length > 0 && bodyDryRun.join() !== queryDryRun.join()) {
    throw errors.badRequest(`Non-matching dry-run options in request and content: [${queryDryRun.join(' ')}] and [${bodyDryRun.join(' ')}]`);
  }
  let delOp = op;
  if (bodyDryRun.length > 0 && queryDryRun.length === 0) {
    const query = new URLSearchParams(op.rr.query);
    for (const d of bodyDryRun) query.append('dryRun', d);
    delOp = { ...op, rr: { ...op.rr, query } };
  }
  const isDryRun = dryRun(delOp.rr.query);
  const { obj } = await readCurrent(op, name);
  await op.ctx.hooks.checkEviction?.(obj, { dryRun: isDryRun });
  await deleteObject(delOp, name, opts);
  return { code: 201, kind: 'status', body: success(201) };
}

/** log/exec/attach/portforward/proxy: the node agent serves them; without one, say so clearly. */
export async function podStream(op: Op, name: string, req: StreamRequest['req'], res: StreamRequest['res']): Promise<Reply> {
  const { obj } = await readCurrent(op, name);
  const sub = op.rr.info.subresource ?? '';
  const hook = op.ctx.hooks.podStream;
  const node = isPlainObject(obj.spec) ? obj.spec['nodeName'] : undefined;
  if (!node) throw errors.badRequest(`pod ${name} does not have a host assigned`);
  if (!hook) {
    throw errors.unavailable(`${sub} is not available: no node agent is connected for node "${String(node)}"`);
  }
  await hook({ req, res, pod: obj, subresource: sub, query: op.rr.query });
  return { kind: 'streamed' };
}
