// The pod's /etc/hosts, /etc/resolv.conf and /etc/hostname, written once per sandbox and bind-mounted into each
// of its containers (kubelet keeps them in the pod directory the same way).
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultHosts, fillHostsFile, formatResolvConf } from '../pod-etc-files.js';
import type { SandboxExtras } from '../types.js';

export interface PodFiles {
  hosts: string;
  resolv: string;
  hostname: string;
}

export async function writePodFiles(dir: string, o: { ip: string; hostname: string; extras?: SandboxExtras; hostResolv?: string }): Promise<PodFiles> {
  const files: PodFiles = { hosts: join(dir, 'hosts'), resolv: join(dir, 'resolv.conf'), hostname: join(dir, 'hostname') };
  const resolv = o.extras?.dns ? formatResolvConf(o.extras.dns) : await readFile(o.hostResolv ?? '/etc/resolv.conf', 'utf8').catch(() => '');
  await Promise.all([
    writeFile(files.hosts, o.extras?.hostsFile !== undefined ? fillHostsFile(o.extras.hostsFile, o.ip) : defaultHosts(o.ip, o.hostname)),
    writeFile(files.resolv, resolv),
    writeFile(files.hostname, `${o.hostname}\n`),
  ]);
  return files;
}
