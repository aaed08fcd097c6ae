// The text of a pod's /etc/resolv.conf and /etc/hosts, shared by the node agent (which computes them from the pod)
// and both runtimes (which write them). The runtime may not import from node; node imports from here.
import { HOSTS_POD_IP, type DnsSettings } from './types.js';

/** resolv.conf in the order containerd writes a pod's: search, then nameservers, then options. */
export function formatResolvConf(dns: DnsSettings): string {
  const lines: string[] = [];
  if (dns.searches.length) lines.push(`search ${dns.searches.join(' ')}`);
  for (const n of dns.nameservers) lines.push(`nameserver ${n}`);
  if (dns.options.length) lines.push(`options ${dns.options.join(' ')}`);
  return lines.join('\n') + '\n';
}

/** The head of kubelet's managed hosts file: the loopback and IPv6 well-known names, before the pod's own line. */
export const MANAGED_HOSTS_HEAD: readonly string[] = [
  '# Kubernetes-managed hosts file.',
  '127.0.0.1\tlocalhost',
  '::1\tlocalhost ip6-localhost ip6-loopback',
  'fe00::0\tip6-localnet',
  'fe00::0\tip6-mcastprefix',
  'fe00::1\tip6-allnodes',
  'fe00::2\tip6-allrouters',
];

/** kubelet's managed hosts file when the agent gives none: loopback names and the pod's own name on its IP. */
export function defaultHosts(ip: string, hostname: string): string {
  return [...MANAGED_HOSTS_HEAD, `${ip}\t${hostname}`, ''].join('\n');
}

/** SandboxExtras.hostsFile with the sandbox's IP put in for every HOSTS_POD_IP. */
export function fillHostsFile(text: string, ip: string): string {
  return text.split(HOSTS_POD_IP).join(ip);
}
