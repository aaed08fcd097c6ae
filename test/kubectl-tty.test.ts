// `kubectl exec -t` / `-it` against real pods (process runtime): the command runs on a pseudo-terminal. Real
// kubectl 1.27 (SPDY) and 1.33 (WebSockets) against a `tug server` child with its node agent. kubectl only asks
// for a tty when its own stdin is a terminal, so it runs under util-linux `script` too. SIGTERM stops the server
// at the end; whatever a dead server left is removed.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { clientFromKubeconfig, pods, type RestClient } from '../src/client/index.js';
import { shellQuote } from '../src/runtime/process/pty.js';
import { findTool, requireTool } from './support/require-tool.js';
import { startAgentCluster, stopAgentCluster } from './support/real-pods.js';
import type { TugCluster } from './support/tug-cluster.js';
import { kubectl, kubectlPath } from './support/tug-server.js';

const VERSIONS = ['1.27', '1.33'];
const BRIDGE = 'tugt234';
const isRoot = process.getuid?.() === 0;
const haveTools = isRoot && !!findTool('/usr/lib/cni/bridge') && !!findTool('nft') && !!findTool('script') && VERSIONS.every((v) => findTool(kubectlPath(v)));
const dir = mkdtempSync(join(tmpdir(), 'tug-tty-e2e-'));
let server: TugCluster | undefined;
let api: RestClient;

function usable(t: TestContext): boolean {
  if (!isRoot) {
    if (process.env.CI === 'true') throw new Error('the tty suite needs root (pod network namespaces)');
    t.skip('needs root for pod network namespaces');
    return false;
  }
  if (!requireTool(t, '/usr/lib/cni/bridge', 'apt-get install containernetworking-plugins')) return false;
  if (!requireTool(t, 'nft', 'apt-get install nftables')) return false;
  if (!requireTool(t, 'script', 'apt-get install bsdutils')) return false;
  for (const v of VERSIONS) if (!requireTool(t, kubectlPath(v), `gcloud components install kubectl (${v})`)) return false;
  return !!server;
}

/** kubectl VERSION args on a terminal of its own (util-linux `script`), fed `input` and then EOF. */
function kubectlOnTty(v: string, args: string[], input = ''): Promise<{ code: number; out: string }> {
  // A known terminal size, which kubectl sends on and the pod's pty must take.
  const cmd = 'stty cols 77 rows 22; exec ' + shellQuote([kubectlPath(v), '--kubeconfig', server!.kubeconfig, '--cache-dir', join(dir, `cache-${v}`), ...args]);
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-q', '-e', '-c', cmd, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, TERM: 'dumb' } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, out });
    });
    child.stdin.on('error', () => undefined);
    // Give kubectl time to set its terminal up before typing into it; EOF after that ends script's input.
    setTimeout(() => child.stdin.end(input), 1500);
  });
}

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
    const { left } = await stopAgentCluster(server, BRIDGE);
    if (left.length) process.stderr.write(`kubectl-tty: removed leftovers of a dead server: ${left.join(', ')}\n`);
  }
  rmSync(dir, { recursive: true, force: true });
});

for (const v of VERSIONS) {
  describe(`kubectl ${v} exec with a tty`, () => {
    it('exec -it runs the command on a pty; -t alone asks for none (kubectl drops tty without stdin)', async (t) => {
      if (!usable(t)) return;
      const r = await kubectlOnTty(v, ['exec', '-it', 'tty', '--', 'tty']);
      assert.equal(r.code, 0, r.out);
      assert.match(r.out, /\/dev\/pts\/\d+/);
      const alone = await kubectlOnTty(v, ['exec', '-t', 'tty', '--', 'tty']);
      assert.match(alone.out, /not a tty/);
      assert.equal(alone.code, 1, alone.out);
    });

    it('exec -it: stdin is a terminal, input reaches the command, exit code comes back', async (t) => {
      if (!usable(t)) return;
      const r = await kubectlOnTty(v, ['exec', '-it', 'tty', '--', 'sh', '-c', 'read x; test -t 0 && echo "yes $x"; exit 3'], 'hi\n');
      assert.match(r.out, /yes hi/);
      assert.equal(r.code, 3, r.out);
    });

    it('exec -it: the pty takes the size of kubectl\'s terminal', async (t) => {
      if (!usable(t)) return;
      const r = await kubectlOnTty(v, ['exec', '-it', 'tty', '--', 'stty', 'size']);
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
