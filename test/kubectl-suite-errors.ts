// The error cases: each prints what kubectl prints against Kubernetes (the server's Status reason and message
// are Kubernetes' own words). Then authentication: bad credentials are refused, the admin kubeconfig works.
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { readFileSync } from 'node:fs';
import { makeCert } from '../src/apiserver/pki/certs.js';
import { fixture, nsName, type SuiteCtx } from './kubectl-suite-context.js';
import { kubectl } from './support/tug-server.js';

export async function errorCases(c: SuiteCtx): Promise<void> {
  const ns = nsName(c.v, 'errors');
  await c.ok(['create', 'namespace', ns]);
  const n = ['-n', ns];
  await c.ok([...n, 'apply', '-f', fixture('manifests/app.yaml')]);

  assert.equal(await c.fails([...n, 'get', 'configmap', 'missing']), 'Error from server (NotFound): configmaps "missing" not found\n');
  assert.equal(await c.fails([...n, 'get', 'deployment', 'missing']), 'Error from server (NotFound): deployments.apps "missing" not found\n');
  assert.equal(await c.fails(['get', 'namespace', 'missing']), 'Error from server (NotFound): namespaces "missing" not found\n');
  assert.equal(await c.fails(['get', 'foos']), 'error: the server doesn\'t have a resource type "foos"\n');

  const cm = c.file('exists.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\ndata:\n  a: b\n');
  assert.equal(await c.fails([...n, 'create', '-f', cm]), `Error from server (AlreadyExists): error when creating "${cm}": configmaps "app-config" already exists\n`);
  assert.equal(await c.fails([...n, 'create', 'configmap', 'app-config']), 'error: failed to create configmap: configmaps "app-config" already exists\n');
  assert.equal(await c.fails(['create', 'namespace', ns]), `Error from server (AlreadyExists): namespaces "${ns}" already exists\n`);

  const badName = c.file('bad-name.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n');
  assert.equal(
    await c.fails([...n, 'create', '-f', badName]),
    `The ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')\n`,
  );
  const mismatch = c.file('mismatch.yaml', `apiVersion: apps/v1
kind: Deployment
metadata:
  name: mismatch
spec:
  selector:
    matchLabels: {app: a}
  template:
    metadata:
      labels: {app: b}
    spec:
      containers:
      - name: c
        image: nginx
`);
  assert.equal(
    await c.fails([...n, 'apply', '-f', mismatch]),
    'The Deployment "mismatch" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"b"}: `selector` does not match template `labels`\n',
  );
  const twoErrors = c.file('two-errors.yaml', `apiVersion: apps/v1
kind: Deployment
metadata:
  name: two
spec:
  replicas: -1
  selector:
    matchLabels: {app: a}
  template:
    metadata:
      labels: {app: a}
    spec:
      containers:
      - name: c
`);
  assert.equal(
    await c.fails([...n, 'create', '-f', twoErrors]),
    'The Deployment "two" is invalid: \n* spec.replicas: Invalid value: -1: must be greater than or equal to 0\n* spec.template.spec.containers[0].image: Required value\n',
  );
  const typo = c.file('typo.yaml', readFileSync(fixture('manifests/app.yaml'), 'utf8').split('---\n')[1]!.replace('name: app\n', 'name: typo\n').replace('replicas: 2', 'replica: 2'));
  for (const verb of ['create', 'apply']) {
    assert.equal(
      await c.fails([...n, verb, '-f', typo]),
      `Error from server (BadRequest): error when creating "${typo}": Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.replica"\n`,
    );
  }

  // replace with a stale resourceVersion.
  const old = c.file('old.yaml', await c.ok([...n, 'get', 'cm', 'app-config', '-o', 'yaml']));
  await c.ok([...n, 'label', 'cm', 'app-config', 'bump=1']);
  assert.equal(
    await c.fails([...n, 'replace', '-f', old]),
    `Error from server (Conflict): error when replacing "${old}": Operation cannot be fulfilled on configmaps "app-config": the object has been modified; please apply your changes to the latest version and try again\n`,
  );

  // A body naming another namespace: kubectl refuses it itself; the server refuses it too (sent raw).
  const other = c.file('other-ns.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: elsewhere\n  namespace: other\n');
  assert.equal(
    await c.fails([...n, 'create', '-f', other]),
    `error: the namespace from the provided object "other" does not match the namespace "${ns}". You must pass '--namespace=other' to perform this operation.\n`,
  );
  assert.equal(
    await c.fails(['create', '--raw', `/api/v1/namespaces/${ns}/configmaps`, '-f', c.file('other-ns.json', JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'elsewhere', namespace: 'other' } }))]),
    'Error from server (BadRequest): the namespace of the provided object does not match the namespace sent on the request\n',
  );

  // Creating in a namespace being deleted (a finalizer keeps it Terminating).
  const term = nsName(c.v, 'terminating');
  await c.ok(['create', 'namespace', term]);
  await c.ok(['-n', term, 'create', 'configmap', 'keep']);
  await c.ok(['-n', term, 'patch', 'configmap', 'keep', '--type=merge', '-p', '{"metadata":{"finalizers":["example.com/hold"]}}']);
  assert.equal(await c.ok(['delete', 'namespace', term, '--wait=false']), `namespace "${term}" deleted\n`);
  assert.match(await c.ok(['get', 'namespace', term]), new RegExp(`^${term}\\s+Terminating\\s+`, 'm'));
  assert.equal(
    await c.fails(['-n', term, 'apply', '-f', cm]),
    `Error from server (Forbidden): error when creating "${cm}": configmaps "app-config" is forbidden: unable to create new content in namespace ${term} because it is being terminated\n`,
  );
}

export async function authentication(c: SuiteCtx): Promise<void> {
  const ca = c.server.dataDir + '/pki/ca.crt';
  const base = ['--kubeconfig', '/dev/null', '-s', c.server.url, '--certificate-authority', ca];
  // A token the server never issued.
  const tok = await kubectl(c.v, [...base, '--token', 'not-a-token', 'get', 'namespaces']);
  assert.equal(tok.code, 1);
  assertUnauthorized(tok.stderr);
  // A client certificate from another CA, even one claiming system:masters.
  const rogueCa = makeCert({ commonName: 'rogue-ca', usage: 'ca', days: 1 });
  const rogue = makeCert({ commonName: 'admin', organizations: ['system:masters'], usage: 'client', days: 1 }, rogueCa);
  const crt = c.file('rogue.crt', rogue.cert);
  const key = c.file('rogue.key', rogue.key);
  const cert = await kubectl(c.v, [...base, '--client-certificate', crt, '--client-key', key, 'get', 'namespaces']);
  assert.equal(cert.code, 1);
  assertUnauthorized(cert.stderr);
  // With discovery cached, the 401 of the request itself is read as a Status: "(Unauthorized)".
  const cached = await kubectl(c.v, [...base, '--token', 'not-a-token', 'get', 'namespaces'], { cacheDir: c.cacheDir });
  assert.equal(cached.code, 1);
  assert.equal(cached.stderr.split('\n').filter((l) => l.startsWith('error:')).join('\n'), 'error: You must be logged in to the server (Unauthorized)');
  // A kubeconfig with a user and no credential: kubectl asks for a user name and gets none (as it does
  // against Kubernetes); sent anyway, such a request gets Kubernetes' 401 Status.
  const empty = c.file('no-credentials.yaml', `apiVersion: v1
kind: Config
clusters:
- name: tug
  cluster:
    server: ${c.server.url}
    certificate-authority: ${ca}
users:
- name: nobody
  user: {}
contexts:
- name: tug
  context: {cluster: tug, user: nobody}
current-context: tug
`);
  const none = await kubectl(c.v, ['--kubeconfig', empty, 'get', 'namespaces']);
  assert.equal(none.code, 1);
  assert.equal(none.stdout, 'Please enter Username: ');
  const anon = await rawGet(c.server.url + '/api/v1/namespaces', readFileSync(ca));
  assert.equal(anon.status, 401);
  assert.deepEqual(JSON.parse(anon.body), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
  const version = await rawGet(c.server.url + '/version', readFileSync(ca));
  assert.equal(version.status, 200);
  // And the admin kubeconfig works.
  assert.equal(await c.ok(['get', 'ns', 'default', '-o', 'name']), 'namespace/default\n');
}

/**
 * What kubectl prints for a 401 with an empty discovery cache, against Kubernetes too: discovery reads the
 * error body raw, so client-go words it itself ("the server has asked for the client to provide credentials"),
 * after logging each failed discovery attempt.
 */
function assertUnauthorized(stderr: string): void {
  const lines = stderr.split('\n').filter(Boolean);
  assert.equal(lines.at(-1), 'error: You must be logged in to the server (the server has asked for the client to provide credentials)', stderr);
  for (const l of lines.slice(0, -1)) assert.match(l, /^E\d{4} .*memcache\.go:\d+\] .*couldn't get current server API group list: the server has asked for the client to provide credentials/);
}

function rawGet(url: string, ca: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((res, rej) => {
    const req = request(url, { ca, method: 'GET' }, (r) => {
      let body = '';
      r.on('data', (d: Buffer) => (body += d.toString()));
      r.on('end', () => res({ status: r.statusCode ?? 0, body }));
    });
    req.on('error', rej);
    req.end();
  });
}
