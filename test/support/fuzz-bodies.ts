// Building blocks for malformed request bodies: paths into objects, wrong-typed values, deep nesting, YAML
// alias bombs, truncation. Everything takes the PRNG so a seed reproduces the same bytes.
import { parseAllDocuments } from 'yaml';
import type { Prng } from './prng.js';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type PathPart = string | number;

export const clone = <T>(v: T): T => structuredClone(v);

/** Every path below the root (objects and arrays included), except the type fields. */
export function allPaths(v: Json, prefix: PathPart[] = [], out: PathPart[][] = []): PathPart[][] {
  if (Array.isArray(v)) {
    v.forEach((x, i) => {
      out.push([...prefix, i]);
      allPaths(x, [...prefix, i], out);
    });
  } else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (prefix.length === 0 && (k === 'apiVersion' || k === 'kind')) continue;
      out.push([...prefix, k]);
      allPaths(x, [...prefix, k], out);
    }
  }
  return out;
}

export function getAt(v: Json, path: PathPart[]): Json | undefined {
  let cur: Json | undefined = v;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, Json>)[p];
  }
  return cur;
}

/** A copy of root with the value at path replaced (parents are created as objects). */
export function setAt(root: Json, path: PathPart[], value: Json): Json {
  const copy = clone(root);
  let cur = copy as Record<string | number, Json>;
  path.forEach((p, i) => {
    if (i === path.length - 1) cur[p] = value;
    else {
      if (cur[p] === null || typeof cur[p] !== 'object') cur[p] = {};
      cur = cur[p] as Record<string | number, Json>;
    }
  });
  return copy;
}

/**
 * A value whose JSON type can never fit where `orig` was: scalars become objects or arrays, objects and arrays
 * become scalars. (A number never becomes a string: int-or-string fields would take it.)
 */
export function wrongTypeFor(orig: Json | undefined, rng: Prng): Json {
  if (orig !== null && typeof orig === 'object') {
    return Array.isArray(orig) ? rng.pick<Json>(['not-a-list', 7, { a: 1 }, true]) : rng.pick<Json>(['not-an-object', 42, [1, 2], false]);
  }
  const odd: Json[] = [{ nested: { x: 1 } }, [1, 'two'], [], {}];
  if (typeof orig === 'string') odd.push(true, 12345);
  if (typeof orig === 'number') odd.push(true);
  return rng.pick(odd);
}

/** JSON text nested `depth` levels deep, as objects or arrays. */
export function deepJson(depth: number, rng: Prng): string {
  return rng.chance(0.5) ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

/** YAML nested `depth` levels deep: flow collections or block mappings. */
export function deepYaml(depth: number, rng: Prng): string {
  const style = rng.int(0, 2);
  if (style === 0) return '['.repeat(depth) + ']'.repeat(depth);
  if (style === 1) return '{a: '.repeat(depth) + '1' + '}'.repeat(depth);
  // Block style: one key per line, each indented one more space.
  const lines: string[] = [];
  for (let i = 0; i < depth; i++) lines.push(`${' '.repeat(i)}k${i}:`);
  lines.push(`${' '.repeat(depth)}v`);
  return lines.join('\n');
}

/** The "billion laughs" YAML: each level lists the previous one `width` times. */
export function aliasBomb(levels: number, width: number, rng: Prng): string {
  const lines = ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', `  name: bomb-${rng.int(0, 1e6)}`, `a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]`];
  for (let l = 1; l < levels; l++) lines.push(`a${l}: &a${l} [${Array.from({ length: width }, () => `*a${l - 1}`).join(', ')}]`);
  lines.push(`data:\n  x: *a${levels - 1}`);
  return lines.join('\n');
}

/** A proper prefix of a JSON text: never valid JSON when the text is an object. */
export function truncate(text: string, rng: Prng): string {
  return text.slice(0, rng.int(1, Math.max(1, text.length - 1)));
}

/** Ways to make YAML text unparsable; tries until the yaml package itself reports an error. */
export function breakYaml(text: string, rng: Prng): string {
  for (;;) {
    const lines = text.split('\n');
    const at = rng.int(0, lines.length - 1);
    lines[at] = rng.pick([`\t${lines[at]}`, `${lines[at]}: [unclosed`, `${lines[at]} "unterminated`, `  - ${lines[at]}\n bad: : indent`, `${lines[at]}\n@reserved`, `${lines[at]}\n  - {`]);
    const out = lines.join('\n');
    if (parseAllDocuments(out).some((d) => 'errors' in d && d.errors.length > 0)) return out;
  }
}

export function randomString(rng: Prng, n: number, alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789'): string {
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[rng.int(0, alphabet.length - 1)];
  return s;
}

/** Unicode that no Kubernetes name or label accepts. */
export const UNICODE_SAMPLES = ['名前', 'ключ', 'über', '💥', 'a\u0000b', '\u202eevil', 'x\ud800y', 'tab\there', 'ＡＢＣ', 'e\u0301'];
