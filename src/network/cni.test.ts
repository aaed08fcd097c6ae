import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { cniAdd, cniDel, conflistForPod, tugboatConflist } from './cni.js';
import { runTool } from './exec.js';

it('drops portmap from our conflist for pods without hostPort, keeps it otherwise and for a user conflist', () => {
  const ours = tugboatConflist({ bridge: 'b', podCidr: '10.42.0.0/24', ipamDir: '/x' });
  assert.deepEqual(conflistForPod(ours, true, []).plugins.map((p) => p.type), ['bridge']);
  assert.deepEqual(conflistForPod(ours, true, [{ hostPort: 80, containerPort: 80, protocol: 'tcp' }]).plugins.map((p) => p.type), ['bridge', 'portmap']);
  assert.equal(conflistForPod(ours, false, []), ours);
  // The list it was given is left as it was.
  assert.deepEqual(ours.plugins.map((p) => p.type), ['bridge', 'portmap']);
});

it('creates the namespace with lo up in the first plugin’s process and deletes it with the last DEL', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root');
  const dir = mkdtempSync(join(tmpdir(), 'tug-cni-'));
  const ns = `tugcni${process.pid}`;
  try {
    // A fake plugin: records what it was asked and answers ADD with an address, failing when told to.
    writeFileSync(join(dir, 'fake'), `#!/bin/sh\ncat > "${dir}/conf-$CNI_COMMAND"\n[ -e "${dir}/fail" ] && { echo '{"code":7,"msg":"told to fail"}'; exit 1; }\n[ "$CNI_COMMAND" = ADD ] && echo '{"cniVersion":"1.0.0","ips":[{"address":"10.42.99.9/24"}]}'\nexit 0\n`, { mode: 0o755 });
    const list = { cniVersion: '1.0.0', name: 'test', plugins: [{ type: 'fake' }] };
    const inv = { containerId: 'c1', netns: `/run/netns/${ns}`, ifname: 'eth0' };
    const r = await cniAdd([dir], list, inv, { prepareNetns: ns });
    assert.equal(r.ips?.[0]?.address, '10.42.99.9/24');
    assert.ok(existsSync(`/run/netns/${ns}`));
    assert.match((await runTool('ip', ['-n', ns, 'link', 'show', 'lo'])).stdout, /[<,]UP[,>]/);
    // An existing namespace is reused, a failing plugin's own message comes through.
    writeFileSync(join(dir, 'fail'), '');
    await assert.rejects(cniAdd([dir], list, inv, { prepareNetns: ns }), /CNI fake ADD: told to fail/);
    await assert.rejects(cniDel([dir], list, inv, undefined, { removeNetns: ns }), /CNI fake DEL: told to fail/);
    // The namespace went even though the plugin failed.
    assert.ok(!existsSync(`/run/netns/${ns}`));
    await assert.rejects(cniAdd([dir], list, inv, { prepareNetns: 'bad/name' }), /ip netns add bad\/name/);
  } finally {
    if (existsSync(`/run/netns/${ns}`)) await runTool('ip', ['netns', 'del', ns]);
    rmSync(dir, { recursive: true, force: true });
  }
});
