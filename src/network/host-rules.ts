// Claiming the cluster's address ranges on this machine before any pod traffic flows, so nothing addressed to a
// pod or service that does not exist can leave the machine:
//   - a blackhole route for the whole pod CIDR (the node's /24 on the bridge is more specific and wins),
//   - a local route for the service CIDR (service addresses are answered on this host by the proxy),
//   - an nftables forward chain (table inet tugboat) dropping forwarded traffic to anything but those ranges:
//     the CNI bridge plugin turns ip_forward on, and this chain is in place before it runs.
// Several pod networks share these claims (a server and an agent on one machine, parallel tests): the routes stay
// while any network's guard chain is left, and the last release removes the routes Tugboat added (marker files
// under /run/tugboat say which), never ones that were there before.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { mustRun, runTool } from './exec.js';

/** Machine-wide: ip_forward as it was before the first Tugboat pod network claimed its addresses. */
const FORWARD_STATE = '/run/tugboat/ip_forward.before';
/** Machine-wide: present while a route of that kind exists because a Tugboat claim added it. */
const ADDED_BLACKHOLE = '/run/tugboat/added-blackhole';
const ADDED_SERVICE_ROUTE = '/run/tugboat/added-service-route';

export const NFT_TABLE = 'tugboat';

export interface ClaimOptions {
  clusterCidr: string;
  serviceCidr: string;
  /** Names this claim's nft chain (one per bridge, so parallel test networks do not undo each other). */
  bridge: string;
}

export interface Claim {
  opts: ClaimOptions;
  addedBlackhole: boolean;
  addedServiceRoute: boolean;
  chain: string;
  forwardBefore: string;
}

/**
 * Adds a route unless it is there; true when this call added it. Two networks claiming at once both see it missing:
 * the one whose add finds it made meanwhile ("File exists") leaves it to the other, which writes the marker.
 */
async function addRouteIfMissing(show: string[], add: string[]): Promise<boolean> {
  if (await routeExists(show)) return false;
  const r = await runTool('ip', ['route', 'add', ...add]);
  if (r.code === 0) return true;
  if (/File exists/.test(r.stderr)) return false;
  throw new Error(`ip route add ${add.join(' ')}: ${r.stderr.trim()}`);
}

async function routeExists(args: string[]): Promise<boolean> {
  const r = await runTool('ip', ['route', 'show', ...args]);
  return r.code === 0 && r.stdout.trim() !== '';
}

export async function claimAddresses(opts: ClaimOptions): Promise<Claim> {
  const chain = `forward-guard-${opts.bridge}`;
  const forwardBefore = (await readFile('/proc/sys/net/ipv4/ip_forward', 'utf8').catch(() => '0')).trim();
  // Several pod networks on one machine (agents, tests) share ip_forward: the first claim records the value the
  // machine had, the last release restores it. A claim's own reading is wrong when another network's bridge
  // plugin already turned forwarding on.
  const tableExists = (await runTool('nft', ['list', 'table', 'inet', NFT_TABLE])).code === 0;
  await mkdir(dirname(FORWARD_STATE), { recursive: true }).catch(() => undefined);
  if (!tableExists || !existsSync(FORWARD_STATE)) {
    await writeFile(FORWARD_STATE, forwardBefore).catch(() => undefined);
  }
  await mustRun('nft', ['-f', '-'], {
    input: [
      `add table inet ${NFT_TABLE}`,
      `add chain inet ${NFT_TABLE} ${chain} { type filter hook forward priority -5; policy accept; }`,
      `flush chain inet ${NFT_TABLE} ${chain}`,
      `add rule inet ${NFT_TABLE} ${chain} ip daddr { ${opts.clusterCidr}, ${opts.serviceCidr} } accept`,
      `add rule inet ${NFT_TABLE} ${chain} drop`,
      '',
    ].join('\n'),
  });
  const claim: Claim = { opts, addedBlackhole: false, addedServiceRoute: false, chain, forwardBefore };
  try {
    claim.addedBlackhole = await addRouteIfMissing(['exact', opts.clusterCidr], ['blackhole', opts.clusterCidr]);
    if (claim.addedBlackhole) await writeFile(ADDED_BLACKHOLE, opts.clusterCidr).catch(() => undefined);
    claim.addedServiceRoute = await addRouteIfMissing(['table', 'local', 'exact', opts.serviceCidr], ['local', opts.serviceCidr, 'dev', 'lo', 'table', 'local']);
    if (claim.addedServiceRoute) await writeFile(ADDED_SERVICE_ROUTE, opts.serviceCidr).catch(() => undefined);
  } catch (e) {
    // A half-made claim is undone, so its chain does not keep the routes (and the table) alive forever.
    await releaseAddresses(claim).catch(() => undefined);
    throw e;
  }
  return claim;
}

/**
 * Undoes a claim: its chain, and once no other network's chain is left, the routes Tugboat added, the table and
 * ip_forward. While another network still runs, the routes stay: without them its pod and service traffic would
 * go out the default route.
 */
export async function releaseAddresses(c: Claim): Promise<void> {
  await runTool('nft', ['delete', 'chain', 'inet', NFT_TABLE, c.chain]);
  const left = await runTool('nft', ['list', 'table', 'inet', NFT_TABLE]);
  const chainsLeft = left.code === 0 && /\bchain\b/.test(left.stdout);
  if (chainsLeft) return;
  if (c.addedBlackhole || existsSync(ADDED_BLACKHOLE)) await runTool('ip', ['route', 'del', 'blackhole', c.opts.clusterCidr]);
  if (c.addedServiceRoute || existsSync(ADDED_SERVICE_ROUTE)) await runTool('ip', ['route', 'del', 'local', c.opts.serviceCidr, 'dev', 'lo', 'table', 'local']);
  await rm(ADDED_BLACKHOLE, { force: true }).catch(() => undefined);
  await rm(ADDED_SERVICE_ROUTE, { force: true }).catch(() => undefined);
  if (left.code === 0) await runTool('nft', ['delete', 'table', 'inet', NFT_TABLE]);
  // ip_forward goes back to what the machine had before the first claim once no guard remains to cover it.
  const before = (await readFile(FORWARD_STATE, 'utf8').catch(() => c.forwardBefore)).trim();
  if (before === '0') await writeFile('/proc/sys/net/ipv4/ip_forward', '0').catch(() => undefined);
  await rm(FORWARD_STATE, { force: true }).catch(() => undefined);
}
