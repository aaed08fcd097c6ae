// The scale subresource: an autoscaling/v1 Scale view of spec.replicas, status.replicas and the selector of
// deployments, replicasets, statefulsets, replicationcontrollers and custom resources that declare it.
import { errors } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import { isPlainObject } from '../../api/object.js';
import { jsonPathValues } from '../crd/printer.js';
import { labelSelectorString } from '../selectors.js';
import { readCurrent, target, type Op, type Reply } from '../handlers/common.js';
import { applyPatch } from '../handlers/patch.js';
import { requireObject } from '../handlers/checks.js';
import { RetryableConflict, writeUpdate } from '../handlers/write.js';

interface ScalePaths {
  spec: string[];
  status: string[];
  selector?: string[];
  /** Built-ins keep a LabelSelector object; custom resources a string already. */
  selectorIsObject: boolean;
}

function pathsFor(op: Op): ScalePaths {
  const cv = op.served.custom?.versions.get(op.rr.version);
  if (cv) {
    if (!cv.scale) throw errors.notFound(target(op), op.rr.info.name ?? '');
    const split = (p: string) => p.replace(/^\./, '').split('.');
    return {
      spec: split(cv.scale.specReplicasPath),
      status: split(cv.scale.statusReplicasPath),
      selector: cv.scale.labelSelectorPath ? split(cv.scale.labelSelectorPath) : undefined,
      selectorIsObject: false,
    };
  }
  // replicationcontrollers keep a plain map as selector.
  return { spec: ['spec', 'replicas'], status: ['status', 'replicas'], selector: ['spec', 'selector'], selectorIsObject: true };
}

const get = (o: unknown, path: string[]): unknown => jsonPathValues(o, path.map((p) => `.${p}`).join(''))[0];

function set(o: Record<string, unknown>, path: string[], v: unknown): void {
  let cur = o;
  for (const p of path.slice(0, -1)) {
    if (!isPlainObject(cur[p])) cur[p] = {};
    cur = cur[p] as Record<string, unknown>;
  }
  cur[path[path.length - 1]!] = v;
}

export function scaleOf(op: Op, obj: KubeObject): KubeObject {
  const p = pathsFor(op);
  const sel = p.selector ? get(obj, p.selector) : undefined;
  let selector = '';
  if (typeof sel === 'string') selector = sel;
  else if (isPlainObject(sel)) {
    selector = 'matchLabels' in sel || 'matchExpressions' in sel ? labelSelectorString(sel) : labelSelectorString({ matchLabels: sel });
  }
  const m = obj.metadata ?? {};
  const status: Record<string, unknown> = { replicas: Number(get(obj, p.status) ?? 0) };
  if (selector) status['selector'] = selector;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: Number(get(obj, p.spec) ?? 0) },
    status,
  };
}

export async function getScale(op: Op, name: string): Promise<Reply> {
  const { obj } = await readCurrent(op, name);
  return { code: 200, kind: 'status', body: scaleOf(op, obj) };
}

/** PUT or PATCH of a Scale: its spec.replicas goes to the parent's replicas field. */
export async function writeScale(op: Op, name: string, patchType?: string): Promise<Reply> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const { obj, kv } = await readCurrent(op, name);
    const current = scaleOf(op, obj);
    const scale = patchType ? applyPatch(op, patchType, structuredClone(current), op.rr.body) : requireObject(op.rr.body);
    const rv = scale.metadata?.resourceVersion;
    if (rv && rv !== obj.metadata?.resourceVersion) throw errors.modified(target(op), name);
    const replicas = isPlainObject(scale.spec) ? scale.spec['replicas'] : undefined;
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
      throw errors.invalid({ group: 'autoscaling', kind: 'Scale' }, name, [
        { type: 'FieldValueInvalid', field: 'spec.replicas', value: replicas ?? null, hasValue: true, detail: 'must be greater than or equal to 0' },
      ]);
    }
    const next = structuredClone(obj);
    set(next as Record<string, unknown>, pathsFor(op).spec, replicas);
    try {
      const out = await writeUpdate(op, obj, kv, next, { subresource: 'scale', skipChecks: true });
      return { code: 200, kind: 'status', body: scaleOf(op, out) };
    } catch (e) {
      if (e instanceof RetryableConflict && !rv) continue;
      if (e instanceof RetryableConflict) throw errors.modified(target(op), name);
      throw e;
    }
  }
  throw errors.modified(target(op), name);
}
