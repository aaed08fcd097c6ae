// `kubectl exec -t` / `-it` against real pods (process runtime): the command runs on a pseudo-terminal. Real
// kubectl 1.27 (SPDY) and 1.33 (WebSockets) against a `tug server` child with its node agent. kubectl only asks
// for a tty when its own stdin is a terminal, so it runs under util-linux `script` too. SIGTERM stops the server
// at the end; whatever a dead server left is removed.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { clientFromKubeconfig, pods, type RestClient } from '../src/client/index.js';
import { haveAllTools, POD_NETWORK_TOOLS, requireRootAndTools, type Tool } from './support/require-tool.js';
import { startAgentCluster, stopAgentCluster } from './support/real-pods.js';
import type { TugCluster } from './support/tug-cluster.js';
import { kubectl, kubectlOnTty, kubectlTool } from './support/tug-server.js';

const VERSIONS = ['1.27', '1.33'];
const BRIDGE = 'tugt234';
const TOOLS: Tool[] = [
  ...POD_NETWORK_TOOLS,
  ['script', 'apt-get install bsdutils'],
  ...VERSIONS.map(kubectlTool),
];
const haveTools = process.getuid?.() === 0 && haveAllTools(TOOLS);
const dir = mkdtempSync(join(tmpdir(), 'tug-tty-e2e-'));
let server: TugCluster | undefined;
let api: RestClient;

function usable(t: TestContext): boolean {
  return requireRootAndTools(t, 'the tty suite needs root (pod network namespaces)', TOOLS) && !!server;
}

/** kubectl VERSION args on a terminal of 77x22 (a size the stty test can tell from a default), fed `input`, then EOF. */
const onTty = (v: string, args: string[], input = '') =>
  kubectlOnTty(v, args, { kubeconfig: server!.kubeconfig, cacheDir: join(dir, `cache-${v}`), home: dir, input, cols: 77, rows: 22 });

before(async () => {
  if (!haveTools) return;
  server = await startAgentCluster({ bridge: BRIDGE, podCidr: '10.42.234.0/24', nodeName: 'tug-tty' });
  api = clientFromKubeconfig(server.kubeconfig);
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'tty', namespace: 'default' },
    spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'] }] },
  };
  await api.create(pods, 'default', pod as never);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const p = await api.get<{ status?: { phase?: string } }>(pods, 'default', 'tty').catch(() => undefined);
    if (p?.status?.phase === 'Running') break;
    if (Date.now() > deadline) throw new Error(`pod did not run\n${server.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
});

after(async () => {
  api?.close();
  if (server) {
    await stopAgentCluster(server, BRIDGE, 'kubectl-tty');
  }
  rmSync(dir, { recursive: true, force: true });
});

for (const v of VERSIONS) {
  describe(`kubectl ${v} exec with a tty`, () => {
    it('exec -it runs the command on a pty; -t alone asks for none (kubectl drops tty without stdin)', async (t) => {
      if (!usable(t)) return;
      const r = await onTty(v, ['exec', '-it', 'tty', '--', 'tty']);
      assert.equal(r.code, 0, r.out);
      assert.match(r.out, /\/dev\/pts\/\d+/);
      const alone = await onTty(v, ['exec', '-t', 'tty', '--', 'tty']);
      assert.match(alone.out, /not a tty/);
      assert.equal(alone.code, 1, alone.out);
    });

    it('exec -it: stdin is a terminal, input reaches the command, exit code comes back', async (t) => {
      if (!usable(t)) return;
      const r = await onTty(v, ['exec', '-it', 'tty', '--', 'sh', '-c', 'read x; test -t 0 && echo "yes $x"; exit 3'], 'hi\n');
      assert.match(r.out, /yes hi/);
      assert.equal(r.code, 3, r.out);
    });

    it('exec -it: the pty takes the size of kubectl\'s terminal', async (t) => {
      if (!usable(t)) return;
      const r = await onTty(v, ['exec', '-it', 'tty', '--', 'stty', 'size']);
      assert.equal(r.code, 0, r.out);
      assert.match(r.out, /^22 77\r?$/m);
    });

    it('attach -i to a stdinOnce container: closing stdin is EOF for it', async (t) => {
      if (!usable(t)) return;
      const name = `once-${v.replace('.', '')}`;
      const pod = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace: 'default' },
        spec: {
          restartPolicy: 'Never',
          terminationGracePeriodSeconds: 1,
          containers: [{ name: 'main', image: 'busybox', stdin: true, stdinOnce: true, command: ['sh', '-c', 'while read l; do echo "got $l"; done; echo eof'] }],
        },
      };
      await api.create(pods, 'default', pod as never);
      const deadline = Date.now() + 30_000;
      while ((await api.get<{ status?: { phase?: string } }>(pods, 'default', name).catch(() => undefined))?.status?.phase !== 'Running') {
        if (Date.now() > deadline) throw new Error(`pod ${name} did not run`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const r = await kubectl(v, ['--kubeconfig', server!.kubeconfig, 'attach', '-i', name], { cacheDir: join(dir, `cache-${v}`), input: 'hello\n', timeoutMs: 30_000 });
      assert.match(r.stdout, /got hello\n/, r.stderr);
      for (;;) {
        const p = await api.get<{ status?: { phase?: string } }>(pods, 'default', name);
        if (p.status?.phase === 'Succeeded') break;
        if (Date.now() > deadline) throw new Error(`pod ${name} did not see EOF: ${p.status?.phase}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    });

    it('without a local terminal kubectl falls back to no tty', async (t) => {
      if (!usable(t)) return;
      const r = await kubectl(v, ['--kubeconfig', server!.kubeconfig, 'exec', '-it', 'tty', '--', 'sh', '-c', 'test -t 0 && echo tty || echo notty'], { cacheDir: join(dir, `cache-${v}`), timeoutMs: 30_000 });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'notty\n');
      assert.match(r.stderr, /Unable to use a TTY/);
    });
  });
}
