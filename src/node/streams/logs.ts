// Log query parameters (the pods/log options kubectl sends) to LogOptions, with the API server's checks.
import { errors } from '../../api/errors.js';
import type { LogOptions } from './target.js';

function intParam(q: URLSearchParams, name: string, min: number): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw errors.badRequest(`${name}: invalid integer ${JSON.stringify(v)}`);
  if (n < min) throw errors.badRequest(`${name}: must be ${min === 0 ? 'greater than or equal to 0' : `at least ${min}`}`);
  return n;
}

export function logOptions(q: URLSearchParams): LogOptions {
  const bool = (n: string) => q.get(n) === 'true' || q.get(n) === '1';
  const o: LogOptions = { follow: bool('follow'), previous: bool('previous'), timestamps: bool('timestamps') };
  const tail = intParam(q, 'tailLines', 0);
  if (tail !== undefined) o.tailLines = tail;
  const since = intParam(q, 'sinceSeconds', 1);
  if (since !== undefined) o.sinceSeconds = since;
  const limit = intParam(q, 'limitBytes', 1);
  if (limit !== undefined) o.limitBytes = limit;
  const st = q.get('sinceTime');
  if (st) {
    const d = new Date(st);
    if (Number.isNaN(d.getTime())) throw errors.badRequest(`sinceTime: invalid time ${JSON.stringify(st)}`);
    o.sinceTime = d;
  }
  if (o.sinceSeconds !== undefined && o.sinceTime) throw errors.badRequest('at most one of sinceTime or sinceSeconds may be specified');
  return o;
}
