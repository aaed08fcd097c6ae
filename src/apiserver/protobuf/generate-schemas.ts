// Writes the field tables in schemas/ from a checkout of kubernetes/api and kubernetes/apimachinery.
// Run by hand when Kubernetes adds fields or we add kinds (the tables in the repo come from tag v0.36.3, i.e.
// Kubernetes 1.36; field numbers never change, so newer tables still read older clients):
//   node dist/src/apiserver/protobuf/generate-schemas.js <k8s.io/api dir> <k8s.io/apimachinery dir>
// Field numbers and message types come from each package's generated.proto; JSON names, pointer-ness, omitempty
// and inlining from the Go struct tags (the .proto cannot say them, and the JSON form depends on them).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT_KINDS } from './kinds.js';

interface ProtoField {
  no: number;
  name: string;
  label: 'optional' | 'repeated' | 'map';
  type: string; // short message name or scalar
}

interface GoField {
  json: string;
  omitempty: boolean;
  pointer: boolean;
  inline: boolean;
}

const SCALARS: Record<string, string> = { string: 's', bool: 'b', int32: 'i32', int64: 'i64', bytes: 'bytes' };

/** "k8s.io.api.apps.v1" -> "apps.v1"; "k8s.io.apimachinery.pkg.apis.meta.v1" -> "meta.v1". */
function shortPackage(pkg: string): string {
  return pkg.replace(/^\./, '').replace(/^k8s\.io\.api\./, '').replace(/^k8s\.io\.apimachinery\.pkg\.(apis\.)?/, '');
}

function findFiles(dir: string, want: (name: string) => boolean, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) findFiles(p, want, out);
    else if (want(e.name)) out.push(p);
  }
  return out;
}

function parseProto(file: string): { pkg: string; messages: Map<string, ProtoField[]> } {
  const src = readFileSync(file, 'utf8').replace(/\/\/.*$/gm, '');
  const pkg = shortPackage(/^package\s+([\w.]+);/m.exec(src)![1]!);
  const messages = new Map<string, ProtoField[]>();
  const qualify = (t: string): string => {
    if (SCALARS[t]) return SCALARS[t]!;
    if (t.startsWith('.')) {
      const i = t.lastIndexOf('.');
      return `${shortPackage(t.slice(0, i))}.${t.slice(i + 1)}`;
    }
    return `${pkg}.${t}`;
  };
  for (const m of src.matchAll(/^message (\w+) \{([^}]*)\}/gm)) {
    const fields: ProtoField[] = [];
    for (const f of m[2]!.matchAll(/^\s*(optional|repeated)\s+(\S+)\s+(\w+)\s*=\s*(\d+)/gm)) {
      fields.push({ no: Number(f[4]), name: f[3]!, label: f[1] as 'optional' | 'repeated', type: qualify(f[2]!) });
    }
    for (const f of m[2]!.matchAll(/^\s*map<\s*string\s*,\s*(\S+)\s*>\s+(\w+)\s*=\s*(\d+)/gm)) {
      fields.push({ no: Number(f[3]), name: f[2]!, label: 'map', type: qualify(f[1]!) });
    }
    messages.set(`${pkg}.${m[1]}`, fields.sort((a, b) => a.no - b.no));
  }
  return { pkg, messages };
}

/** Go struct tags of the package beside a generated.proto: struct -> protobuf field number -> tag facts. */
function parseGo(dir: string): { structs: Map<string, Map<number, GoField>>; slices: Set<string> } {
  const structs = new Map<string, Map<number, GoField>>();
  const slices = new Set<string>();
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.go') || name.endsWith('_test.go') || name.startsWith('zz_') || name.includes('generated')) continue;
    const src = readFileSync(join(dir, name), 'utf8');
    for (const s of src.matchAll(/^type (\w+) \[\]/gm)) slices.add(s[1]!);
    for (const s of src.matchAll(/^type (\w+) struct \{\n([\s\S]*?)^\}/gm)) {
      const fields = new Map<number, GoField>();
      for (const line of s[2]!.split('\n')) {
        const m = /^\s*(\w+\s+)?(\S+)\s+`(.*)`/.exec(line);
        if (!m) continue;
        const tag = m[3]!;
        const pb = /protobuf:"\w+,(\d+),/.exec(tag);
        if (!pb) continue;
        const json = /json:"([^"]*)"/.exec(tag)?.[1] ?? '';
        const [jsonName = '', ...opts] = json.split(',');
        fields.set(Number(pb[1]), {
          json: jsonName,
          omitempty: opts.includes('omitempty'),
          pointer: m[2]!.startsWith('*'),
          inline: jsonName === '' || opts.includes('inline'),
        });
      }
      structs.set(s[1]!, fields);
    }
  }
  return { structs, slices };
}

function main(apiDir: string, machineryDir: string): void {
  const protos = [
    ...findFiles(apiDir, (n) => n === 'generated.proto'),
    ...findFiles(join(machineryDir, 'pkg'), (n) => n === 'generated.proto'),
  ];
  const all = new Map<string, { fields: ProtoField[]; go: Map<number, GoField> | undefined; slice: boolean }>();
  for (const file of protos) {
    const { messages } = parseProto(file);
    const go = parseGo(dirname(file));
    for (const [name, fields] of messages) {
      const short = name.slice(name.lastIndexOf('.') + 1);
      all.set(name, { fields, go: go.structs.get(short), slice: go.slices.has(short) });
    }
  }
  // Only the messages reachable from the kinds we accept.
  const reach = new Set<string>();
  const visit = (name: string): void => {
    if (reach.has(name) || SCALARS_SHORT.has(name)) return;
    const m = all.get(name);
    if (!m) throw new Error(`unknown message ${name}`);
    reach.add(name);
    for (const f of m.fields) visit(f.type);
  };
  for (const k of ROOT_KINDS) visit(k.message);

  const byFile = new Map<string, string[]>();
  for (const name of [...reach].sort()) {
    const m = all.get(name)!;
    const pkg = name.slice(0, name.lastIndexOf('.'));
    const file = pkg.startsWith('meta.') || !pkg.includes('.') || pkg.startsWith('api.') || pkg.startsWith('util.') || pkg.startsWith('runtime') ? 'machinery' : pkg.replace('.', '-');
    const specs = m.fields.map((f) => {
      const g = m.go?.get(f.no);
      const json = g ? g.json : f.name;
      let type = f.label === 'repeated' ? `[]${f.type}` : f.label === 'map' ? `{}${f.type}` : f.type;
      if (g?.inline) type += '^';
      else if (g?.pointer) type += '?';
      else if (g && !g.omitempty) type += '!';
      return `${f.no}:${json || f.name}:${type}`;
    });
    if (m.slice) specs.unshift('list');
    (byFile.get(file) ?? byFile.set(file, []).get(file)!).push(`  '${name}': '${specs.join(' ')}',`);
  }
  const here = dirname(fileURLToPath(import.meta.url)).replace(/\/dist\//, '/');
  for (const [file, lines] of byFile) {
    const text =
      `// Generated by generate-schemas.ts from k8s.io/api and k8s.io/apimachinery: message -> fields as\n` +
      `// "number:jsonName:type"; type is s|b|i32|i64|bytes or a message, prefixed [] (repeated) or {} (map by string),\n` +
      `// suffixed ? (Go pointer: zero values are set), ! (no omitempty: zero values are set) or ^ (inlined in JSON).\n` +
      `// "list" first: the message is a Go slice whose JSON is its items. Do not edit by hand.\n` +
      `export const MESSAGES: Record<string, string> = {\n${lines.join('\n')}\n};\n`;
    writeFileSync(join(here, 'schemas', `${file}.ts`), text);
    console.log(`schemas/${file}.ts: ${lines.length} messages`);
  }
}

const SCALARS_SHORT = new Set(Object.values(SCALARS));

const [apiDir, machineryDir] = process.argv.slice(2);
if (!apiDir || !machineryDir) {
  console.error('usage: generate-schemas <k8s.io/api dir> <k8s.io/apimachinery dir>');
  process.exit(2);
}
main(apiDir, machineryDir);
