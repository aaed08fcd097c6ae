// The fuzz case generator: from a seed, bad manifests and malformed requests of every kind the API takes.
// Every case is built so that a correct server must refuse it with a 4xx Status, and none of them may
// change the objects in `keep` (they are the targets of bad updates, patches and deletes).
import { aliasBomb, allPaths, breakYaml, clone, deepJson, deepYaml, getAt, randomString, setAt, truncate, UNICODE_SAMPLES, wrongTypeFor, type Json, type PathPart } from './fuzz-bodies.js';
import type { Prng } from './prng.js';
import { stringify as toYaml } from 'yaml';

export interface Target {
  collection: string;
  /** collection/name */
  item: string;
  /** The object as the server returned it (resourceVersion, uid, managedFields...). */
  obj: Record<string, Json>;
}

export interface FuzzContext {
  keep: Target[];
  /** Valid objects for the scratch namespace, to mutate into bad creates. */
  templates: { collection: string; obj: Record<string, Json> }[];
  scratchNs: string;
}

export interface FuzzCase {
  category: string;
  method: string;
  path: string;
  body?: string | Buffer;
  contentType?: string;
  accept?: string;
  headers?: Record<string, string>;
  chunked?: boolean;
  /** Omit the bearer token. */
  anonymous?: boolean;
  /** 'not5xx': requests Kubernetes itself accepts; they must only not fail the server (read-only ones). */
  expect: '4xx' | 'not5xx';
}

const JSON_CT = 'application/json';
const YAML_CT = 'application/yaml';
const MERGE = 'application/merge-patch+json';
const STRATEGIC = 'application/strategic-merge-patch+json';
const JSONPATCH = 'application/json-patch+json';
const APPLY = 'application/apply-patch+yaml';

type Gen = (rng: Prng, ctx: FuzzContext, n: number) => FuzzCase;

const isCustom = (path: string) => path.includes('fuzz.example.com');
const kindOf = (o: Record<string, Json>) => String(o['kind']);

/** A scratch template renamed to a fresh valid name. */
function fresh(rng: Prng, ctx: FuzzContext, n: number): { collection: string; obj: Record<string, Json> } {
  const t = rng.pick(ctx.templates);
  const obj = clone(t.obj);
  obj['metadata'] = { ...(obj['metadata'] as Record<string, Json>), name: `fz-${n}` };
  return { collection: t.collection, obj };
}

const post = (category: string, path: string, body: string | Buffer, contentType = JSON_CT, extra: Partial<FuzzCase> = {}): FuzzCase => ({
  category,
  method: 'POST',
  path,
  body,
  contentType,
  expect: '4xx',
  ...extra,
});

/** Paths a wrong type may go to: everything but `status`, which create and update ignore. */
const mutablePaths = (obj: Json) => allPaths(obj).filter((p) => p[0] !== 'status');

function withWrongType(rng: Prng, obj: Record<string, Json>, skip: (p: PathPart[]) => boolean = () => false): { body: Json; at: string } {
  const paths = mutablePaths(obj).filter((p) => !skip(p));
  const path = rng.pick(paths);
  let bad = wrongTypeFor(getAt(obj, path), rng);
  // A quantity may be a JSON number ("cpu": 2), and so may an int-or-string (maxSurge: 3): not wrong types.
  const intOrString = ['maxSurge', 'maxUnavailable', 'targetPort', 'port'];
  if (typeof bad === 'number' && path.some((p) => p === 'requests' || p === 'limits' || intOrString.includes(String(p)))) bad = true;
  return { body: setAt(obj, path, bad), at: path.join('.') };
}

const REQUIRED_NULLS: Record<string, string[][]> = {
  ConfigMap: [['metadata', 'name']],
  Secret: [['metadata', 'name']],
  ServiceAccount: [['metadata', 'name']],
  Pod: [['spec', 'containers'], ['metadata', 'name'], ['spec', 'containers', '0', 'name']],
  Service: [['spec', 'ports'], ['spec', 'ports', '0', 'port']],
  Deployment: [['spec', 'selector'], ['spec', 'template'], ['spec', 'template', 'spec', 'containers']],
  Job: [['spec', 'template'], ['spec', 'template', 'spec', 'containers']],
  CronJob: [['spec', 'schedule'], ['spec', 'jobTemplate']],
  Role: [['metadata', 'name'], ['rules', '0', 'verbs']],
  Widget: [['spec', 'size'], ['spec']],
};

const BAD_NAMES = ['UPPER', 'under_score', '-lead', 'trail-', 'a..b', 'dot.', '../etc', 'a/b', 'sp ace', 'x'.repeat(254), '%zz', '.', '..', 'a\nb', ...UNICODE_SAMPLES];
const BAD_PATH_SEGMENT_NAMES = ['.', '..', 'a/b', 'x%y', '../etc', ''];
const BAD_LABEL_KEYS = ['-x', 'a/b/c', `${'p'.repeat(254)}/k`, 'k'.repeat(64), 'sp ace', '/name', 'Prefix_Bad/ok', '', ...UNICODE_SAMPLES];
const BAD_LABEL_VALUES = ['v'.repeat(64), '-lead', 'sp ace', 'a/b', ...UNICODE_SAMPLES.filter((s) => s !== 'e\u0301')];
const BAD_NUMBERS: { kind: string; path: PathPart[]; values: string[] }[] = [
  { kind: 'Deployment', path: ['spec', 'replicas'], values: ['-1', '-2147483649', '2147483648', '1e20', '1.5', '1e999', '-0.5', '9007199254740993'] },
  { kind: 'Deployment', path: ['spec', 'revisionHistoryLimit'], values: ['-3', '1e30', '0.25'] },
  { kind: 'Pod', path: ['spec', 'containers', 0, 'ports', 0, 'containerPort'], values: ['0', '70000', '-80', '1.5', '1e999', '65536'] },
  // (Not negative ones: Kubernetes takes them, with a warning, and treats them as 1.)
  { kind: 'Pod', path: ['spec', 'terminationGracePeriodSeconds'], values: ['1e400', '0.5'] },
  { kind: 'Pod', path: ['spec', 'activeDeadlineSeconds'], values: ['0', '-1', '1.5'] },
  { kind: 'Service', path: ['spec', 'ports', 0, 'port'], values: ['0', '65536', '-1', '99999999999', '1.5'] },
  { kind: 'Job', path: ['spec', 'backoffLimit'], values: ['-3', '4294967296', '2.5'] },
  { kind: 'Job', path: ['spec', 'parallelism'], values: ['-1', '1e10'] },
  { kind: 'CronJob', path: ['spec', 'startingDeadlineSeconds'], values: ['-10', '0.1'] },
  { kind: 'Widget', path: ['spec', 'size'], values: ['0', '101', '2.5', '1e300', '-7', '1e999'] },
];

/** Replaces the value at path by raw JSON text (so 1e999 and huge integers reach the server's parser as sent). */
function withRawNumber(obj: Record<string, Json>, path: PathPart[], raw: string): string {
  const marker = '__RAW_NUMBER__';
  return JSON.stringify(setAt(obj, path, marker)).replace(`"${marker}"`, raw);
}

const gens: [number, Gen][] = [
  [14, (rng, ctx, n) => {
    const t = fresh(rng, ctx, n);
    const { body, at } = withWrongType(rng, t.obj);
    const yaml = rng.chance(0.3);
    return post(`create-wrong-type(${kindOf(t.obj)}:${at})`, t.collection, yaml ? toYaml(body) : JSON.stringify(body), yaml ? YAML_CT : JSON_CT);
  }],
  [4, (rng, ctx, n) => {
    const t = fresh(rng, ctx, n);
    const path = rng.pick(REQUIRED_NULLS[kindOf(t.obj)] ?? [['metadata', 'name']]);
    return post(`create-null-required(${kindOf(t.obj)}:${path.join('.')})`, t.collection, JSON.stringify(setAt(t.obj, path, null)));
  }],
  [5, (rng, ctx, n) => {
    const t = fresh(rng, ctx, n);
    // RBAC objects only need path-segment names: for them, only names no URL path can carry are bad.
    const name = kindOf(t.obj) === 'Role' ? rng.pick(BAD_PATH_SEGMENT_NAMES) : rng.pick(BAD_NAMES);
    const body = setAt(t.obj, ['metadata', 'name'], name);
    if (rng.chance(0.2)) return { category: 'create-bad-name-namespace', method: 'POST', path: `/api/v1/namespaces`, body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }), contentType: JSON_CT, expect: '4xx' };
    return post(`create-bad-name(${kindOf(t.obj)})`, t.collection, JSON.stringify(body));
  }],
  [5, (rng, ctx, n) => {
    const t = fresh(rng, ctx, n);
    const where = rng.pick(['labels', 'annotations', 'selector']);
    let body: Json;
    if (where === 'labels') {
      body = rng.chance(0.5)
        ? setAt(t.obj, ['metadata', 'labels', rng.pick(BAD_LABEL_KEYS)], 'ok')
        : setAt(t.obj, ['metadata', 'labels', 'ok'], rng.pick(BAD_LABEL_VALUES));
    } else if (where === 'annotations') {
      body = setAt(t.obj, ['metadata', 'annotations', rng.pick(BAD_LABEL_KEYS.filter((k) => k.length < 250))], 'v');
    } else {
      // A selector that cannot match its own template is invalid.
      const d = fresh(rng, { ...ctx, templates: ctx.templates.filter((x) => kindOf(x.obj) === 'Deployment') }, n);
      body = setAt(d.obj, ['spec', 'selector', 'matchLabels'], { app: `other-${rng.int(0, 99)}` });
      return post('create-bad-selector', d.collection, JSON.stringify(body));
    }
    return post(`create-bad-${where}(${kindOf(t.obj)})`, t.collection, JSON.stringify(body));
  }],
  [6, (rng, ctx, n) => {
    const spec = rng.pick(BAD_NUMBERS);
    const tmpl = ctx.templates.find((x) => kindOf(x.obj) === spec.kind)!;
    const obj = setAt(tmpl.obj, ['metadata', 'name'], `fz-${n}`) as Record<string, Json>;
    const raw = rng.pick(spec.values);
    return post(`create-bad-number(${spec.kind}:${spec.path.join('.')}=${raw})`, tmpl.collection, withRawNumber(obj, spec.path, raw));
  }],
  [1, (rng, ctx, n) => {
    // Bodies over the 3 MiB limit: 413, with and without a Content-Length.
    const t = fresh(rng, ctx, n);
    const size = rng.int(3 * 1024 * 1024 + 1, 4 * 1024 * 1024);
    const body = JSON.stringify(setAt(t.obj, ['metadata', 'annotations', 'huge'], 'x'.repeat(size)));
    return post('create-too-large', t.collection, body, JSON_CT, { chunked: rng.chance(0.5) });
  }],
  [2, (rng, ctx, n) => {
    // Fields past their size limits, in a body the server must read: 422.
    const t = fresh(rng, ctx, n);
    const choice = rng.int(0, 3);
    if (choice === 0) return post('huge-annotations', t.collection, JSON.stringify(setAt(t.obj, ['metadata', 'annotations', 'big'], 'a'.repeat(rng.int(262_145, 1_500_000)))));
    if (choice === 1) {
      const cm = ctx.templates.find((x) => kindOf(x.obj) === 'ConfigMap')!;
      return post('huge-configmap', cm.collection, JSON.stringify(setAt(setAt(cm.obj, ['metadata', 'name'], `fz-${n}`), ['data', 'big'], 'd'.repeat(rng.int(1_048_577, 2_500_000)))));
    }
    if (choice === 2) return post('huge-label-value', t.collection, JSON.stringify(setAt(t.obj, ['metadata', 'labels', 'big'], 'v'.repeat(rng.int(64, 100_000)))));
    // (Not a Role: RBAC names have no length limit.)
    const named = kindOf(t.obj) === 'Role' ? ctx.templates.find((x) => kindOf(x.obj) === 'ConfigMap')! : t;
    return post('huge-name', named.collection, JSON.stringify(setAt(named.obj, ['metadata', 'name'], 'n'.repeat(rng.int(254, 200_000)))));
  }],
  [3, (rng, ctx, n) => {
    // 10,000 levels of nesting where a string or a map of strings belongs.
    const cm = ctx.templates.find((x) => kindOf(x.obj) === 'ConfigMap')!;
    const depth = rng.pick([100, 999, 1001, 5000, 10_000, 20_000]);
    const where = rng.pick(['"data":{"deep":', '"metadata":{"name":"fz-' + n + '","labels":', '"data":']);
    const close = where.split('{').length - 1;
    const body = `{"apiVersion":"v1","kind":"ConfigMap",${where}${deepJson(depth, rng)}${'}'.repeat(close)}}`;
    return post(`deep-json(${depth})`, cm.collection, body, rng.chance(0.3) ? MERGE : JSON_CT);
  }],
  [2, (rng, ctx, n) => {
    const cm = ctx.templates.find((x) => kindOf(x.obj) === 'ConfigMap')!;
    const depth = rng.pick([100, 999, 1001, 5000, 10_000]);
    const body = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fz-${n}\ndata:\n  deep: ${deepYaml(depth, rng).split('\n').join('\n    ')}\n`;
    return post(`deep-yaml(${depth})`, cm.collection, body, YAML_CT);
  }],
  [3, (rng, ctx, n) => {
    // Duplicate keys: the last (bad) one must win or the body must be refused.
    const t = fresh(rng, ctx, n);
    const names = kindOf(t.obj) === 'Role' ? BAD_PATH_SEGMENT_NAMES.filter((x) => x !== '') : BAD_NAMES;
    const bad = rng.pick(names.filter((x) => !x.includes('"') && !x.includes('\\') && !/[\u0000-\u001f]/.test(x)));
    if (rng.chance(0.5)) {
      const text = JSON.stringify(t.obj).replace(`"name":"fz-${n}"`, `"name":"fz-${n}","name":${JSON.stringify(bad)}`);
      return post('duplicate-keys-json', t.collection, text);
    }
    const y = toYaml(t.obj).replace(`  name: fz-${n}\n`, `  name: fz-${n}\n  name: ${JSON.stringify(bad)}\n`);
    return post('duplicate-keys-yaml', t.collection, y, YAML_CT);
  }],
  [5, (rng, ctx, n) => {
    const t = fresh(rng, ctx, n);
    return post(`truncated-json(${kindOf(t.obj)})`, t.collection, truncate(JSON.stringify(t.obj), rng), rng.pick([JSON_CT, JSON_CT, '']));
  }],
  [3, (rng, ctx, n) => {
    const t = fresh(rng, ctx, n);
    return post(`broken-yaml(${kindOf(t.obj)})`, t.collection, breakYaml(toYaml(t.obj), rng), YAML_CT);
  }],
  [4, (rng, ctx) => {
    const t = rng.pick(ctx.templates);
    const ct = rng.pick([JSON_CT, YAML_CT, 'application/vnd.kubernetes.protobuf', 'application/vnd.kubernetes.protobuf']);
    let body = rng.bytes(rng.int(1, 4096));
    // Half the protobuf garbage starts with the right magic so the decoder gets past it.
    if (ct.includes('protobuf') && rng.chance(0.5)) body = Buffer.concat([Buffer.from('k8s\0'), body]);
    if (ct === YAML_CT) body = Buffer.concat([Buffer.from('%YAML 1.2\n---\n'), body, Buffer.from('\n: : [')]);
    return post(`garbage(${ct})`, t.collection, body, ct);
  }],
  [2, (rng, ctx) => {
    const cm = ctx.templates.find((x) => kindOf(x.obj) === 'ConfigMap')!;
    const levels = rng.int(4, 12);
    return post(`alias-bomb(${levels})`, cm.collection, aliasBomb(levels, rng.int(5, 10), rng), rng.pick([YAML_CT, APPLY]));
  }],
  [4, (rng, ctx, n) => {
    const t = fresh(rng, ctx, n);
    const ct = rng.pick(['text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'image/png', MERGE, JSONPATCH, STRATEGIC, APPLY, 'application/json-seq', 'application/cbor']);
    return post(`wrong-content-type(${ct})`, t.collection, JSON.stringify(t.obj), ct);
  }],
  [4, (rng, ctx, n) => {
    const t = fresh(rng, ctx, n);
    const path = rng.pick<PathPart[]>([['apiVersion'], ['kind']]);
    const v = path[0] === 'kind' ? rng.pick<Json>(['Foo', 'configmap', 'Pod', 'Deployment', 123, ['ConfigMap'], { k: 1 }, true]) : rng.pick<Json>(['v2', 'apps/v1', 'fuzz.example.com/v9', 'v1beta1', '/', 7, 'x/y/z']);
    const body = setAt(t.obj, path, v) as Record<string, Json>;
    if (body['kind'] === t.obj['kind']) body['kind'] = 'Foo';
    if (t.obj['apiVersion'] === body['apiVersion'] && path[0] === 'apiVersion') body['apiVersion'] = 'v2';
    return post(`wrong-type-meta(${path[0]}=${JSON.stringify(v)})`, t.collection, JSON.stringify(body));
  }],
  [2, (rng, ctx, n) => {
    const t = fresh(rng, ctx, n);
    const ns = rng.pick(['other', 'default', 'kube-system', 'fuzz-keep', 'Bad_NS']);
    return post('namespace-mismatch', t.collection, JSON.stringify(setAt(t.obj, ['metadata', 'namespace'], ns)));
  }],
  [3, (rng, ctx) => {
    const t = rng.pick(ctx.templates);
    const body = rng.pick(['null', '[]', '123', '"str"', 'true', '', '[{"kind":"ConfigMap"}]', '{}', '{"metadata":{}}']);
    if (rng.chance(0.4)) {
      const k = rng.pick(ctx.keep);
      return { category: `non-object-update(${body})`, method: 'PUT', path: k.item, body, contentType: JSON_CT, expect: '4xx' };
    }
    return post(`non-object-create(${body})`, t.collection, body);
  }],
  [6, (rng, ctx) => {
    const k = rng.pick(ctx.keep);
    const label = Object.keys((k.obj['metadata'] as Record<string, Json>)['labels'] as Record<string, Json>)[0]!;
    const ops = rng.pick<string[]>([
      ['{}'],
      ['"x"'],
      ['[{"op":"frobnicate","path":"/metadata/labels/x","value":"y"}]'],
      ['[{"op":"add"}]'],
      ['[{"op":"add","value":"y"}]'],
      ['[{"path":"/metadata/labels/x","value":"y"}]'],
      ['[{"op":"replace","path":"/metadata/labels/not-there-at-all","value":"v"}]'],
      ['[{"op":"test","path":"/metadata/name","value":"nope"},{"op":"add","path":"/metadata/labels/t","value":"v"}]'],
      ['[{"op":"remove","path":"/spec/nonexistent/deep"}]'],
      ['[{"op":"remove","path":"/metadata/labels/absent"}]'],
      [`[{"op":"add","path":"/metadata/labels/${label}","value":{"x":1}}]`],
      ['[{"op":"add","path":"/metadata/name","value":"renamed"}]'],
      ['[{"op":"move","from":"/metadata","path":"/metadata/labels/m"}]'],
      ['[{"op":"copy","from":"/nonexistent","path":"/metadata/labels/c"}]'],
      ['[{"op":"add","path":"/metadata/labels/~2bad","value":"v"}]'],
      ['[{"op":"add","path":"metadata/labels/noslash","value":"v"}]'],
      ['[{"op":"add","path":"/metadata/labels/a/b/c","value":"v"}]'],
      ['[{"op":"add","path":"/metadata/finalizers/99","value":"x"}]'],
      ['[{"op":"replace","path":"/kind","value":"Other"}]'],
      ['[{"op":"replace","path":"/metadata/namespace","value":"other"}]'],
      ['[{"op":"add","path":"/metadata/labels/ok","value":"v"},{"op":"add","path":"/metadata/labels/Bad Key","value":"v"}]'],
      ['[{"op":"replace","path":"/metadata/resourceVersion","value":"1"}]'],
      ['[{"op":"replace","path":"/metadata/uid","value":"not-the-uid"}]'],
      [`[{"op":"add","path":"/metadata/labels/x","value":${deepJson(5000, rng)}}]`],
      ['[' + Array.from({ length: 2000 }, (_, i) => `{"op":"add","path":"/metadata/labels/k${i}","value":"v"}`).join(',') + ',{"op":"test","path":"/metadata/name","value":"nope"}]'],
    ]);
    return { category: `json-patch-bad(${ops[0]!.slice(0, 60)})`, method: 'PATCH', path: k.item, body: ops[0]!, contentType: JSONPATCH, expect: '4xx' };
  }],
  [5, (rng, ctx) => {
    const k = rng.pick(ctx.keep);
    const name = String((k.obj['metadata'] as Record<string, Json>)['name']);
    const custom = isCustom(k.item);
    const choices: string[] = [
      '[]',
      '"str"',
      '42',
      'true',
      '{"metadata":{"name":"Bad_Name"}}',
      '{"metadata":{"name":"another-name"}}',
      '{"metadata":{"labels":{"k":5}}}',
      '{"metadata":{"labels":{"Bad Key":"v"}}}',
      '{"metadata":{"labels":"flat"}}',
      '{"metadata":{"resourceVersion":"1"}}',
      '{"metadata":{"uid":"0000-not-it"}}',
      '{"metadata":{"namespace":"other"}}',
      '{"kind":"Other"}',
      '{"apiVersion":"v9"}',
      '{"metadata":[1,2]}',
      `{"metadata":{"labels":${deepJson(3000, rng)}}}`,
      `{"metadata":{"annotations":{"big":"${'a'.repeat(300_000)}"}}}`,
      `{"metadata":{"name":"${name}","labels":{"${'k'.repeat(70)}":"v"}}}`,
    ];
    const kind = kindOf(k.obj);
    if (kind === 'Deployment') choices.push('{"spec":{"replicas":-5}}', '{"spec":{"replicas":"three"}}', '{"spec":{"template":null}}', '{"spec":{"selector":{"matchLabels":{"app":"changed"}}}}');
    if (kind === 'Pod') choices.push('{"spec":{"containers":[]}}', '{"spec":{"containers":[{"name":"app","image":""}]}}', '{"spec":{"restartPolicy":"Sometimes"}}', '{"spec":{"containers":"x"}}');
    if (kind === 'Service') choices.push('{"spec":{"ports":[{"port":0}]}}', '{"spec":{"type":"Teleport"}}', '{"spec":{"clusterIP":"not-an-ip"}}');
    if (custom) choices.push('{"spec":{"size":0}}', '{"spec":{"color":"purple"}}', '{"spec":{"tags":"x"}}', '{"spec":null}', '{"spec":{"size":null}}');
    if (kind === 'Job') choices.push('{"spec":{"template":{"spec":{"restartPolicy":"Always"}}}}', '{"spec":{"backoffLimit":-1}}');
    if (kind === 'CronJob') choices.push('{"spec":{"schedule":"not a schedule"}}', '{"spec":{"concurrencyPolicy":"Whenever"}}');
    if (kind === 'Role') choices.push('{"rules":[{"verbs":[]}]}', '{"rules":"all"}');
    if (kind === 'Secret') choices.push('{"data":{"password":"!!!not base64!!!"}}', '{"type":"kubernetes.io/tls"}');
    if (kind === 'ConfigMap') choices.push('{"data":{"bad key!":"v"}}', '{"data":{"k":{"n":1}}}', '{"binaryData":{"b":"***"}}');
    // The whole object with one wrong-typed field, too (resourceVersion included, so it is no precondition).
    choices.push(JSON.stringify(withWrongType(rng, k.obj, (p) => p[0] === 'metadata' && (p[1] === 'managedFields' || p[1] === 'resourceVersion')).body));
    return { category: `merge-patch-bad(${kind})`, method: 'PATCH', path: k.item, body: rng.pick(choices), contentType: MERGE, expect: '4xx' };
  }],
  [4, (rng, ctx) => {
    const k = rng.pick(ctx.keep);
    const kind = kindOf(k.obj);
    const choices = [
      '{"$patch":"frobnicate"}',
      '{"metadata":{"$patch":"explode"}}',
      '{"metadata":{"labels":{"$patch":"replace","Bad Key":"v"}}}',
      '{"$setElementOrder/metadata":"x"}',
      '{"metadata":{"$retainKeys":"notalist"}}',
      '{"metadata":{"$deleteFromPrimitiveList/finalizers":"x"}}',
      '{"metadata":{"labels":[{"$patch":"delete"}]}}',
      '[]',
      '"str"',
      '{"metadata":{"name":"other"}}',
      '{"metadata":{"uid":"nope"}}',
    ];
    if (kind === 'Pod' || kind === 'Deployment' || kind === 'Job') {
      const spec = kind === 'Pod' ? '' : kind === 'Job' || kind === 'Deployment' ? '"template":{"spec":' : '';
      const close = spec ? '}}' : '}';
      choices.push(
        `{"spec":{${spec}"containers":[{"$patch":"delete"}]${close}}`,
        `{"spec":{${spec}"containers":[{"name":"app","image":""}]${close}}`,
        `{"spec":{${spec}"$setElementOrder/containers":[{"name":"missing"}],"containers":[{"name":"app","ports":"x"}]${close}}`,
        `{"spec":{${spec}"containers":[{"image":"no-name"}]${close}}`,
        `{"spec":{${spec}"$retainKeys":["nothere"],"containers":5${close}}`,
      );
    }
    if (isCustom(k.item)) choices.push('{"spec":{"size":5}}'); // strategic merge is not defined for custom resources: 415
    return { category: `strategic-patch-bad(${kind})`, method: 'PATCH', path: k.item, body: rng.pick(choices), contentType: STRATEGIC, expect: '4xx' };
  }],
  [4, (rng, ctx) => {
    const k = rng.pick(ctx.keep);
    const meta = k.obj['metadata'] as Record<string, Json>;
    const base: Record<string, Json> = { apiVersion: k.obj['apiVersion']!, kind: k.obj['kind']!, metadata: { name: meta['name']!, namespace: meta['namespace']! } };
    const manager = 'fieldManager=fuzz';
    const choice = rng.int(0, 9);
    let body: string;
    let query = manager;
    if (choice === 0) body = 'a: [\n b: }';
    else if (choice === 1) body = toYaml({ metadata: base['metadata'] });
    else if (choice === 2) body = toYaml(setAt(base, ['metadata', 'name'], 'other-name'));
    else if (choice === 3) body = toYaml(setAt(base, ['metadata', 'labels'], { k: { x: 1 } }));
    else if (choice === 4) {
      body = toYaml(base);
      query = ''; // apply needs a fieldManager
    } else if (choice === 5) {
      body = toYaml(base);
      query = `${manager}&force=maybe`;
    } else if (choice === 6) body = toYaml(setAt(base, ['metadata', 'managedFields'], [{ manager: 'x', operation: 'Apply' }]));
    else if (choice === 7) body = aliasBomb(10, 10, rng);
    else if (choice === 8) body = toYaml(setAt(base, ['kind'], 'Other'));
    else body = toYaml(withWrongType(rng, base).body);
    return { category: `apply-bad(${choice})`, method: 'PATCH', path: `${k.item}${query ? `?${query}` : ''}`, body, contentType: APPLY, expect: '4xx' };
  }],
  [2, (rng, ctx) => {
    const k = rng.pick(ctx.keep);
    const ct = rng.pick([JSON_CT, YAML_CT, 'text/plain', 'application/xml', '', 'application/merge-patch+yaml']);
    return { category: `patch-content-type(${ct})`, method: 'PATCH', path: k.item, body: '{"metadata":{"labels":{"x":"y"}}}', contentType: ct === '' ? 'application/octet-stream' : ct, expect: '4xx' };
  }],
  [6, (rng, ctx) => {
    const k = rng.pick(ctx.keep);
    const meta = k.obj['metadata'] as Record<string, Json>;
    const choice = rng.int(0, 6);
    let body: Json;
    if (choice === 0) body = setAt(k.obj, ['metadata', 'resourceVersion'], '1');
    else if (choice === 1) body = setAt(k.obj, ['metadata', 'resourceVersion'], rng.pick<Json>(['abc', '-1', '99999999999999999999', '1.5', 7]));
    else if (choice === 2) body = setAt(k.obj, ['metadata', 'name'], `${String(meta['name'])}-other`);
    else if (choice === 3) body = setAt(k.obj, ['metadata', 'uid'], 'not-the-uid');
    else if (choice === 4) body = setAt(k.obj, ['metadata', 'namespace'], 'other');
    else body = withWrongType(rng, k.obj, (p) => p[0] === 'metadata' && (p[1] === 'managedFields' || p[1] === 'resourceVersion')).body;
    const yaml = rng.chance(0.25);
    return { category: `update-bad(${kindOf(k.obj)}:${choice})`, method: 'PUT', path: k.item, body: yaml ? toYaml(body) : JSON.stringify(body), contentType: yaml ? YAML_CT : JSON_CT, expect: '4xx' };
  }],
  [4, (rng, ctx) => {
    const k = rng.pick(ctx.keep);
    const choice = rng.int(0, 7);
    const opts = (o: Json) => JSON.stringify({ apiVersion: 'v1', kind: 'DeleteOptions', ...(o as object) });
    if (choice === 0) return { category: 'delete-uid-precondition', method: 'DELETE', path: k.item, body: opts({ preconditions: { uid: 'not-the-uid' } }), contentType: JSON_CT, expect: '4xx' };
    if (choice === 1) return { category: 'delete-rv-precondition', method: 'DELETE', path: k.item, body: opts({ preconditions: { resourceVersion: '1' } }), contentType: JSON_CT, expect: '4xx' };
    if (choice === 2) return { category: 'delete-garbage-body', method: 'DELETE', path: k.item, body: truncate('{"kind":"DeleteOptions","propagationPolicy":"Foreground"}', rng), contentType: JSON_CT, expect: '4xx' };
    if (choice === 3) return { category: 'delete-bad-policy-body', method: 'DELETE', path: k.item, body: opts({ propagationPolicy: 'Sideways' }), contentType: JSON_CT, expect: '4xx' };
    if (choice === 4) return { category: 'delete-bad-policy-query', method: 'DELETE', path: `${k.item}?propagationPolicy=Sideways`, expect: '4xx' };
    if (choice === 5) return { category: 'delete-bad-dryrun', method: 'DELETE', path: `${k.item}?dryRun=Bogus`, expect: '4xx' };
    if (choice === 6) return { category: 'delete-bad-grace', method: 'DELETE', path: `${k.item}?gracePeriodSeconds=abc`, expect: '4xx' };
    return { category: 'delete-grace-wrong-type', method: 'DELETE', path: k.item, body: opts({ gracePeriodSeconds: 'soon' }), contentType: JSON_CT, expect: '4xx' };
  }],
  [8, (rng, ctx) => {
    const k = rng.pick(ctx.keep);
    const q = rng.pick<[string, '4xx' | 'not5xx', boolean?]>([
      ['resourceVersion=abc', '4xx'],
      ['resourceVersion=-5', '4xx'],
      ['resourceVersionMatch=Bogus&resourceVersion=1', '4xx'],
      ['resourceVersionMatch=Exact', '4xx'],
      ['labelSelector=!!', '4xx'],
      ['labelSelector=a%20in%20(', '4xx'],
      ['labelSelector=a=b=c', '4xx'],
      ['labelSelector=a%20in%20(x%20y)', '4xx'],
      ['labelSelector==x', '4xx'],
      [`labelSelector=${'k'.repeat(70)}=v`, '4xx'],
      ['labelSelector=a%20notin', '4xx'],
      ['labelSelector=%E2%98%83=x', '4xx'],
      ['fieldSelector=spec.unknownField=x', '4xx'],
      ['fieldSelector=metadata.name', '4xx'],
      ['fieldSelector=metadata.name%3E3', '4xx'],
      ['fieldSelector=status.nonsense!=x', '4xx'],
      ['continue=garbage', '4xx'],
      ['continue=eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6LTEsInN0YXJ0IjoiLi4vLi4vIn0', '4xx'],
      ['limit=abc', '4xx'],
      ['limit=1.5', '4xx'],
      ['limit=-1', 'not5xx'],
      ['limit=99999999999999999999999', 'not5xx'],
      ['watch=true&timeoutSeconds=abc', '4xx', true],
      ['watch=true&timeoutSeconds=-1x', '4xx', true],
      ['watch=true&resourceVersion=abc', '4xx', true],
      ['watch=true&labelSelector=!!', '4xx', true],
      ['watch=true&fieldSelector=spec.bogus=1', '4xx', true],
      ['watch=maybe', '4xx'],
      ['allowWatchBookmarks=maybe&watch=true&timeoutSeconds=1', '4xx', true],
      ['sendInitialEvents=true', '4xx'],
      ['timeoutSeconds=abc', '4xx'],
    ]);
    const onItem = !q[2] && rng.chance(0.2) && (q[0].startsWith('resourceVersion=') || q[0].startsWith('watch=maybe'));
    return { category: `query(${q[0].slice(0, 50)})`, method: 'GET', path: `${onItem ? k.item : k.collection}?${q[0]}`, expect: q[1] };
  }],
  [5, (rng, ctx) => {
    const k = rng.pick(ctx.keep);
    const path = rng.pick([
      '/apis/nope.example.com/v1/things',
      '/apis/nope.example.com/v1/namespaces/fuzz-keep/things/x',
      '/api/v1/namespaces/fuzz-keep/things',
      '/api/v9/pods',
      '/apis/apps/v7/deployments',
      '/apis/fuzz.example.com/v2/widgets',
      `${k.item}/nosub`,
      `${k.item}/status/extra`,
      '/api/v1/namespaces/fuzz-keep/configmaps/a/b/c/d',
      '/api/v1/nodes/x/status/y',
      '/api/v1/namespaces/fuzz-keep/pods/%E0%A4%A',
      '/api/v1/namespaces/%ZZ/pods',
      '/api/v1/namespaces/fuzz-keep/configmaps/%00',
      '/api/v1/namespaces/fuzz-keep/configmaps/does-not-exist',
      '/apis/apps/v1/namespaces/fuzz-keep/deployments/missing/scale',
      '/no/such/path',
      '/openapi/v3/apis/nope/v1',
      `/api/v1/namespaces/fuzz-keep/${'x'.repeat(4000)}`,
      '/apis/%2e%2e/%2e%2e/etc/passwd',
    ]);
    const method = rng.pick(['GET', 'GET', 'GET', 'DELETE', 'POST', 'PUT', 'PATCH']);
    const body = method === 'GET' || method === 'DELETE' ? undefined : '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}}';
    return { category: `bad-path(${method} ${path.slice(0, 60)})`, method, path, body, contentType: method === 'PATCH' ? MERGE : JSON_CT, expect: '4xx' };
  }],
  [2, (rng, ctx) => {
    const k = rng.pick(ctx.keep);
    const c = rng.pick<[string, string]>([
      ['PUT', k.collection],
      ['PATCH', k.collection],
      ['POST', k.item],
      ['POST', '/version'],
      ['DELETE', '/api'],
      ['PUT', '/healthz'],
      ['POST', `${k.item}/status`],
    ]);
    return { category: `method-not-allowed(${c[0]})`, method: c[0], path: c[1], body: '{}', contentType: c[0] === 'PATCH' ? MERGE : JSON_CT, expect: '4xx' };
  }],
  [1, (rng, ctx) => {
    const k = rng.pick(ctx.keep);
    const tok = rng.pick([undefined, 'Bearer wrong', 'Bearer ', 'Basic Zm9vOmJhcg==', 'Bearer ' + 'x'.repeat(4000)]);
    return { category: 'unauthenticated', method: rng.pick(['GET', 'DELETE']), path: k.item, anonymous: true, headers: tok ? { Authorization: tok } : {}, expect: '4xx' };
  }],
  [1, (rng, ctx) => {
    const k = rng.pick(ctx.keep);
    const accept = rng.pick(['text/html', 'application/xml', 'application/json;as=Table;g=meta.k8s.io;v=v9', 'application/json;as=Widget;g=meta.k8s.io;v=v1', 'image/*']);
    return { category: `not-acceptable(${accept})`, method: 'GET', path: k.collection, accept, expect: '4xx' };
  }],
  [3, (rng, ctx) => {
    const choice = rng.int(0, 5);
    const pods = ctx.keep.filter((k) => kindOf(k.obj) === 'Pod');
    const deploys = ctx.keep.filter((k) => kindOf(k.obj) === 'Deployment');
    const pod = rng.pick(pods);
    const dep = rng.pick(deploys);
    const pname = String((pod.obj['metadata'] as Record<string, Json>)['name']);
    if (choice === 0) return { category: 'scale-negative', method: 'PUT', path: `${dep.item}/scale`, body: JSON.stringify({ apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: String((dep.obj['metadata'] as Record<string, Json>)['name']) }, spec: { replicas: -1 } }), contentType: JSON_CT, expect: '4xx' };
    if (choice === 1) return { category: 'scale-patch-bad', method: 'PATCH', path: `${dep.item}/scale`, body: rng.pick(['{"spec":{"replicas":"x"}}', '{"spec":{"replicas":-3}}', '[]']), contentType: MERGE, expect: '4xx' };
    if (choice === 2) return { category: 'status-wrong-type', method: 'PATCH', path: `${pod.item}/status`, body: rng.pick(['{"status":{"phase":{"x":1}}}', '{"status":"running"}', '{"status":{"conditions":"x"}}']), contentType: MERGE, expect: '4xx' };
    if (choice === 3) return { category: 'binding-bad', method: 'POST', path: `${pod.item}/binding`, body: rng.pick(['{}', '{"apiVersion":"v1","kind":"Binding","metadata":{"name":"other"},"target":{"kind":"Node","name":"n1"}}', '{"target":"n1"}', `{"apiVersion":"v1","kind":"Binding","metadata":{"name":"${pname}"},"target":{"kind":"Node"}}`]), contentType: JSON_CT, expect: '4xx' };
    if (choice === 4) return { category: 'eviction-bad', method: 'POST', path: `${pod.item}/eviction`, body: rng.pick(['{}', '{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"someone-else"}}', '[]', `{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"${pname}"},"deleteOptions":{"preconditions":{"uid":"nope"}}}`]), contentType: JSON_CT, expect: '4xx' };
    return { category: 'status-put-bad', method: 'PUT', path: `${dep.item}/status`, body: JSON.stringify(setAt(dep.obj, ['status'], { replicas: 'many' })), contentType: JSON_CT, expect: '4xx' };
  }],
  [2, (rng, _ctx, n) => {
    // Bad custom resource definitions (cluster-scoped creates).
    const choice = rng.int(0, 4);
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `fz${n}s.fuzz.example.com` },
      spec: { group: 'fuzz.example.com', scope: 'Namespaced', names: { plural: `fz${n}s`, singular: `fz${n}`, kind: `Fz${n}` }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }] },
    };
    let body: Json = crd;
    if (choice === 0) body = setAt(crd, ['metadata', 'name'], 'wrong.name.example.com');
    else if (choice === 1) body = setAt(crd, ['spec', 'versions', 0, 'schema', 'openAPIV3Schema', 'type'], 'strnig');
    else if (choice === 2) body = setAt(crd, ['spec', 'scope'], 'Galactic');
    else if (choice === 3) body = setAt(crd, ['spec', 'versions'], []);
    else body = setAt(crd, ['spec', 'versions', 0, 'storage'], false);
    return post(`crd-bad(${choice})`, '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', JSON.stringify(body));
  }],
];

const totalWeight = gens.reduce((s, [w]) => s + w, 0);

/** The n-th case: one generator picked by weight, fed by the shared PRNG. */
export function generateCase(rng: Prng, ctx: FuzzContext, n: number): FuzzCase {
  let r = rng.next() * totalWeight;
  for (const [w, g] of gens) {
    if ((r -= w) < 0) return g(rng, ctx, n);
  }
  return gens[0]![1](rng, ctx, n);
}
