// Sets of field paths in structured-merge-diff's FieldsV1 form. A path is a list of path elements:
//   f:<field>            a field of a map or struct
//   k:{"name":"nginx"}   an item of an associative list, by its keys (JSON, keys sorted)
//   v:"value"            an item of a set list, by its value (JSON)
//   i:<n>                an item of an atomic list, by index (rare)
// A set is a tree; a node is a "member" when the path itself is owned. FieldsV1 writes members with no
// children as {} and members with children with a "." key.

export class FieldSet {
  readonly members = new Set<string>();
  readonly children = new Map<string, FieldSet>();

  insert(path: readonly string[]): this {
    if (path.length === 0) return this;
    const [head, ...rest] = path as [string, ...string[]];
    if (rest.length === 0) this.members.add(head);
    else this.child(head).insert(rest);
    return this;
  }

  has(path: readonly string[]): boolean {
    if (path.length === 0) return false;
    const [head, ...rest] = path as [string, ...string[]];
    if (rest.length === 0) return this.members.has(head);
    return this.children.get(head)?.has(rest) ?? false;
  }

  /** True when some member lies strictly below `path`. */
  hasBelow(path: readonly string[]): boolean {
    let node: FieldSet | undefined = this;
    for (const pe of path) node = node?.children.get(pe);
    return node !== undefined && !node.empty();
  }

  empty(): boolean {
    if (this.members.size > 0) return false;
    for (const c of this.children.values()) if (!c.empty()) return false;
    return true;
  }

  private child(pe: string): FieldSet {
    let c = this.children.get(pe);
    if (!c) this.children.set(pe, (c = new FieldSet()));
    return c;
  }

  union(o: FieldSet): FieldSet {
    const out = this.copy();
    for (const m of o.members) out.members.add(m);
    for (const [pe, c] of o.children) out.children.set(pe, (out.children.get(pe) ?? new FieldSet()).union(c));
    return out;
  }

  difference(o: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const m of this.members) if (!o.members.has(m)) out.members.add(m);
    for (const [pe, c] of this.children) {
      const oc = o.children.get(pe);
      const d = oc ? c.difference(oc) : c.copy();
      if (!d.empty()) out.children.set(pe, d);
    }
    return out;
  }

  intersection(o: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const m of this.members) if (o.members.has(m)) out.members.add(m);
    for (const [pe, c] of this.children) {
      const oc = o.children.get(pe);
      if (!oc) continue;
      const i = c.intersection(oc);
      if (!i.empty()) out.children.set(pe, i);
    }
    return out;
  }

  copy(): FieldSet {
    const out = new FieldSet();
    for (const m of this.members) out.members.add(m);
    for (const [pe, c] of this.children) out.children.set(pe, c.copy());
    return out;
  }

  /** Every member path, in FieldsV1 order (members of a node before its children's). */
  paths(prefix: string[] = []): string[][] {
    const out: string[][] = [];
    for (const pe of sortElements([...new Set([...this.members, ...this.children.keys()])])) {
      if (this.members.has(pe)) out.push([...prefix, pe]);
      const c = this.children.get(pe);
      if (c) out.push(...c.paths([...prefix, pe]));
    }
    return out;
  }

  toFieldsV1(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const pe of sortElements([...new Set([...this.members, ...this.children.keys()])])) {
      const c = this.children.get(pe);
      const inner = c && !c.empty() ? c.toFieldsV1() : {};
      out[pe] = this.members.has(pe) && c && !c.empty() ? { '.': {}, ...inner } : inner;
      if (!this.members.has(pe) && Object.keys(inner).length === 0) delete out[pe];
    }
    return out;
  }

  static fromFieldsV1(v: unknown): FieldSet {
    const out = new FieldSet();
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return out;
    for (const [pe, inner] of Object.entries(v as Record<string, unknown>)) {
      if (pe === '.') continue;
      const isObj = typeof inner === 'object' && inner !== null;
      const keys = isObj ? Object.keys(inner as object) : [];
      if (keys.length === 0 || keys.includes('.')) out.members.add(pe);
      const c = FieldSet.fromFieldsV1(inner);
      if (!c.empty()) out.children.set(pe, c);
    }
    return out;
  }
}

const ORDER: Record<string, number> = { f: 0, k: 1, v: 2, i: 3 };

function sortElements(pes: string[]): string[] {
  return pes.sort((a, b) => (ORDER[a[0] ?? ''] ?? 9) - (ORDER[b[0] ?? ''] ?? 9) || (a < b ? -1 : a > b ? 1 : 0));
}

// ---- path elements ----

export const fieldPE = (name: string) => `f:${name}`;
export const valuePE = (v: unknown) => `v:${JSON.stringify(v)}`;
export const indexPE = (i: number) => `i:${i}`;

export function keyPE(keys: Record<string, unknown>): string {
  const sorted: Record<string, unknown> = {};
  for (const k of Object.keys(keys).sort()) sorted[k] = keys[k];
  return `k:${JSON.stringify(sorted)}`;
}

/** structured-merge-diff's value.ToString: strings quoted, the rest as JSON. */
const valueString = (v: unknown) => JSON.stringify(v);

/** A path as Kubernetes prints it in conflicts: .spec.containers[name="nginx"].image */
export function pathString(path: readonly string[]): string {
  return path
    .map((pe) => {
      const body = pe.slice(2);
      switch (pe[0]) {
        case 'f':
          return `.${body}`;
        case 'k': {
          const keys = JSON.parse(body) as Record<string, unknown>;
          return `[${Object.entries(keys).map(([k, v]) => `${k}=${valueString(v)}`).join(',')}]`;
        }
        case 'v':
          return `[=${valueString(JSON.parse(body))}]`;
        case 'i':
          return `[${body}]`;
        default:
          return '{{invalid path element}}';
      }
    })
    .join('');
}
