// Running CNI plugins as the CNI spec (1.0) says: the plugin binary from CNI_PATH, parameters in CNI_* variables,
// the network configuration on stdin (with cniVersion, name and, for chained plugins, prevResult), the result or a
// {code,msg} error on stdout. A conflist runs in order for ADD and in reverse for DEL.
import { access, constants } from 'node:fs/promises';
import { join } from 'node:path';
import { runTool } from './exec.js';

export interface CniPluginConf {
  type: string;
  [k: string]: unknown;
}

export interface CniConflist {
  cniVersion: string;
  name: string;
  plugins: CniPluginConf[];
}

export interface CniResult {
  cniVersion?: string;
  interfaces?: { name: string; mac?: string; sandbox?: string }[];
  ips?: { address: string; gateway?: string; interface?: number }[];
  [k: string]: unknown;
}

export interface CniInvocation {
  containerId: string;
  netns: string;
  ifname: string;
  /** CNI_ARGS, e.g. K8S_POD_NAMESPACE=...;K8S_POD_NAME=... */
  args?: Record<string, string>;
  /** Values for capabilities the plugins declare (portMappings). */
  runtimeConfig?: Record<string, unknown>;
}

export interface TugboatConflistOptions {
  bridge: string;
  podCidr: string;
  ipamDir: string;
}

/** The conflist Tugboat writes: a gateway bridge with host-local IPAM on the node's subnet, and portmap for hostPort. */
export function tugboatConflist(o: TugboatConflistOptions): CniConflist & { 'x-tugboat-generated': boolean } {
  return {
    cniVersion: '1.0.0',
    name: 'tugboat',
    'x-tugboat-generated': true,
    plugins: [
      {
        type: 'bridge',
        bridge: o.bridge,
        isGateway: true,
        // No masquerade: pods talk only to pods, services and this host; nothing is NATed out of the machine.
        ipMasq: false,
        hairpinMode: true,
        ipam: { type: 'host-local', ranges: [[{ subnet: o.podCidr }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: o.ipamDir },
      },
      // snat: portmap masquerades only what it DNATs from 127.0.0.1 or from the pod subnet (hairpin), and sets
      // route_localnet on the bridge: without it a GET to 127.0.0.1:<hostPort> on the node never reaches the pod.
      // Nothing else is NATed, so no pod traffic leaves the machine through it.
      { type: 'portmap', capabilities: { portMappings: true }, snat: true },
    ],
  };
}

export async function findPlugin(dirs: string[], type: string): Promise<string | undefined> {
  for (const d of dirs) {
    const p = join(d, type);
    if (await access(p, constants.X_OK).then(() => true, () => false)) return p;
  }
  return undefined;
}

export class CniError extends Error {}

// Before the first plugin, in the same small shell: create the namespace unless it exists, and bring its lo up
// (all the loopback plugin does) while the plugin runs. Each process the agent spawns itself costs a fork of the
// whole agent (milliseconds of blocked event loop); the shell's forks are cheap. $1 the netns name, $2 the plugin.
const NETNS_ADD_FAILED = 211;
const LO_UP_FAILED = 212;
const NETNS_DEL_FAILED = 213;
const NETNS_PRELUDE = `[ -e "/run/netns/$1" ] || ip netns add "$1" || exit ${NETNS_ADD_FAILED}
ip -n "$1" link set lo up & lo=$!
"$2"; rc=$?
wait $lo || { [ $rc -ne 0 ] || rc=${LO_UP_FAILED}; }
exit $rc`;
// The same for DEL: the last plugin, then the namespace goes, whether the plugin succeeded or not.
const NETNS_POSTLUDE = `"$2"; rc=$?
[ ! -e "/run/netns/$1" ] || ip netns del "$1" || { [ $rc -ne 0 ] || rc=${NETNS_DEL_FAILED}; }
exit $rc`;

/** A netns step run in the plugin's process: created before it (ADD) or deleted after it (DEL). */
interface NetnsStep {
  script: string;
  name: string;
}

async function invoke(dirs: string[], command: 'ADD' | 'DEL' | 'CHECK', conf: Record<string, unknown>, inv: CniInvocation, step?: NetnsStep): Promise<CniResult | undefined> {
  const type = String(conf.type);
  const bin = await findPlugin(dirs, type);
  if (!bin) throw new CniError(`CNI plugin "${type}" not found in ${dirs.join(':')}`);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    CNI_COMMAND: command,
    CNI_CONTAINERID: inv.containerId,
    CNI_NETNS: inv.netns,
    CNI_IFNAME: inv.ifname,
    CNI_PATH: dirs.join(':'),
    CNI_ARGS: Object.entries(inv.args ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(';'),
  };
  const r = step
    ? await runTool('/bin/sh', ['-c', step.script, 'sh', step.name, bin], { input: JSON.stringify(conf), env })
    : await runTool(bin, [], { input: JSON.stringify(conf), env });
  if (step && r.code === NETNS_ADD_FAILED) throw new CniError(`ip netns add ${step.name}: ${r.stderr.trim()}`);
  if (step && r.code === LO_UP_FAILED) throw new CniError(`ip -n ${step.name} link set lo up: ${r.stderr.trim()}`);
  if (step && r.code === NETNS_DEL_FAILED) throw new CniError(`ip netns del ${step.name}: ${r.stderr.trim()}`);
  if (r.code !== 0) {
    let msg = r.stderr.trim() || r.stdout.trim();
    try {
      const e = JSON.parse(r.stdout) as { msg?: string; details?: string };
      msg = [e.msg, e.details].filter(Boolean).join(': ');
    } catch {
      /* not JSON */
    }
    throw new CniError(`CNI ${type} ${command}: ${msg}`);
  }
  return r.stdout.trim() ? (JSON.parse(r.stdout) as CniResult) : undefined;
}

function pluginConf(list: CniConflist, p: CniPluginConf, inv: CniInvocation, prevResult: CniResult | undefined): Record<string, unknown> {
  const conf: Record<string, unknown> = { ...p, cniVersion: list.cniVersion, name: list.name };
  if (prevResult) conf.prevResult = prevResult;
  const caps = (p.capabilities ?? {}) as Record<string, boolean>;
  const rc: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(inv.runtimeConfig ?? {})) if (caps[k]) rc[k] = v;
  if (Object.keys(rc).length) conf.runtimeConfig = rc;
  delete conf.capabilities;
  return conf;
}

export interface CniAddOptions {
  /** A netns name (under /run/netns) to create if missing and bring lo up in, together with the first plugin. */
  prepareNetns?: string;
}

export async function cniAdd(dirs: string[], list: CniConflist, inv: CniInvocation, o: CniAddOptions = {}): Promise<CniResult> {
  let result: CniResult | undefined;
  const step = o.prepareNetns ? { script: NETNS_PRELUDE, name: o.prepareNetns } : undefined;
  for (const [i, p] of list.plugins.entries()) result = (await invoke(dirs, 'ADD', pluginConf(list, p, inv, result), inv, i === 0 ? step : undefined)) ?? result;
  if (!result) throw new CniError('CNI ADD returned no result');
  return result;
}

/** DEL in reverse order; every plugin runs even when one fails, and the first error is thrown at the end. */
export async function cniDel(dirs: string[], list: CniConflist, inv: CniInvocation, prevResult: CniResult | undefined, o: { removeNetns?: string } = {}): Promise<void> {
  let first: unknown;
  const step = o.removeNetns ? { script: NETNS_POSTLUDE, name: o.removeNetns } : undefined;
  const reversed = [...list.plugins].reverse();
  for (const [i, p] of reversed.entries()) {
    try {
      await invoke(dirs, 'DEL', pluginConf(list, p, inv, prevResult), inv, i === reversed.length - 1 ? step : undefined);
    } catch (e) {
      first ??= e;
    }
  }
  if (first) throw first;
}

export async function loopbackUp(dirs: string[], netns: string, containerId: string): Promise<void> {
  await invoke(dirs, 'ADD', { cniVersion: '1.0.0', name: 'lo', type: 'loopback' }, { containerId, netns, ifname: 'lo' });
}

/**
 * The conflist for one pod: ours without portmap when the pod has no hostPort (portmap then has nothing to do,
 * and it is one plugin exec less on every pod start). A user's conflist is used as it is.
 */
export function conflistForPod(list: CniConflist, generated: boolean, portMappings: readonly unknown[]): CniConflist {
  if (!generated || portMappings.length) return list;
  return { ...list, plugins: list.plugins.filter((p) => p.type !== 'portmap') };
}
