// POST serviceaccounts/<name>/token (TokenRequest, authentication.k8s.io/v1): a signed, expiring token for the
// service account, optionally bound to a pod, secret or node that must exist (and match its uid when given).
// Nothing is stored; the answer is the request with spec defaults and status.token/expirationTimestamp.
import { errors, field, type FieldError } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import { isPlainObject } from '../../api/object.js';
import { checkTypeMeta, requireObject } from '../handlers/checks.js';
import { dryRun, readCurrent, type Op, type Reply } from '../handlers/common.js';
import { objectKey } from '../storage-key.js';
import { timestamp } from '../object-meta.js';
import type { BoundRef } from '../serviceaccount/tokens.js';
import { ServiceAccountTokens } from '../serviceaccount/tokens.js';

const DEFAULT_EXPIRATION_SECONDS = 3600;
const MIN_EXPIRATION_SECONDS = 600;
const MAX_EXPIRATION_SECONDS = 2 ** 32;
const BINDABLE: Record<string, { plural: string; namespaced: boolean }> = {
  Pod: { plural: 'pods', namespaced: true },
  Secret: { plural: 'secrets', namespaced: true },
  Node: { plural: 'nodes', namespaced: false },
};

function validate(spec: Record<string, unknown>): FieldError[] {
  const errs: FieldError[] = [];
  const exp = spec['expirationSeconds'];
  if (typeof exp === 'number') {
    if (exp < MIN_EXPIRATION_SECONDS) errs.push(field.invalid('spec.expirationSeconds', exp, 'may not specify a duration less than 10 minutes'));
    if (exp > MAX_EXPIRATION_SECONDS) errs.push(field.invalid('spec.expirationSeconds', exp, 'may not specify a duration larger than 2^32 seconds'));
  }
  return errs;
}

async function boundObject(op: Op, ns: string, ref: Record<string, unknown>): Promise<BoundRef> {
  const kind = String(ref['kind'] ?? '');
  const name = String(ref['name'] ?? '');
  const how = BINDABLE[kind];
  if (!how) throw errors.badRequest(`cannot bind token for serviceaccount "${op.rr.info.name ?? ''}" to object of kind "${kind}"`);
  const served = op.ctx.registry.byResource('', how.plural);
  const kv = served ? await op.ctx.store.get(objectKey(served.info, false, how.namespaced ? ns : undefined, name)) : undefined;
  if (!kv) throw errors.notFound({ group: '', resource: how.plural }, name);
  const uid = (JSON.parse(kv.value) as KubeObject).metadata?.uid ?? '';
  if (typeof ref['uid'] === 'string' && ref['uid'] !== '' && ref['uid'] !== uid) {
    throw errors.conflict({ group: '', resource: how.plural }, name, `the UID in the bound object reference (${ref['uid']}) does not match the UID in record. The object might have been deleted and then recreated`);
  }
  return { kind: kind as BoundRef['kind'], name, uid };
}

export async function requestToken(op: Op, name: string): Promise<Reply> {
  const body = requireObject(op.rr.body);
  checkTypeMeta(op, body, 'TokenRequest', 'authentication.k8s.io/v1');
  const { obj: sa } = await readCurrent(op, name);
  const ns = sa.metadata?.namespace ?? op.rr.info.namespace ?? '';
  const spec: Record<string, unknown> = isPlainObject(body['spec']) ? { ...body['spec'] } : {};
  const errs = validate(spec);
  if (errs.length > 0) throw errors.invalid({ group: 'authentication.k8s.io', kind: 'TokenRequest' }, '', errs);
  const tokens = op.ctx.tokens ?? new ServiceAccountTokens();
  if (!Array.isArray(spec['audiences']) || spec['audiences'].length === 0) spec['audiences'] = [...tokens.apiAudiences];
  if (typeof spec['expirationSeconds'] !== 'number') spec['expirationSeconds'] = DEFAULT_EXPIRATION_SECONDS;
  const bound: BoundRef[] = [];
  if (isPlainObject(spec['boundObjectRef'])) {
    const b = await boundObject(op, ns, spec['boundObjectRef']);
    bound.push(b);
    spec['boundObjectRef'] = { ...spec['boundObjectRef'], uid: b.uid };
  } else spec['boundObjectRef'] = null;
  const now = op.ctx.clock.now();
  const out: KubeObject = {
    kind: 'TokenRequest',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { name, namespace: ns, creationTimestamp: null as unknown as string },
    spec,
  };
  if (dryRun(op.rr.query)) return { code: 201, kind: 'object', body: out };
  const issued = tokens.issue({
    namespace: ns,
    name,
    uid: sa.metadata?.uid ?? '',
    audiences: (spec['audiences'] as unknown[]).map(String),
    expirationSeconds: spec['expirationSeconds'] as number,
    now,
    bound,
  });
  out.status = { token: issued.token, expirationTimestamp: timestamp(issued.expires) };
  return { code: 201, kind: 'object', body: out };
}
