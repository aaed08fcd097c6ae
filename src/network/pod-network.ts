// Pod networking on a node: one network namespace per pod (ip netns add tug-<uid>), wired by the standard CNI
// plugins from a conflist in <dataDir>/cni/ (written by Tugboat unless the user put their own there, as kubelet
// reads /etc/cni/net.d). Without root, the plugins or nft, pods use the host network and a warning says what to
// install.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { silentLogger, type Logger } from '../util/logger.js';
import type { SandboxConfig, SandboxNetwork } from '../runtime/types.js';
import { cidrContains, gatewayOf, parseCidr } from './cidr.js';
import { cniAdd, cniDel, conflistForPod, findPlugin, tugboatConflist, type CniConflist, type CniResult } from './cni.js';
import { runTool } from './exec.js';
import { claimAddresses, releaseAddresses, type Claim } from './host-rules.js';
import { natTablesPresent, removeIdlePortmapChains } from './portmap-rules.js';

export const DEFAULT_CLUSTER_CIDR = '10.42.0.0/16';
export const DEFAULT_SERVICE_CIDR = '10.43.0.0/16';
export const DEFAULT_CNI_BIN_DIRS = ['/usr/lib/cni', '/opt/cni/bin'];

export interface PodNetworkOptions {
  dataDir: string;
  /** This node's pod subnet, inside clusterCidr (default 10.42.0.0/24). */
  podCidr?: string;
  clusterCidr?: string;
  serviceCidr?: string;
  /** Bridge name (default tug0); tests use their own. */
  bridge?: string;
  cniBinDirs?: string[];
  /** The node's address: the pod IP on the host network. */
  hostIP: string;
  logger?: Logger;
  /** Force the host network (e.g. --no-pod-network). */
  hostOnly?: boolean;
}

export interface PodNetwork extends SandboxNetwork {
  readonly podCidr: string;
  /** Why pods are on the host network, when they are. */
  readonly warning?: string;
  /** Tears down every pod network and what setup claimed (bridge, routes, nft chain): for tests and uninstall. */
  cleanup(): Promise<void>;
}

const REQUIRED_PLUGINS = ['bridge', 'host-local', 'portmap'];

export function netnsName(podUid: string): string {
  return `tug-${podUid.replace(/-/g, '').slice(0, 16)}`;
}

function hostNetwork(hostIP: string, podCidr: string, warning?: string): PodNetwork {
  return {
    mode: 'host',
    podCidr,
    ...(warning ? { warning } : {}),
    setUp: async () => ({ ip: hostIP }),
    tearDown: async () => undefined,
    cleanup: async () => undefined,
  };
}

/** Why CNI cannot be used here, or undefined when it can. */
async function cniMissing(dirs: string[]): Promise<string | undefined> {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'pod networks need root; pods use the host network';
  const missing: string[] = [];
  for (const p of REQUIRED_PLUGINS) if (!(await findPlugin(dirs, p))) missing.push(p);
  if (missing.length) return `CNI plugins ${missing.join(', ')} not found in ${dirs.join(':')}; pods use the host network (install: apt-get install containernetworking-plugins)`;
  if ((await runTool('nft', ['--version']).catch(() => ({ code: 1 }))).code !== 0) return 'nft not found; pods use the host network (install: apt-get install nftables)';
  if ((await runTool('ip', ['-V']).catch(() => ({ code: 1 }))).code !== 0) return 'ip not found; pods use the host network (install: apt-get install iproute2)';
  return undefined;
}

export async function createPodNetwork(o: PodNetworkOptions): Promise<PodNetwork> {
  const log = (o.logger ?? silentLogger).child('network');
  const clusterCidr = o.clusterCidr ?? DEFAULT_CLUSTER_CIDR;
  const podCidr = o.podCidr ?? '10.42.0.0/24';
  if (!cidrContains(clusterCidr, podCidr.split('/')[0]!)) throw new Error(`pod CIDR ${podCidr} is not inside the cluster CIDR ${clusterCidr}`);
  if (o.hostOnly) return hostNetwork(o.hostIP, podCidr);
  const dirs = o.cniBinDirs ?? DEFAULT_CNI_BIN_DIRS;
  const why = await cniMissing(dirs);
  if (why) {
    log.warn(why);
    return hostNetwork(o.hostIP, podCidr, why);
  }
  const bridge = o.bridge ?? 'tug0';
  const cniDir = join(o.dataDir, 'cni');
  const resultsDir = join(cniDir, 'results');
  await mkdir(resultsDir, { recursive: true });
  const confPath = join(cniDir, '10-tugboat.conflist');
  const ours = tugboatConflist({ bridge, podCidr, ipamDir: join(cniDir, 'ipam') });
  let list: CniConflist = ours;
  let generated = true;
  const existing = await readFile(confPath, 'utf8').then((s) => JSON.parse(s) as CniConflist & { 'x-tugboat-generated'?: boolean }, () => undefined);
  if (existing && !existing['x-tugboat-generated']) {
    log.info('using the conflist found in the data dir', { path: confPath });
    list = existing;
    generated = false;
  } else {
    await writeFile(confPath, `${JSON.stringify(ours, null, 2)}\n`);
  }
  const natBefore = await natTablesPresent();
  const claim: Claim = await claimAddresses({ clusterCidr, serviceCidr: o.serviceCidr ?? DEFAULT_SERVICE_CIDR, bridge });
  const resultFile = (uid: string) => join(resultsDir, `${uid}.json`);

  const net: PodNetwork = {
    mode: 'cni',
    podCidr,
    async setUp(cfg: SandboxConfig) {
      const ns = netnsName(cfg.podUid);
      const netns = `/run/netns/${ns}`;
      const cached = await readFile(resultFile(cfg.podUid), 'utf8').then((s) => JSON.parse(s) as CniResult, () => undefined);
      const cachedIp = cached?.ips?.[0]?.address.split('/')[0];
      if (cachedIp && existsSync(netns)) return { netnsPath: netns, ip: cachedIp };
      const inv = {
        containerId: cfg.podUid,
        netns,
        ifname: 'eth0',
        args: { K8S_POD_NAMESPACE: cfg.namespace, K8S_POD_NAME: cfg.name, K8S_POD_UID: cfg.podUid, IgnoreUnknown: '1' },
        runtimeConfig: { portMappings: cfg.portMappings ?? [] },
      };
      const podList = conflistForPod(list, generated, inv.runtimeConfig.portMappings);
      try {
        // The namespace is created and its lo brought up (by `ip`: the loopback plugin does only this, and its
        // result is not kept) in the process that runs the first plugin.
        const result = await cniAdd(dirs, podList, inv, { prepareNetns: ns });
        await writeFile(resultFile(cfg.podUid), JSON.stringify({ ...result, tugInvocation: inv }));
        const ip = result.ips?.[0]?.address.split('/')[0];
        if (!ip) throw new Error('CNI result has no IP address');
        return { netnsPath: netns, ip };
      } catch (e) {
        await cniDel(dirs, podList, inv, undefined, { removeNetns: ns }).catch(() => undefined);
        if (existsSync(netns)) await runTool('ip', ['netns', 'del', ns]);
        throw e;
      }
    },
    async tearDown(podUid: string) {
      const ns = netnsName(podUid);
      const netns = `/run/netns/${ns}`;
      const cached = await readFile(resultFile(podUid), 'utf8').then((s) => JSON.parse(s) as CniResult & { tugInvocation?: Parameters<typeof cniAdd>[2] }, () => undefined);
      const inv = cached?.tugInvocation ?? { containerId: podUid, netns, ifname: 'eth0' };
      // Without a record of the ADD, DEL runs the whole list: portmap's DEL of nothing is harmless.
      const mappings = cached?.tugInvocation ? ((inv.runtimeConfig?.portMappings as unknown[] | undefined) ?? []) : [null];
      // DEL must succeed even when the namespace is already gone (spec): the IPAM lease is what matters.
      const present = existsSync(netns);
      // The namespace is deleted by the process that runs the last DEL; the line after catches a failed one.
      await cniDel(dirs, conflistForPod(list, generated, mappings), { ...inv, netns: present ? netns : '' }, cached, present ? { removeNetns: ns } : {}).catch((e: Error) => log.warn('CNI DEL failed', { pod: podUid, err: e }));
      if (existsSync(netns)) await runTool('ip', ['netns', 'del', ns]);
      await rm(resultFile(podUid), { force: true });
    },
    async cleanup() {
      const { readdir } = await import('node:fs/promises');
      for (const f of await readdir(resultsDir).catch(() => [] as string[])) if (f.endsWith('.json')) await net.tearDown(f.slice(0, -5));
      await runTool('ip', ['link', 'del', bridge]);
      await releaseAddresses(claim);
      await removeIdlePortmapChains(natBefore);
      await rm(join(cniDir, 'ipam'), { recursive: true, force: true });
    },
  };
  // The bridge and its gateway address exist from the start (the bridge plugin would make them at the first pod):
  // the API server listens on the gateway for pods, and host traffic to the pod range has somewhere to go.
  if (generated) await ensureBridge(bridge, `${gatewayOf(podCidr)}/${parseCidr(podCidr).bits}`);
  log.info('pod network ready', { bridge, podCidr });
  return net;
}

/** Creates the bridge with its gateway address and brings it up, as the bridge plugin with isGateway leaves it. */
async function ensureBridge(bridge: string, gatewayCidr: string): Promise<void> {
  const must = async (args: string[], ok?: RegExp) => {
    const r = await runTool('ip', args);
    if (r.code !== 0 && !(ok && ok.test(r.stderr))) throw new Error(`ip ${args.join(' ')}: ${r.stderr.trim()}`);
  };
  await must(['link', 'add', 'name', bridge, 'type', 'bridge'], /File exists/);
  await must(['addr', 'add', gatewayCidr, 'dev', bridge], /File exists|already assigned/);
  await must(['link', 'set', bridge, 'up']);
}
