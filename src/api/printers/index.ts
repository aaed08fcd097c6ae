// Printers by resource (STUB: the registry engineer fills in every built-in type).
import type { KubeObject } from '../object.js';
import type { ResourceInfo } from '../resource.js';
import type { Printer } from './types.js';

export type { Printer, TableColumn } from './types.js';

/** kubectl-style age: 5s, 3m, 2d4h, ... */
export function age(ts: string | undefined, now: Date): string {
  if (!ts) return '<unknown>';
  const s = Math.max(0, Math.floor((now.getTime() - Date.parse(ts)) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return `${m}m${s % 60 ? `${s % 60}s` : ''}`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return `${h}h${m % 60 ? `${m % 60}m` : ''}`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (d < 8) return `${d}d${h % 24 ? `${h % 24}h` : ''}`;
  if (d < 365 * 2) return `${d}d`;
  return `${Math.floor(d / 365)}y${d % 365 ? `${d % 365}d` : ''}`;
}

export const defaultPrinter: Printer = {
  columns: [
    { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0 },
    { name: 'Created At', type: 'date', format: '', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.', priority: 0 },
  ],
  cells: (obj: KubeObject) => [obj.metadata?.name ?? '', obj.metadata?.creationTimestamp ?? ''],
};

export function printerFor(_info: ResourceInfo): Printer {
  return defaultPrinter;
}
