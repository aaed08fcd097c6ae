// Needs root and containernetworking-plugins; skipped otherwise. Uses its own bridge and subnet, cleans up all.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { runTool } from './exec.js';
import { createPodNetwork, netnsName } from './pod-network.js';

const root = mkdtempSync(join(tmpdir(), 'tug-net-'));
after(() => rmSync(root, { recursive: true, force: true }));

it('gives pods their own namespaces and addresses on one bridge, reachable from each other', async (t) => {
  const net = await createPodNetwork({ dataDir: root, podCidr: '10.42.201.0/24', bridge: 'tugt201', hostIP: '127.0.0.1' });
  if (net.mode === 'host') return t.skip(net.warning ?? 'no CNI');
  try {
    const pod = (uid: string) => ({ podUid: uid, namespace: 'default', name: uid, hostname: uid, hostNetwork: false, podDir: join(root, uid) });
    const a = await net.setUp(pod('aaaaaaaa-0000-0000-0000-000000000001'));
    const b = await net.setUp(pod('bbbbbbbb-0000-0000-0000-000000000002'));
    assert.match(a.ip, /^10\.42\.201\.\d+$/);
    assert.notEqual(a.ip, b.ip);
    assert.ok(a.netnsPath && existsSync(a.netnsPath));
    // Loopback is up inside the pod (set with ip, not the loopback plugin).
    assert.match((await runTool('ip', ['-n', netnsName('aaaaaaaa-0000-0000-0000-000000000001'), 'link', 'show', 'lo'])).stdout, /[<,]UP[,>]/);
    // Idempotent: asking again (agent restart) gives the same address.
    assert.deepEqual(await net.setUp(pod('aaaaaaaa-0000-0000-0000-000000000001')), a);
    const server = spawn('ip', ['netns', 'exec', netnsName('aaaaaaaa-0000-0000-0000-000000000001'), process.execPath, '-e',
      `require('net').createServer(s=>s.end('hi from a')).listen(8080,'${a.ip}',()=>console.log('up'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((r) => server.stdout.once('data', r));
    const r = await runTool('ip', ['netns', 'exec', netnsName('bbbbbbbb-0000-0000-0000-000000000002'), process.execPath, '-e',
      `const s=require('net').connect(8080,'${a.ip}');s.on('data',d=>process.stdout.write(d));s.on('error',e=>{console.error(e.message);process.exit(1)})`]);
    server.kill('SIGKILL');
    assert.equal(r.stdout, 'hi from a', r.stderr);
    // Addresses outside the cluster are not forwarded out of a pod.
    const nft = await runTool('nft', ['list', 'chain', 'inet', 'tugboat', 'forward-guard-tugt201']);
    assert.match(nft.stdout, /drop/);
    await net.tearDown('bbbbbbbb-0000-0000-0000-000000000002');
    assert.ok(!existsSync(`/run/netns/${netnsName('bbbbbbbb-0000-0000-0000-000000000002')}`));
  } finally {
    await net.cleanup();
  }
  assert.equal((await runTool('ip', ['link', 'show', 'tugt201'])).code !== 0, true);
  assert.equal((await runTool('nft', ['list', 'chain', 'inet', 'tugboat', 'forward-guard-tugt201'])).code !== 0, true);
});
