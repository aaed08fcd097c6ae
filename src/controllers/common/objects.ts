// Small object helpers shared by the workload controllers.
import type { KubeObject } from '../../api/object.js';

/** A copy with apiVersion and kind filled in: cached list items may lack them, and events and owner refs need them. */
export function withKind<T extends KubeObject>(obj: T, apiVersion: string, kind: string): T {
  return { ...obj, apiVersion, kind };
}

export function creationMs(obj: KubeObject): number {
  const t = Date.parse(obj.metadata?.creationTimestamp ?? '');
  return Number.isNaN(t) ? 0 : t;
}

/** Oldest first; the name breaks ties so the order is stable (Kubernetes' ...ByCreationTimestamp). */
export function byCreation(a: KubeObject, b: KubeObject): number {
  const d = creationMs(a) - creationMs(b);
  if (d !== 0) return d;
  const na = a.metadata?.name ?? '';
  const nb = b.metadata?.name ?? '';
  return na < nb ? -1 : na > nb ? 1 : 0;
}

/** Deep equality of JSON values (key order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bk = Object.keys(bo).filter((k) => bo[k] !== undefined);
  return ak.length === bk.length && ak.every((k) => jsonEqual(ao[k], bo[k]));
}
