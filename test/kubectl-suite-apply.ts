// apply -f (multi-document file, directory), apply -k (base, dev and prod overlays), apply again, diff,
// --dry-run=server and server-side apply with a conflict.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fixture, nsName, type SuiteCtx } from './kubectl-suite-context.js';

export async function applyFiles(c: SuiteCtx): Promise<void> {
  const ns = nsName(c.v, 'apply');
  assert.equal(await c.ok(['create', 'namespace', ns]), `namespace/${ns} created\n`);
  const n = ['-n', ns];
  const app = fixture('manifests/app.yaml');
  assert.equal(await c.ok([...n, 'apply', '-f', app]), 'configmap/app-config created\ndeployment.apps/app created\n');
  assert.equal(await c.ok([...n, 'apply', '-f', fixture('manifests/dir')]), 'configmap/dir-one created\nservice/dir-svc created\n');
  assert.equal(await c.ok([...n, 'apply', '-f', app]), 'configmap/app-config unchanged\ndeployment.apps/app unchanged\n');
  assert.equal(await c.ok([...n, 'apply', '-f', fixture('manifests/dir')]), 'configmap/dir-one unchanged\nservice/dir-svc unchanged\n');

  // diff: 0 and nothing printed when live matches; 1 and a unified diff of the change otherwise.
  assert.equal(await c.ok([...n, 'diff', '-f', app]), '');
  const changed = c.file('app-3.yaml', readFileSync(app, 'utf8').replace('replicas: 2', 'replicas: 3').replace('color: blue', 'color: red'));
  const d = await c.k([...n, 'diff', '-f', changed]);
  assert.equal(d.code, 1, d.stderr);
  assert.match(d.stdout, /^diff -u -N \S+\/v1\.ConfigMap\.[\w-]+\.app-config \S+\/v1\.ConfigMap\.[\w-]+\.app-config$/m);
  assert.match(d.stdout, /^-  color: blue\n\+  color: red$/m);
  assert.match(d.stdout, /^-  generation: 1\n\+  generation: 2$/m);
  assert.match(d.stdout, /^-  replicas: 2\n\+  replicas: 3$/m);
  // diff is a server-side dry run: nothing changed.
  assert.equal(await c.ok([...n, 'get', 'deploy', 'app', '-o', 'jsonpath={.spec.replicas} {.metadata.generation}']), '2 1');

  assert.equal(await c.ok([...n, 'apply', '-f', changed]), 'configmap/app-config configured\ndeployment.apps/app configured\n');
  assert.equal(await c.ok([...n, 'get', 'deploy', 'app', '-o', 'jsonpath={.spec.replicas} {.metadata.generation}']), '3 2');

  // --dry-run=server: the answer says created, nothing is stored.
  const dry = c.file('dry.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dry\ndata:\n  a: b\n');
  assert.equal(await c.ok([...n, 'apply', '-f', dry, '--dry-run=server']), 'configmap/dry created (server dry run)\n');
  assert.equal(await c.ok([...n, 'create', 'configmap', 'dry', '--from-literal=a=b', '--dry-run=server']), 'configmap/dry created (server dry run)\n');
  assert.equal(await c.fails([...n, 'get', 'configmap', 'dry']), 'Error from server (NotFound): configmaps "dry" not found\n');
  assert.equal(await c.ok([...n, 'scale', 'deploy', 'app', '--replicas=9', '--dry-run=server']), 'deployment.apps/app scaled (server dry run)\n');
  assert.equal(await c.ok([...n, 'get', 'deploy', 'app', '-o', 'jsonpath={.spec.replicas}']), '3');
}

export async function applyKustomize(c: SuiteCtx): Promise<void> {
  const ns = nsName(c.v, 'kustomize');
  await c.ok(['create', 'namespace', ns]);
  const n = ['-n', ns];
  assert.equal(
    await c.ok([...n, 'apply', '-k', fixture('kustomize/base')]),
    'configmap/web-settings created\nservice/web created\ndeployment.apps/web created\n',
  );
  for (const [env, replicas, hash] of [['dev', 1, '47668c6k28'], ['prod', 3, 'dfk4bdbtkk']] as const) {
    const dir = fixture(`kustomize/overlays/${env}`);
    const names = [`configmap/${env}-web-env-${hash}`, `configmap/${env}-web-settings`, `service/${env}-web`, `deployment.apps/${env}-web`];
    assert.equal(await c.ok([...n, 'apply', '-k', dir]), names.map((x) => `${x} created\n`).join(''));
    assert.equal(await c.ok([...n, 'apply', '-k', dir]), names.map((x) => `${x} unchanged\n`).join(''));
    assert.equal(await c.ok([...n, 'diff', '-k', dir]), '');
    const got = await c.ok([
      ...n, 'get', 'deploy', `${env}-web`, '-o',
      'jsonpath={.spec.replicas} {.metadata.labels.env} {.spec.selector.matchLabels.env} {.spec.template.spec.containers[0].envFrom[1].configMapRef.name}',
    ]);
    assert.equal(got, `${replicas} ${env} ${env} ${env}-web-env-${hash}`);
  }
  // The overlays' labels select their own objects only.
  const prod = await c.ok([...n, 'get', 'deploy,svc,cm', '-l', 'env=prod', '-o', 'name']);
  assert.equal(prod, `deployment.apps/prod-web\nservice/prod-web\nconfigmap/prod-web-env-dfk4bdbtkk\nconfigmap/prod-web-settings\n`);
  // READY, UP-TO-DATE and AVAILABLE move as the controllers work.
  const wide = await c.ok([...n, 'get', 'deploy', '-o', 'wide']);
  assert.match(wide, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR\n/);
  assert.match(wide, /^dev-web\s+\d\/1\s+\d\s+\d\s+\d+s\s+web\s+nginx:1\.25\s+app=web,env=dev$/m);
  assert.match(wide, /^prod-web\s+\d\/3\s+\d\s+\d\s+\d+s\s+web\s+nginx:1\.25\s+app=web,env=prod$/m);
  assert.match(wide, /^web\s+\d\/1\s+\d\s+\d\s+\d+s\s+web\s+nginx:1\.25\s+app=web$/m);
}

export async function serverSideApply(c: SuiteCtx): Promise<void> {
  const ns = nsName(c.v, 'ssa');
  await c.ok(['create', 'namespace', ns]);
  const n = ['-n', ns];
  const doc = (owner: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared\ndata:\n  owner: ${owner}\n  size: small\n`;
  assert.equal(await c.ok([...n, 'apply', '--server-side', '-f', c.file('ssa-1.yaml', doc('first'))]), 'configmap/shared serverside-applied\n');
  assert.equal(await c.ok([...n, 'apply', '--server-side', '-f', c.file('ssa-1.yaml', doc('first'))]), 'configmap/shared serverside-applied\n');
  const second = c.file('ssa-2.yaml', doc('second'));
  const err = await c.fails([...n, 'apply', '--server-side', '--field-manager=other', '-f', second]);
  assert.ok(
    err.startsWith('error: Apply failed with 1 conflict: conflict with "kubectl": .data.owner\nPlease review the fields above--they currently have other managers.'),
    err,
  );
  assert.equal(
    await c.ok([...n, 'apply', '--server-side', '--field-manager=other', '--force-conflicts', '-f', second]),
    'configmap/shared serverside-applied\n',
  );
  const managed = JSON.parse(await c.ok([...n, 'get', 'cm', 'shared', '-o', 'json', '--show-managed-fields'])) as {
    data: Record<string, string>;
    metadata: { managedFields: { manager: string; operation: string; fieldsV1: { 'f:data': Record<string, unknown> } }[] };
  };
  assert.equal(managed.data['owner'], 'second');
  const byManager = Object.fromEntries(managed.metadata.managedFields.map((m) => [m.manager, [m.operation, Object.keys(m.fieldsV1['f:data']).sort()]]));
  // "other" took .data.owner; both still own .data.size, whose value they agree on.
  assert.deepEqual(byManager, { kubectl: ['Apply', ['f:size']], other: ['Apply', ['f:owner', 'f:size']] });
}
