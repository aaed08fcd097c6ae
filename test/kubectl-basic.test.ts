// Real kubectl (1.27, 1.30, 1.33) against an in-process Tugboat API server: the basic commands print what they
// print against Kubernetes.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { requireTool } from './support/require-tool.js';
import { kubectl, kubectlPath, startTugServer, type TugServer } from './support/tug-server.js';

const VERSIONS = ['1.27', '1.30', '1.32', '1.33'];

const manifest = (image: string) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  mode: fast
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  strategy:
    type: Recreate
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      restartPolicy: Always
      dnsPolicy: ClusterFirst
      containers:
      - name: web
        image: ${image}
        imagePullPolicy: IfNotPresent
        terminationMessagePath: /dev/termination-log
        terminationMessagePolicy: File
`;

describe('kubectl basics', () => {
  let server: TugServer;
  let dir: string;
  before(async () => {
    server = await startTugServer();
    dir = mkdtempSync(join(tmpdir(), 'tug-kubectl-'));
  });
  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const v of VERSIONS) {
    it(`kubectl ${v}`, async (t) => {
      if (!requireTool(t, kubectlPath(v), 'the Google Cloud SDK kubectl components')) return;
      const cacheDir = mkdtempSync(join(tmpdir(), `kc-${v}-`));
      const k = (args: string[], input?: string) => kubectl(v, args, { kubeconfig: server.kubeconfig, cacheDir, input });
      const ns = `ns-${v.replace('.', '-')}`;

      const nsList = await k(['get', 'ns']);
      assert.equal(nsList.code, 0, nsList.stderr);
      assert.match(nsList.stdout, /^NAME\s+STATUS\s+AGE\n/);
      assert.match(nsList.stdout, /^kube-system\s+Active\s+/m);

      const mk = await k(['create', 'namespace', ns]);
      assert.equal(mk.code, 0, mk.stderr);
      assert.equal(mk.stdout, `namespace/${ns} created\n`);

      const cm = await k(['-n', ns, 'create', 'configmap', 'app-config', '--from-literal=color=blue']);
      assert.equal(cm.code, 0, cm.stderr);
      assert.equal(cm.stdout, 'configmap/app-config created\n');

      const y = await k(['-n', ns, 'get', 'cm', 'app-config', '-o', 'yaml']);
      assert.equal(y.code, 0, y.stderr);
      assert.match(y.stdout, /^  color: blue$/m);
      assert.match(y.stdout, /^  resourceVersion: "\d+"$/m);
      assert.match(y.stdout, /^  uid: [0-9a-f-]{36}$/m);

      const file = join(dir, `m-${v}.yaml`);
      writeFileSync(file, manifest('nginx:1.25'));
      const a1 = await k(['-n', ns, 'apply', '-f', file]);
      assert.equal(a1.code, 0, a1.stderr);
      assert.equal(a1.stdout, 'configmap/settings created\ndeployment.apps/web created\n');
      const a2 = await k(['-n', ns, 'apply', '-f', file]);
      assert.equal(a2.stdout, 'configmap/settings unchanged\ndeployment.apps/web unchanged\n');
      writeFileSync(file, manifest('nginx:1.26'));
      const a3 = await k(['-n', ns, 'apply', '-f', file]);
      assert.equal(a3.code, 0, a3.stderr);
      assert.equal(a3.stdout, 'configmap/settings unchanged\ndeployment.apps/web configured\n');

      const wide = await k(['-n', ns, 'get', 'deploy', 'web', '-o', 'jsonpath={.spec.template.spec.containers[0].image} {.metadata.generation}']);
      assert.equal(wide.stdout, 'nginx:1.26 2');

      const all = await k(['get', 'cm', '-A', '--show-labels']);
      assert.match(all.stdout, /^NAMESPACE\s+NAME\s+DATA\s+AGE\s+LABELS\n/);
      assert.match(all.stdout, new RegExp(`^${ns}\\s+settings\\s+1\\s+\\S+\\s+<none>$`, 'm'));

      const del = await k(['-n', ns, 'delete', '-f', file]);
      assert.equal(del.code, 0, del.stderr);
      assert.equal(del.stdout, 'configmap "settings" deleted\ndeployment.apps "web" deleted\n');

      const nf = await k(['-n', ns, 'get', 'cm', 'settings']);
      assert.equal(nf.code, 1);
      assert.equal(nf.stderr, 'Error from server (NotFound): configmaps "settings" not found\n');

      const anon = await kubectl(v, ['--kubeconfig', '/dev/null', '-s', server.url, '--insecure-skip-tls-verify', '--token', 'wrong', 'get', 'ns'], { cacheDir });
      assert.equal(anon.code, 1);
      assert.match(anon.stderr, /error: You must be logged in to the server \(Unauthorized\)/);
      rmSync(cacheDir, { recursive: true, force: true });
    });
  }
});
