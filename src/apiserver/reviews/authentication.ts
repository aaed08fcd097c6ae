// Authentication reviews (authentication.k8s.io/v1): SelfSubjectReview (`kubectl auth whoami`) tells the caller
// who the server thinks it is; TokenReview checks someone's bearer token with the server's authenticators.
import type { KubeObject } from '../../api/object.js';
import { isPlainObject } from '../../api/object.js';
import type { Op } from '../handlers/common.js';
import type { UserInfo } from '../types.js';

type Obj = Record<string, unknown>;

export function userInfoJson(u: UserInfo): Obj {
  const out: Obj = { username: u.name };
  if (u.uid) out['uid'] = u.uid;
  out['groups'] = u.groups;
  if (u.extra && Object.keys(u.extra).length > 0) out['extra'] = u.extra;
  return out;
}

export function selfSubjectReview(op: Op): Obj {
  return { userInfo: userInfoJson(op.rr.user) };
}

export function tokenReview(op: Op, obj: KubeObject): Obj {
  const spec: Obj = isPlainObject(obj.spec) ? obj.spec : {};
  const token = typeof spec['token'] === 'string' ? spec['token'] : '';
  const wanted = Array.isArray(spec['audiences']) ? spec['audiences'].map(String) : [];
  const tokens = op.ctx.tokens;
  const apiAudiences = tokens?.apiAudiences ?? [];
  let user: UserInfo | undefined;
  if (token) {
    // Audience-scoped review: only service account tokens carry audiences; static credentials are API-only.
    if (wanted.length > 0 && tokens) user = tokens.verify(token, wanted);
    if (!user && (wanted.length === 0 || wanted.some((a) => apiAudiences.includes(a)))) user = op.ctx.authenticateToken?.(token);
  }
  if (!user) return { user: {}, error: token ? 'invalid bearer token' : '' , authenticated: false };
  const audiences = wanted.length > 0 ? wanted : apiAudiences;
  return { authenticated: true, user: userInfoJson(user), audiences };
}
