// Custom resources: a Table from the CRD version's additionalPrinterColumns, evaluated with the small subset
// of JSONPath that CRD columns use (.a.b, [0], [*], ['key'], [?(@.type=="Ready")]). A CRD without columns
// prints NAME and AGE, as kube-apiserver does.
import { isPlainObject } from '../object.js';
import { NAME, CREATED_DOC } from './columns.js';
import { humanDuration, parseTime } from './format.js';
import type { Printer, TableColumn } from './types.js';

export interface PrinterColumnSpec {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
  jsonPath: string;
}

type Step =
  | { kind: 'field'; name: string }
  | { kind: 'index'; index: number }
  | { kind: 'all' }
  | { kind: 'filter'; path: string[]; op: '==' | '!='; value: unknown };

/** Parses a CRD column path into steps; undefined when it uses JSONPath this evaluator does not know. */
export function parseColumnPath(path: string): Step[] | undefined {
  let p = path.trim();
  if (p.startsWith('{') && p.endsWith('}')) p = p.slice(1, -1);
  if (p.startsWith('$')) p = p.slice(1);
  const steps: Step[] = [];
  let i = 0;
  while (i < p.length) {
    const c = p[i];
    if (c === '.') {
      const m = /^\.([^.[\]]+)/.exec(p.slice(i));
      if (!m) return undefined;
      steps.push({ kind: 'field', name: m[1]! });
      i += m[0].length;
    } else if (c === '[') {
      const end = p.indexOf(']', i);
      if (end < 0) return undefined;
      let inner = p.slice(i + 1, end);
      // A filter may contain ']' only inside its quoted value; find the real end for filters.
      if (inner.startsWith('?(')) {
        const close = p.indexOf(')]', i);
        if (close < 0) return undefined;
        inner = p.slice(i + 1, close + 1);
        const f = /^\?\(@((?:\.[^.=!\s)]+)+)\s*(==|!=)\s*(.+)\)$/.exec(inner);
        if (!f) return undefined;
        steps.push({ kind: 'filter', path: f[1]!.slice(1).split('.'), op: f[2] as '==' | '!=', value: literal(f[3]!.trim()) });
        i = close + 2;
        continue;
      }
      if (inner === '*') steps.push({ kind: 'all' });
      else if (/^-?\d+$/.test(inner)) steps.push({ kind: 'index', index: Number(inner) });
      else if (/^'.*'$|^".*"$/.test(inner)) steps.push({ kind: 'field', name: inner.slice(1, -1) });
      else return undefined;
      i = end + 1;
    } else {
      return undefined;
    }
  }
  return steps;
}

function literal(text: string): unknown {
  if (/^'.*'$|^".*"$/.test(text)) return text.slice(1, -1);
  if (text === 'true' || text === 'false') return text === 'true';
  const n = Number(text);
  return Number.isNaN(n) ? text : n;
}

/** Every value the path reaches, in document order. */
export function evaluatePath(root: unknown, steps: Step[]): unknown[] {
  let current: unknown[] = [root];
  for (const step of steps) {
    const next: unknown[] = [];
    for (const v of current) {
      if (step.kind === 'field') {
        if (isPlainObject(v) && step.name in v) next.push(v[step.name]);
      } else if (step.kind === 'index') {
        if (Array.isArray(v)) {
          const i = step.index < 0 ? v.length + step.index : step.index;
          if (i >= 0 && i < v.length) next.push(v[i]);
        }
      } else if (step.kind === 'all') {
        if (Array.isArray(v)) next.push(...v);
        else if (isPlainObject(v)) next.push(...Object.values(v));
      } else {
        const items = Array.isArray(v) ? v : [v];
        for (const item of items) {
          let x: unknown = item;
          for (const k of step.path) x = isPlainObject(x) ? x[k] : undefined;
          if (x === undefined) continue;
          if ((x === step.value) === (step.op === '==')) next.push(item);
        }
      }
    }
    current = next;
  }
  return current;
}

/** A cell of the column's type, as the apiextensions table convertor makes it; null prints as <none>. */
export function cellFor(type: string, value: unknown, now: Date): unknown {
  if (value === undefined || value === null) return null;
  switch (type) {
    case 'integer':
      return typeof value === 'number' ? Math.trunc(value) : null;
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    case 'date': {
      if (typeof value !== 'string') return null;
      const t = parseTime(value);
      return t === undefined ? '<invalid>' : humanDuration(now.getTime() - t);
    }
    case 'string':
      return typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
    default:
      return null;
  }
}

const AGE_COLUMN: PrinterColumnSpec = { name: 'Age', type: 'date', description: CREATED_DOC, jsonPath: '.metadata.creationTimestamp' };

export function customResourcePrinter(specs: readonly PrinterColumnSpec[] = []): Printer {
  const used = specs.length ? specs : [AGE_COLUMN];
  const compiled = used.map((s) => parseColumnPath(s.jsonPath));
  const columns: TableColumn[] = [
    NAME,
    ...used.map((s) => ({ name: s.name, type: s.type, format: s.format ?? '', description: s.description ?? '', priority: s.priority ?? 0 })),
  ];
  return {
    columns,
    cells(o, now) {
      return [
        o.metadata?.name ?? '',
        ...used.map((s, i) => {
          const steps = compiled[i];
          const found = steps ? evaluatePath(o, steps) : [];
          return cellFor(s.type, found[0], now);
        }),
      ];
    },
  };
}
