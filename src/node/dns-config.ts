// A pod's /etc/resolv.conf and /etc/hosts, as kubelet computes them (pkg/kubelet/network/dns, kubelet_pods.go):
//   dnsPolicy ClusterFirst (default): the cluster DNS, searches <ns>.svc.<domain> svc.<domain> <domain> + the
//     host's, options ndots:5; on the host network it means Default instead;
//   ClusterFirstWithHostNet: the cluster's, also on the host network; Default: the host's resolv.conf;
//   None: only spec.dnsConfig. spec.dnsConfig is merged on top of all of them.
// Without a cluster DNS address, ClusterFirst falls back to the host's (kubelet does the same, with a warning).
import { readFileSync } from 'node:fs';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { MANAGED_HOSTS_HEAD } from '../runtime/pod-etc-files.js';
import { HOSTS_POD_IP, type DnsSettings } from '../runtime/types.js';

// Kept importable from here, where the node agent's DNS code has always offered it.
export { formatResolvConf } from '../runtime/pod-etc-files.js';

export interface ClusterDns {
  clusterDNS: string[];
  clusterDomain: string;
}

/** kubelet's limits on the search list (MaxDNSSearchPaths, MaxDNSSearchListChars). */
export const MAX_SEARCHES = 32;
export const MAX_SEARCH_CHARS = 2048;

export function parseResolvConf(text: string): DnsSettings {
  const out: DnsSettings = { nameservers: [], searches: [], options: [] };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const [key, ...rest] = line.split(/\s+/);
    if (key === 'nameserver' && rest[0]) out.nameservers.push(rest[0]);
    // The last search/domain line wins, as in the resolver; "." is the root, no search at all.
    else if (key === 'search' || key === 'domain') out.searches = rest.filter((s) => s !== '.').map((s) => s.replace(/\.$/, ''));
    else if (key === 'options') out.options.push(...rest);
  }
  return out;
}

const unique = (xs: string[]) => [...new Set(xs)];

/** Later options override earlier ones of the same name (ndots:2 after ndots:5 wins). */
function mergeOptions(base: string[], extra: string[]): string[] {
  const byName = new Map<string, string>();
  for (const o of [...base, ...extra]) byName.set(o.split(':')[0] ?? o, o);
  return [...byName.values()];
}

/** Drops search domains past kubelet's limits, from the end. */
export function fitSearches(searches: string[]): string[] {
  const out: string[] = [];
  let chars = 0;
  for (const s of unique(searches)) {
    const next = chars + (out.length ? 1 : 0) + s.length;
    if (out.length >= MAX_SEARCHES || next > MAX_SEARCH_CHARS) break;
    out.push(s);
    chars = next;
  }
  return out;
}

export type PodDnsType = 'cluster' | 'host' | 'none';

export function podDnsType(pod: Pod, cluster: ClusterDns | undefined): PodDnsType {
  const policy = pod.spec?.dnsPolicy ?? 'ClusterFirst';
  if (policy === 'None') return 'none';
  const clusterWanted = policy === 'ClusterFirstWithHostNet' || (policy === 'ClusterFirst' && !pod.spec?.hostNetwork);
  return clusterWanted && cluster && cluster.clusterDNS.length > 0 ? 'cluster' : 'host';
}

/** The pod's resolv.conf settings. host: the node's resolv.conf, parsed. */
export function podDnsSettings(pod: Pod, cluster: ClusterDns | undefined, host: DnsSettings): DnsSettings {
  const ns = pod.metadata?.namespace ?? 'default';
  let base: DnsSettings;
  switch (podDnsType(pod, cluster)) {
    case 'none':
      base = { nameservers: [], searches: [], options: [] };
      break;
    case 'host':
      base = { nameservers: [...host.nameservers], searches: [...host.searches], options: [...host.options] };
      break;
    case 'cluster': {
      const d = cluster!.clusterDomain;
      base = { nameservers: [...cluster!.clusterDNS], searches: [`${ns}.svc.${d}`, `svc.${d}`, d, ...host.searches], options: ['ndots:5'] };
      break;
    }
  }
  const extra = pod.spec?.dnsConfig;
  const options = (extra?.options ?? []).flatMap((o) => (o.name ? [o.value !== undefined ? `${o.name}:${o.value}` : o.name] : []));
  return {
    nameservers: unique([...base.nameservers, ...(extra?.nameservers ?? [])]),
    searches: fitSearches([...base.searches, ...(extra?.searches ?? [])]),
    options: mergeOptions(base.options, options),
  };
}

/**
 * The pod's /etc/hosts as kubelet manages it. The pod's address is not known before its sandbox exists: the
 * text holds HOSTS_POD_IP where it goes and the runtime puts the sandbox's IP in (see SandboxExtras.hostsFile).
 */
export function podHostsFile(pod: Pod, clusterDomain: string): string {
  const hostname = (pod.spec?.hostname ?? pod.metadata?.name ?? '').slice(0, 63);
  const sub = pod.spec?.subdomain;
  const lines = [
    ...MANAGED_HOSTS_HEAD,
    sub ? `${HOSTS_POD_IP}\t${hostname}.${sub}.${pod.metadata?.namespace ?? 'default'}.svc.${clusterDomain}\t${hostname}` : `${HOSTS_POD_IP}\t${hostname}`,
  ];
  const aliases = pod.spec?.hostAliases ?? [];
  if (aliases.length) {
    lines.push('', '# Entries added by HostAliases.');
    for (const a of aliases) lines.push(`${a.ip}\t${(a.hostnames ?? []).join('\t')}`);
  }
  return lines.join('\n') + '\n';
}

/**
 * Which file holds the host's resolvers for pods: /etc/resolv.conf, unless it only names a loopback stub
 * (systemd-resolved's 127.0.0.53, useless inside a pod's network namespace), then systemd's upstream list, as
 * kubelet is configured on such hosts and k3s picks.
 */
export function hostResolvConfText(read: (path: string) => string | undefined): string {
  const etc = read('/etc/resolv.conf') ?? '';
  const ns = parseResolvConf(etc).nameservers;
  if (ns.length > 0 && ns.every((n) => n.startsWith('127.') || n === '::1')) {
    const upstream = read('/run/systemd/resolve/resolv.conf');
    if (upstream !== undefined) return upstream;
  }
  return etc;
}

/** SandboxConfig.extras for a pod: resolv.conf and /etc/hosts (none on the host network: it keeps the host's). */
export function sandboxDnsExtras(pod: Pod, cluster: ClusterDns | undefined, hostResolv: DnsSettings): { dns?: DnsSettings; hostsFile?: string } {
  const dns = podDnsSettings(pod, cluster, hostResolv);
  if (pod.spec?.hostNetwork) return podDnsType(pod, cluster) === 'cluster' || pod.spec?.dnsPolicy === 'None' ? { dns } : {};
  return { dns, hostsFile: podHostsFile(pod, cluster?.clusterDomain ?? 'cluster.local') };
}

/** sandboxDnsExtras with the node's own resolv.conf read now (kubelet rereads it for every sandbox too). */
export function podSandboxExtras(pod: Pod, cluster: ClusterDns | undefined): { dns?: DnsSettings; hostsFile?: string } {
  const read = (p: string) => {
    try {
      return readFileSync(p, 'utf8');
    } catch {
      return undefined;
    }
  };
  return sandboxDnsExtras(pod, cluster, parseResolvConf(hostResolvConfText(read)));
}
