// Table printers by served type: the built-in printer, or a custom resource's additionalPrinterColumns (the
// printers module evaluates them). jsonPathValues reads the scale subresource's replica paths.
import { customResourcePrinter, printerFor, type Printer } from '../../api/printers/index.js';
import type { Served } from '../registry.js';

/** Evaluates the JSONPath subset CRDs use for columns: .a.b, .a[0].b, .a[*].b, .a['x.y']. */
export function jsonPathValues(obj: unknown, path: string): unknown[] {
  let p = path.trim();
  if (p.startsWith('{') && p.endsWith('}')) p = p.slice(1, -1);
  if (p.startsWith('$')) p = p.slice(1);
  const steps: (string | number | '*')[] = [];
  const re = /\.([A-Za-z0-9_\-$]+)|\[(\d+|\*)\]|\['([^']*)'\]|\["([^"]*)"\]/gy;
  let m: RegExpExecArray | null;
  while ((m = re.exec(p)) !== null) {
    if (m[1] !== undefined) steps.push(m[1]);
    else if (m[2] !== undefined) steps.push(m[2] === '*' ? '*' : Number(m[2]));
    else steps.push(m[3] ?? m[4] ?? '');
  }
  let cur: unknown[] = [obj];
  for (const s of steps) {
    const next: unknown[] = [];
    for (const c of cur) {
      if (s === '*') {
        if (Array.isArray(c)) next.push(...c);
        else if (typeof c === 'object' && c !== null) next.push(...Object.values(c));
      } else if (typeof s === 'number') {
        if (Array.isArray(c) && s < c.length) next.push(c[s]);
      } else if (typeof c === 'object' && c !== null && !Array.isArray(c) && s in c) {
        next.push((c as Record<string, unknown>)[s]);
      }
    }
    cur = next;
  }
  return cur;
}

export function servedPrinter(served: Served, version: string): Printer {
  const cv = served.custom?.versions.get(version);
  if (!served.custom || !cv) return printerFor(served.info);
  return customResourcePrinter(cv.printerColumns);
}
