// Changing objects: create (configmap, secret generic and tls, namespace, deployment), edit, patch in all
// three types, label, annotate, scale, set image, wait and delete.
import assert from 'node:assert/strict';
import { chmodSync } from 'node:fs';
import { makeCert } from '../src/apiserver/pki/certs.js';
import { fixture, nsName, settledNamespace, type SuiteCtx } from './kubectl-suite-context.js';

export async function createCommands(c: SuiteCtx): Promise<void> {
  const ns = nsName(c.v, 'create');
  assert.equal(await c.ok(['create', 'namespace', ns]), `namespace/${ns} created\n`);
  const n = ['-n', ns];
  assert.equal(await c.ok([...n, 'create', 'configmap', 'literal', '--from-literal=color=blue', '--from-literal=size=2']), 'configmap/literal created\n');
  const envFile = c.file('app.env', 'MODE=fast\nLEVEL=3\n');
  assert.equal(await c.ok([...n, 'create', 'configmap', 'fromfile', `--from-env-file=${envFile}`]), 'configmap/fromfile created\n');
  assert.equal(await c.ok([...n, 'get', 'cm', 'fromfile', '-o', 'jsonpath={.data.MODE},{.data.LEVEL}']), 'fast,3');
  assert.equal(await c.ok([...n, 'create', 'secret', 'generic', 'creds', '--from-literal=user=admin', '--from-literal=pass=s3cret']), 'secret/creds created\n');
  assert.equal(await c.ok([...n, 'get', 'secret', 'creds', '-o', 'jsonpath={.type} {.data.pass}']), `Opaque ${Buffer.from('s3cret').toString('base64')}`);
  const tls = makeCert({ commonName: 'web.example.com', sans: ['web.example.com'], usage: 'server', days: 1 });
  const crt = c.file('tls.crt', tls.cert);
  const key = c.file('tls.key', tls.key);
  assert.equal(await c.ok([...n, 'create', 'secret', 'tls', 'web-tls', `--cert=${crt}`, `--key=${key}`]), 'secret/web-tls created\n');
  const secrets = await c.ok([...n, 'get', 'secrets']);
  assert.match(secrets, /^NAME\s+TYPE\s+DATA\s+AGE\ncreds\s+Opaque\s+2\s+\d+s\nweb-tls\s+kubernetes\.io\/tls\s+2\s+\d+s\n$/);
  const described = await c.ok([...n, 'describe', 'secret', 'web-tls']);
  // describe walks the data map in Go's random order.
  assert.match(described, new RegExp(`^tls\\.crt:  ${Buffer.byteLength(tls.cert)} bytes$`, 'm'));
  assert.match(described, new RegExp(`^tls\\.key:  ${Buffer.byteLength(tls.key)} bytes$`, 'm'));

  // kubectl 1.32+ send protobuf for `create deployment`: older versions send JSON.
  if (c.v === '1.27' || c.v === '1.30') {
    assert.equal(await c.ok([...n, 'create', 'deployment', 'made', '--image=nginx:1.25', '--replicas=2', '--port=80']), 'deployment.apps/made created\n');
    const d = await c.ok([...n, 'get', 'deploy', 'made', '-o', 'wide']);
    assert.match(d, /^made\s+\d\/2\s+\d\s+\d\s+\d+s\s+nginx\s+nginx:1\.25\s+app=made$/m);
  }
}

export async function editAndPatch(c: SuiteCtx): Promise<void> {
  const ns = nsName(c.v, 'patch');
  await c.ok(['create', 'namespace', ns]);
  const n = ['-n', ns];
  await c.ok([...n, 'apply', '-f', fixture('manifests/app.yaml')]);

  // edit: EDITOR is a script that changes the file kubectl hands it.
  const editor = c.file('editor.sh', '#!/bin/sh\nsed -i -e "s/color: blue/color: green/" -e "s/replicas: 2/replicas: 4/" "$1"\n');
  chmodSync(editor, 0o755);
  const env = { EDITOR: editor, KUBE_EDITOR: editor };
  assert.equal(await c.ok([...n, 'edit', 'configmap', 'app-config'], { env }), 'configmap/app-config edited\n');
  assert.equal(await c.ok([...n, 'edit', 'deployment/app'], { env }), 'deployment.apps/app edited\n');
  assert.equal(await c.ok([...n, 'get', 'cm', 'app-config', '-o', 'jsonpath={.data.color}']), 'green');
  assert.equal(await c.ok([...n, 'get', 'deploy', 'app', '-o', 'jsonpath={.spec.replicas}']), '4');
  const noop = c.file('noop.sh', '#!/bin/sh\ntrue\n');
  chmodSync(noop, 0o755);
  const r = await c.k([...n, 'edit', 'configmap', 'app-config'], { env: { EDITOR: noop } });
  assert.equal(r.stderr, 'Edit cancelled, no changes made.\n');

  // Strategic merge patch merges the containers list by name.
  assert.equal(
    await c.ok([...n, 'patch', 'deployment', 'app', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"busybox:1.37"}]}}}}']),
    'deployment.apps/app patched\n',
  );
  assert.equal(await c.ok([...n, 'get', 'deploy', 'app', '-o', 'jsonpath={.spec.template.spec.containers[0].command[0]} {.spec.template.spec.containers[0].image}']), 'sleep busybox:1.37');
  assert.equal(
    await c.ok([...n, 'patch', 'deployment', 'app', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"busybox:1.37"}]}}}}']),
    'deployment.apps/app patched (no change)\n',
  );
  // A merge patch replaces lists and deletes with null.
  assert.equal(await c.ok([...n, 'patch', 'cm', 'app-config', '--type', 'merge', '-p', '{"data":{"color":null,"shape":"round"}}']), 'configmap/app-config patched\n');
  assert.equal(await c.ok([...n, 'get', 'cm', 'app-config', '-o', 'jsonpath={.data}']), '{"shape":"round"}');
  assert.equal(
    await c.ok([...n, 'patch', 'deploy', 'app', '--type', 'json', '-p', '[{"op":"replace","path":"/spec/replicas","value":5},{"op":"add","path":"/metadata/labels/patched","value":"json"}]']),
    'deployment.apps/app patched\n',
  );
  assert.equal(await c.ok([...n, 'get', 'deploy', 'app', '-o', 'jsonpath={.spec.replicas} {.metadata.labels.patched}']), '5 json');
  assert.equal(
    await c.fails([...n, 'patch', 'deploy', 'app', '--type', 'json', '-p', '[{"op":"test","path":"/spec/replicas","value":1}]']),
    'The request is invalid: the server rejected our request due to an error in our request\n',
  );
  assert.equal(
    await c.fails([...n, 'patch', 'deploy', 'app', '--type', 'merge', '-p', '{"spec":{"replicas":"many"}}']),
    `Error from server (BadRequest): Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32\n`,
  );
}

export async function labelsAndScale(c: SuiteCtx): Promise<void> {
  const ns = nsName(c.v, 'label');
  await settledNamespace(c, ns);
  const n = ['-n', ns];
  await c.ok([...n, 'apply', '-f', fixture('manifests/app.yaml')]);

  assert.equal(await c.ok([...n, 'label', 'cm', 'app-config', 'team=a']), 'configmap/app-config labeled\n');
  assert.equal(await c.fails([...n, 'label', 'cm', 'app-config', 'team=b']), "error: 'team' already has a value (a), and --overwrite is false\n");
  assert.equal(await c.ok([...n, 'label', 'cm', 'app-config', 'team=b', '--overwrite']), 'configmap/app-config labeled\n');
  assert.equal(await c.ok([...n, 'label', 'cm', 'app-config', 'team-']), 'configmap/app-config unlabeled\n');
  assert.match(await c.ok([...n, 'get', 'cm', '--show-labels']), /^NAME\s+DATA\s+AGE\s+LABELS\napp-config\s+1\s+\d+s\s+tier=backend\nkube-root-ca\.crt\s+1\s+\d+s\s+<none>\n$/);

  // 1.27 prints "annotate" (its print flags' operation name); later versions "annotated".
  const annotated = c.v === '1.27' ? 'annotate' : 'annotated';
  assert.equal(await c.ok([...n, 'annotate', 'cm', 'app-config', 'owner=x']), `configmap/app-config ${annotated}\n`);
  assert.equal(
    await c.fails([...n, 'annotate', 'cm', 'app-config', 'owner=y']),
    "error: --overwrite is false but found the following declared annotation(s): 'owner' already has a value (x)\n",
  );
  assert.equal(await c.ok([...n, 'annotate', 'cm', 'app-config', 'owner=y', '--overwrite']), `configmap/app-config ${annotated}\n`);
  assert.equal(await c.ok([...n, 'get', 'cm', 'app-config', '-o', 'jsonpath={.metadata.annotations.owner}']), 'y');

  assert.equal(await c.ok([...n, 'scale', 'deployment', 'app', '--replicas=3']), 'deployment.apps/app scaled\n');
  assert.match(await c.fails([...n, 'scale', 'deployment', 'app', '--current-replicas=2', '--replicas=4']), /Expected replicas to be 2, was 3/);
  assert.equal(await c.ok([...n, 'get', 'deploy', 'app', '-o', 'jsonpath={.spec.replicas}']), '3');
  assert.equal(await c.ok([...n, 'set', 'image', 'deployment/app', 'app=busybox:1.37']), 'deployment.apps/app image updated\n');
  assert.equal(await c.ok([...n, 'get', 'deploy', 'app', '-o', 'jsonpath={.spec.template.spec.containers[0].image} {.metadata.generation}']), 'busybox:1.37 3');
}

export async function waitAndDelete(c: SuiteCtx): Promise<void> {
  const ns = nsName(c.v, 'wait');
  await c.ok(['create', 'namespace', ns]);
  const n = ['-n', ns];
  await c.ok([...n, 'apply', '-f', fixture('manifests/app.yaml')]);
  assert.equal(await c.ok([...n, 'wait', '--for=jsonpath={.spec.replicas}=2', 'deployment/app', '--timeout=10s']), 'deployment.apps/app condition met\n');

  // (wait --for=condition on a status written through the status subresource: see the CRD area, where no
  // controller rewrites the conditions.) The main resource does not write status.
  await c.ok([...n, 'patch', 'deployment', 'app', '--type=merge', '-p', '{"status":{"collisionCount":7}}']);
  assert.equal(await c.ok([...n, 'get', 'deploy', 'app', '-o', 'jsonpath={.status.collisionCount}']), '');
  const timeout = await c.k([...n, 'wait', '--for=condition=SuiteNeverSet', 'deployment/app', '--timeout=1s']);
  assert.equal(timeout.code, 1);
  assert.equal(timeout.stderr, 'error: timed out waiting for the condition on deployments/app\n');

  // Delete only once wait is watching (its -v=6 log shows the watch request answered).
  const gone = c.stream([...n, 'wait', '--for=delete', 'configmap/app-config', '--timeout=20s', '-v=6']);
  try {
    await gone.waitFor(/\/configmaps\?[^\s"]*watch=true.*200 OK/, 15_000, 'stderr');
    assert.equal(await c.ok([...n, 'delete', 'configmap', 'app-config']), 'configmap "app-config" deleted\n');
    assert.equal(await gone.waitFor(/condition met\n/), 'configmap/app-config condition met\n');
  } finally {
    await gone.stop();
  }
  assert.equal(await c.ok([...n, 'delete', 'deployment', 'app']), 'deployment.apps "app" deleted\n');
  assert.equal(await c.fails([...n, 'delete', 'configmap', 'app-config']), 'Error from server (NotFound): configmaps "app-config" not found\n');
  assert.equal(await c.ok([...n, 'delete', 'configmap', 'app-config', '--ignore-not-found']), '');
  assert.equal(await c.ok(['delete', 'namespace', ns, '--wait=false']), `namespace "${ns}" deleted\n`);
}
