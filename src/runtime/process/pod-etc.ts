// A pod's resolv.conf and hosts for the process runtime. Its containers share the host's filesystem, so the
// files cannot simply be written into /etc: like `ip netns exec`, each container and exec runs in a private
// mount namespace where /etc/netns/<netns name>/{resolv.conf,hosts} are bind-mounted over /etc/. `ip netns exec`
// itself does this (and joins /run/netns/<name>), so that is how processes enter a pod that has such files;
// containers started before an agent restart keep their mounts, and execs find the directory again on disk.
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fillHostsFile, formatResolvConf } from '../pod-etc-files.js';
import type { SandboxExtras } from '../types.js';

const NETNS_DIR = '/run/netns';
const ETC_NETNS = '/etc/netns';
const IP = '/usr/sbin/ip';
const NSENTER = '/usr/bin/nsenter';

/** The name `ip netns` knows the namespace by, when it lives in /run/netns. */
export function netnsName(netnsPath: string): string | undefined {
  return dirname(netnsPath) === NETNS_DIR ? basename(netnsPath) : undefined;
}

export function podEtcDir(netnsPath: string): string | undefined {
  const name = netnsName(netnsPath);
  return name ? join(ETC_NETNS, name) : undefined;
}

/** Writes the pod's files (those the extras name) for the namespace; the pod IP goes into the hosts file. */
export async function writePodEtc(netnsPath: string, ip: string, extras: SandboxExtras | undefined): Promise<void> {
  const dir = podEtcDir(netnsPath);
  if (!dir || (!extras?.dns && extras?.hostsFile === undefined)) return;
  await mkdir(dir, { recursive: true });
  if (extras.dns) await writeFile(join(dir, 'resolv.conf'), formatResolvConf(extras.dns));
  if (extras.hostsFile !== undefined) await writeFile(join(dir, 'hosts'), fillHostsFile(extras.hostsFile, ip));
}

export async function removePodEtc(netnsPath: string): Promise<void> {
  const dir = podEtcDir(netnsPath);
  if (dir) await rm(dir, { recursive: true, force: true });
}

/** The argv prefix that runs a program inside the pod's network (and its /etc files, when it has them). */
export function enterPod(netnsPath: string): string[] {
  const dir = podEtcDir(netnsPath);
  const name = netnsName(netnsPath);
  if (dir && name && existsSync(dir)) return [IP, 'netns', 'exec', name];
  return [NSENTER, `--net=${netnsPath}`, '--'];
}
