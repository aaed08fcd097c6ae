// Real kubectl against an in-process Tugboat API server: what admission adds to pods, service account tokens
// (`kubectl create token`, used as a credential), `kubectl auth can-i` and `kubectl auth whoami`.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { requireTool } from './support/require-tool.js';
import { kubectl, kubectlPath, startTugServer, type TugServer } from './support/tug-server.js';

const VERSIONS = ['1.33', '1.32', '1.28'];

describe('kubectl: admission, tokens and auth reviews', () => {
  let server: TugServer;
  let dir: string;
  before(async () => {
    server = await startTugServer();
    dir = mkdtempSync(join(tmpdir(), 'tug-kubectl-admission-'));
  });
  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const v of VERSIONS) {
    it(`kubectl ${v}`, async (t) => {
      if (!requireTool(t, kubectlPath(v), 'the Google Cloud SDK kubectl components')) return;
      const cacheDir = mkdtempSync(join(dir, `kc-${v}-`));
      const ns = `adm-${v.replace('.', '-')}`;
      const k = (args: string[], kubeconfig = server.kubeconfig) => kubectl(v, args, { kubeconfig, cacheDir });
      const ok = async (args: string[]) => {
        const r = await k(args);
        assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
        return r.stdout;
      };

      await ok(['create', 'namespace', ns]);
      // No serviceaccount controller runs in this API-only server: make the accounts by hand.
      await ok(['-n', ns, 'create', 'serviceaccount', 'default']);
      await ok(['-n', ns, 'create', 'serviceaccount', 'robot']);

      // Admission: tolerations, service account, token volume, priority.
      await ok(['-n', ns, 'run', 'web', '--image=nginx']);
      const pod = JSON.parse(await ok(['-n', ns, 'get', 'pod', 'web', '-o', 'json']));
      assert.equal(pod.spec.serviceAccountName, 'default');
      assert.equal(pod.spec.priority, 0);
      assert.deepEqual(pod.spec.tolerations.map((x: { key: string; tolerationSeconds: number }) => `${x.key}=${x.tolerationSeconds}`), [
        'node.kubernetes.io/not-ready=300',
        'node.kubernetes.io/unreachable=300',
      ]);
      const vol = pod.spec.volumes.find((x: { name: string }) => x.name.startsWith('kube-api-access-'));
      assert.ok(vol, JSON.stringify(pod.spec.volumes));
      assert.deepEqual(pod.spec.containers[0].volumeMounts, [{ name: vol.name, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }]);

      // kubectl auth can-i / whoami as the admin.
      assert.equal(await ok(['auth', 'can-i', 'create', 'pods']), 'yes\n');
      const me = await ok(['auth', 'whoami', '-o', 'json']);
      assert.equal(JSON.parse(me).status.userInfo.username, 'admin');

      // A token for robot, then kubectl with it is robot.
      const token = (await ok(['-n', ns, 'create', 'token', 'robot', '--duration=1h'])).trim();
      assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
      const kc = join(dir, `robot-${v}.yaml`);
      writeFileSync(kc, robotKubeconfig(server, token));
      const who = await k(['auth', 'whoami'], kc);
      assert.equal(who.code, 0, who.stderr);
      assert.match(who.stdout, new RegExp(`system:serviceaccount:${ns}:robot`));
      const missing = await k(['-n', ns, 'create', 'token', 'nobody']);
      assert.notEqual(missing.code, 0);
      assert.match(missing.stderr, /serviceaccounts "nobody" not found/);
    });
  }
});

/** The admin kubeconfig's cluster with the robot's bearer token as the only credential. */
function robotKubeconfig(server: TugServer, token: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: tug`,
    `  cluster: {server: "${server.url}", insecure-skip-tls-verify: true}`,
    'users:',
    `- name: robot`,
    `  user: {token: "${token}"}`,
    'contexts:',
    `- name: robot`,
    `  context: {cluster: tug, user: robot}`,
    'current-context: robot',
    '',
  ].join('\n');
}
