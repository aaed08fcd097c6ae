// Readers and setters the defaulters share: they walk objects not validated yet, so nothing is assumed.
import { isPlainObject } from '../object.js';

export type Obj = Record<string, unknown>;

export const rec = (v: unknown): Obj | undefined => (isPlainObject(v) ? v : undefined);
export const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isPlainObject) : []);
export const unset = (v: unknown) => v === undefined || v === null;

/** Go's zero value counts as missing: undefined, null and the empty string get the default. */
export const setIfMissing = (o: Obj, k: string, v: unknown) => {
  if (unset(o[k]) || o[k] === '') o[k] = v;
};

/** The object at o[k], put there first when missing (or not an object), so defaults can be set inside it. */
export const child = (o: Obj, k: string): Obj => {
  if (!isPlainObject(o[k])) o[k] = {};
  return o[k] as Obj;
};

export const specOf = (o: Obj): Obj => child(o, 'spec');
