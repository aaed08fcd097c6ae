// Cell formatting shared by the printers, following apimachinery's helpers: HumanDuration for ages,
// FormatLabels / FormatLabelSelector for selectors, layoutContainerCells for CONTAINERS/IMAGES.
import { isPlainObject } from '../object.js';
import { canonicalQuantity } from '../quantity.js';

/** kubectl-style duration ("45s", "5m30s", "3h", "2d4h", "400d", "2y30d"), as apimachinery's HumanDuration. */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  // A couple of seconds in the future is clock skew, not an error.
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  const days = Math.floor(hours / 24);
  if (hours < 24 * 8) return hours % 24 === 0 ? `${days}d` : `${days}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.floor(days / 365);
  if (hours < 24 * 365 * 8) return days % 365 === 0 ? `${years}y` : `${years}y${days % 365}d`;
  return `${years}y`;
}

/** Age of a timestamp as Kubernetes prints it; `<unknown>` when the timestamp is missing or unreadable. */
export function age(ts: string | undefined, now: Date): string {
  const t = parseTime(ts);
  return t === undefined ? '<unknown>' : humanDuration(now.getTime() - t);
}

export function parseTime(ts: unknown): number | undefined {
  if (typeof ts !== 'string' || ts === '') return undefined;
  const t = Date.parse(ts);
  return Number.isNaN(t) ? undefined : t;
}

/** labels.FormatLabels: sorted "k=v" pairs joined by commas, `<none>` when empty. */
export function formatLabels(labels: unknown): string {
  if (!isPlainObject(labels)) return '<none>';
  const pairs = Object.keys(labels)
    .sort()
    .map((k) => `${k}=${String(labels[k])}`);
  return pairs.length ? pairs.join(',') : '<none>';
}

/** A LabelSelector as labels.Selector.String() writes it (requirements sorted by key); '' when it selects all or nothing. */
export function selectorString(selector: unknown): string {
  if (!isPlainObject(selector)) return '';
  const reqs: { key: string; text: string }[] = [];
  if (isPlainObject(selector.matchLabels)) {
    for (const [k, v] of Object.entries(selector.matchLabels)) reqs.push({ key: k, text: `${k}=${String(v)}` });
  }
  for (const e of list(selector.matchExpressions)) {
    if (!isPlainObject(e)) continue;
    const k = str(e.key);
    const values = list(e.values).map(String).sort();
    const joined = values.length === 1 ? values[0] : values.join(',');
    switch (e.operator) {
      case 'In':
        reqs.push({ key: k, text: `${k} in (${joined})` });
        break;
      case 'NotIn':
        reqs.push({ key: k, text: `${k} notin (${joined})` });
        break;
      case 'Exists':
        reqs.push({ key: k, text: k });
        break;
      case 'DoesNotExist':
        reqs.push({ key: k, text: `!${k}` });
        break;
    }
  }
  // Stable sort by key, as labels.Selector keeps requirements.
  return reqs
    .map((r, i) => ({ ...r, i }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.i - b.i))
    .map((r) => r.text)
    .join(',');
}

/** metav1.FormatLabelSelector: the selector string, `<none>` when empty. */
export function formatLabelSelector(selector: unknown): string {
  return selectorString(selector) || '<none>';
}

/** CONTAINERS and IMAGES cells: names and images joined by commas. */
export function containerCells(containers: unknown): [string, string] {
  const cs = list(containers).filter(isPlainObject);
  return [cs.map((c) => str(c.name)).join(','), cs.map((c) => str(c.image)).join(',')];
}

/** A quantity in its canonical form ("1024Mi" prints as "1Gi"), "0" when absent, as resource.Quantity.String(). */
export function quantity(v: unknown): string {
  if (v === undefined || v === null) return '0';
  const c = canonicalQuantity(v);
  return typeof c === 'string' ? c : String(c);
}

/** IntOrString.String(). */
export function intOrString(v: unknown): string {
  return typeof v === 'number' ? String(v) : str(v);
}

/** "True"/"False" for a set boolean, `<unset>` otherwise. */
export function boolPtr(v: unknown): string {
  return typeof v === 'boolean' ? (v ? 'True' : 'False') : '<unset>';
}

// Narrow readers for loosely typed objects: wrong types read as empty, never throw.
export function obj(v: unknown): Record<string, unknown> {
  return isPlainObject(v) ? v : {};
}
export function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
export function objs(v: unknown): Record<string, unknown>[] {
  return list(v).filter(isPlainObject);
}
export function str(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '';
}
export function int(v: unknown, fallback = 0): number {
  return typeof v === 'number' && Number.isFinite(v) ? Math.trunc(v) : fallback;
}
export function count(v: unknown): number {
  return Array.isArray(v) ? v.length : isPlainObject(v) ? Object.keys(v).length : 0;
}
