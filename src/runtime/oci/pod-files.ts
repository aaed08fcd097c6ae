// The pod's /etc/hosts, /etc/resolv.conf and /etc/hostname, written once per sandbox and bind-mounted into each
// of its containers (kubelet keeps them in the pod directory the same way).
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HOSTS_POD_IP, type DnsSettings, type SandboxExtras } from '../types.js';

export interface PodFiles {
  hosts: string;
  resolv: string;
  hostname: string;
}

export function resolvConf(dns: DnsSettings): string {
  const lines = dns.nameservers.map((n) => `nameserver ${n}`);
  if (dns.searches.length) lines.push(`search ${dns.searches.join(' ')}`);
  if (dns.options.length) lines.push(`options ${dns.options.join(' ')}`);
  return `${lines.join('\n')}\n`;
}

/** kubelet's managed hosts file when the agent gives none: loopback names and the pod's own name on its IP. */
export function defaultHosts(ip: string, hostname: string): string {
  return [
    '# Kubernetes-managed hosts file.',
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'fe00::0\tip6-mcastprefix',
    'fe00::1\tip6-allnodes',
    'fe00::2\tip6-allrouters',
    `${ip}\t${hostname}`,
    '',
  ].join('\n');
}

export async function writePodFiles(dir: string, o: { ip: string; hostname: string; extras?: SandboxExtras; hostResolv?: string }): Promise<PodFiles> {
  const files: PodFiles = { hosts: join(dir, 'hosts'), resolv: join(dir, 'resolv.conf'), hostname: join(dir, 'hostname') };
  const resolv = o.extras?.dns ? resolvConf(o.extras.dns) : await readFile(o.hostResolv ?? '/etc/resolv.conf', 'utf8').catch(() => '');
  await Promise.all([
    writeFile(files.hosts, o.extras?.hostsFile?.split(HOSTS_POD_IP).join(o.ip) ?? defaultHosts(o.ip, o.hostname)),
    writeFile(files.resolv, resolv),
    writeFile(files.hostname, `${o.hostname}\n`),
  ]);
  return files;
}
