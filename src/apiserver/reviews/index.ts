// Review types: create-only, never stored, no name needed. The answer is the request with status filled in.
import type { KubeObject } from '../../api/object.js';
import { checkTypeMeta, requireObject } from '../handlers/checks.js';
import type { Op, Reply } from '../handlers/common.js';
import { accessReview } from './access.js';
import { selfSubjectReview, tokenReview } from './authentication.js';

const REVIEWS = new Set([
  'authorization.k8s.io/selfsubjectaccessreviews',
  'authorization.k8s.io/selfsubjectrulesreviews',
  'authorization.k8s.io/subjectaccessreviews',
  'authorization.k8s.io/localsubjectaccessreviews',
  'authentication.k8s.io/selfsubjectreviews',
  'authentication.k8s.io/tokenreviews',
]);

export const isReview = (group: string, plural: string) => REVIEWS.has(`${group}/${plural}`);

export function createReview(op: Op): Reply {
  const obj = requireObject(op.rr.body);
  checkTypeMeta(op, obj);
  const kind = op.served.info.kind;
  const status =
    kind === 'SelfSubjectReview' ? selfSubjectReview(op) : kind === 'TokenReview' ? tokenReview(op, obj) : accessReview(op, obj);
  const meta: Record<string, unknown> = { ...(obj.metadata ?? {}), creationTimestamp: null };
  if (op.rr.info.namespace) meta['namespace'] = op.rr.info.namespace;
  const out: KubeObject = { ...obj, metadata: meta as KubeObject['metadata'], status };
  if (kind === 'SelfSubjectReview') delete out.spec;
  else if (out.spec === undefined) out.spec = {};
  return { code: 201, kind: 'object', body: out };
}
