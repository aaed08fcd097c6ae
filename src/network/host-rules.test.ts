// Claims of the cluster's address ranges by several pod networks at once (parallel suites, a server and an agent
// starting together). Needs root, ip and nft: skipped otherwise (a failure when CI=true). Cleans up its chains.
import assert from 'node:assert/strict';
import { it, type TestContext } from 'node:test';
import { runTool } from './exec.js';
import { claimAddresses, releaseAddresses, type Claim } from './host-rules.js';

async function usable(t: TestContext): Promise<boolean> {
  const why = process.getuid?.() !== 0 ? 'needs root (routes and nftables)' : (await runTool('nft', ['--version']).catch(() => ({ code: 1 }))).code !== 0 ? 'nft not found: apt-get install nftables' : undefined;
  if (!why) return true;
  if (process.env.CI === 'true') throw new Error(why);
  t.skip(why);
  return false;
}

const routes = async () => ({
  blackhole: (await runTool('ip', ['route', 'show', 'exact', '10.42.0.0/16'])).stdout.trim() !== '',
  service: (await runTool('ip', ['route', 'show', 'table', 'local', 'exact', '10.43.0.0/16'])).stdout.trim() !== '',
});

it('lets several networks claim the ranges at the same moment, and keeps the routes while any claim is held', async (t) => {
  if (!(await usable(t))) return;
  const bridges = ['tugh1', 'tugh2', 'tugh3', 'tugh4'];
  const claims: Claim[] = [];
  try {
    // All at once: each sees the routes missing, only one add can win; the others must not fail.
    claims.push(...(await Promise.all(bridges.map((bridge) => claimAddresses({ clusterCidr: '10.42.0.0/16', serviceCidr: '10.43.0.0/16', bridge })))));
    assert.ok(claims.filter((c) => c.addedServiceRoute).length <= 1, 'two claims both say they added the service route');
    assert.deepEqual(await routes(), { blackhole: true, service: true });
    for (const c of claims.splice(0, 3)) await releaseAddresses(c);
    // One claim is still held: its pod and service traffic must still end on this host.
    assert.deepEqual(await routes(), { blackhole: true, service: true });
  } finally {
    for (const c of claims) await releaseAddresses(c);
  }
  const left = await runTool('nft', ['list', 'table', 'inet', 'tugboat']);
  for (const b of bridges) assert.ok(!left.stdout.includes(`forward-guard-${b}`), `chain of ${b} left behind`);
});
