// Label and field selectors as list and watch take them in the query string.
import { errors } from '../api/errors.js';
import { isQualifiedName, isValidLabelValue } from '../api/validation/names.js';

export type Requirement =
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: '=' | '!='; values: [string] }
  | { key: string; op: 'exists' | '!' ; values: [] };

/** Parses "a=b,c!=d,e in (x,y),f notin (z),g,!h". */
export function parseLabelSelector(s: string): Requirement[] {
  const reqs: Requirement[] = [];
  let i = 0;
  const src = s.trim();
  const skipWs = () => {
    while (i < src.length && src[i] === ' ') i++;
  };
  const readKey = () => {
    skipWs();
    const m = /^[A-Za-z0-9./_-]+/.exec(src.slice(i));
    if (!m) throw errors.badRequest(`unable to parse requirement: invalid label selector "${s}"`);
    i += m[0].length;
    return m[0];
  };
  const readValue = () => {
    skipWs();
    const m = /^[A-Za-z0-9._-]*/.exec(src.slice(i))!;
    i += m[0].length;
    return m[0];
  };
  while (i < src.length) {
    skipWs();
    if (src[i] === '!') {
      i++;
      reqs.push({ key: readKey(), op: '!', values: [] });
    } else {
      const key = readKey();
      skipWs();
      const rest = src.slice(i);
      if (rest.startsWith('==') || rest.startsWith('!=')) {
        i += 2;
        reqs.push({ key, op: rest.startsWith('!=') ? '!=' : '=', values: [readValue()] });
      } else if (rest.startsWith('=')) {
        i += 1;
        reqs.push({ key, op: '=', values: [readValue()] });
      } else if (/^(in|notin)\s*\(/.test(rest)) {
        const op = rest.startsWith('in') ? 'in' : 'notin';
        i = src.indexOf('(', i) + 1;
        const close = src.indexOf(')', i);
        if (close < 0) throw errors.badRequest(`unable to parse requirement: found '', expected: ')'`);
        const values = src
          .slice(i, close)
          .split(',')
          .map((v) => v.trim());
        // Values are single tokens: "x y" is two of them without the comma the parser wants between.
        for (const v of values) {
          const second = v.split(/\s+/)[1];
          if (second !== undefined) throw errors.badRequest(`unable to parse requirement: found '${second}', expected: ',' or ')'`);
        }
        i = close + 1;
        reqs.push({ key, op, values });
      } else {
        reqs.push({ key, op: 'exists', values: [] });
      }
    }
    skipWs();
    if (i < src.length) {
      if (src[i] !== ',') throw errors.badRequest(`unable to parse requirement: invalid label selector "${s}"`);
      i++;
    }
  }
  for (const r of reqs) checkRequirement(r);
  return reqs;
}

/** Keys are qualified names and values label values, as labels.NewRequirement checks them. */
function checkRequirement(r: Requirement): void {
  const fail = (path: string, v: string, msgs: string[]) => {
    throw errors.badRequest(`unable to parse requirement: ${path}: Invalid value: ${JSON.stringify(v)}: ${msgs.join('; ')}`);
  };
  const keyErrs = isQualifiedName(r.key);
  if (keyErrs.length > 0) fail('key', r.key, keyErrs);
  r.values.forEach((v, i) => {
    const valErrs = isValidLabelValue(v);
    if (valErrs.length > 0) fail(`values[${i}][${r.key}]`, v, valErrs);
  });
}

export function matchLabels(reqs: readonly Requirement[], labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  return reqs.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    const v = l[r.key];
    switch (r.op) {
      case '=':
        return has && v === r.values[0];
      case '!=':
        return !has || v !== r.values[0];
      case 'in':
        return has && r.values.includes(v!);
      case 'notin':
        return !has || !r.values.includes(v!);
      case 'exists':
        return has;
      case '!':
        return !has;
    }
  });
}

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

/** Parses "metadata.name=x,status.phase!=Running" (also "=="). Backslash escapes , = and !. */
export function parseFieldSelector(s: string): FieldRequirement[] {
  const out: FieldRequirement[] = [];
  for (const part of splitUnescaped(s.trim(), ',')) {
    if (part.trim() === '') continue;
    const m = /^([^=!]+?)\s*(==|!=|=)\s*(.*)$/.exec(part.trim());
    if (!m) throw errors.badRequest(`invalid selector: '${s}'; can't understand '${part}'`);
    out.push({ field: m[1]!, op: m[2] === '!=' ? '!=' : '=', value: m[3]!.replace(/\\(.)/g, '$1') });
  }
  return out;
}

function splitUnescaped(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && i + 1 < s.length) {
      cur += c + s[i + 1];
      i++;
    } else if (c === sep) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/** A LabelSelector object ({matchLabels, matchExpressions}) as the string form (Scale's status.selector). */
export function labelSelectorString(sel: unknown): string {
  if (typeof sel !== 'object' || sel === null) return '';
  const s = sel as { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] };
  const parts: string[] = [];
  for (const [k, v] of Object.entries(s.matchLabels ?? {})) parts.push(`${k}=${v}`);
  for (const e of s.matchExpressions ?? []) {
    const vals = [...(e.values ?? [])].sort().join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${vals})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${vals})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.sort().join(',');
}
