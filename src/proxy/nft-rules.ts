// Service port entries to one nftables transaction (family ip, our own table), in the layout of kube-proxy's
// nftables mode: verdict maps keyed by destination . protocol . port send a new connection to a per-service
// chain, which marks it for masquerade when needed and picks an endpoint chain (affinity first, then numgen
// random); the endpoint chain DNATs. Services with nothing to send to are rejected (or dropped) in filter chains.
// The transaction flushes the table's rules and maps and refills them, so it is atomic and idempotent; the
// affinity sets are kept (flush table does not empty sets) so sticky clients stay stuck across syncs.
import { createHash } from 'node:crypto';
import type { Backend, ServicePortEntry } from './model.js';

export interface RenderOptions {
  table: string;
  clusterCidr: string;
  /** Addresses NodePorts answer on (loopback ones are left out, as kube-proxy's nftables mode does). */
  nodeIPs: string[];
  /** Masquerade all service traffic, not just traffic from outside the cluster CIDR (br_netfilter off). */
  masqueradeAll: boolean;
  /**
   * ClusterIPs are DNATed in prerouting only for packets from this bridge (this node's pods): another cluster's
   * pods on the same machine, using the same service addresses, must not be sent to our endpoints. Packets from
   * elsewhere to the service CIDR are left alone in prerouting; NodePorts, external and LoadBalancer addresses
   * still answer from anywhere, and the host's own traffic (nat-output) is unchanged. Absent: every source.
   */
  podBridge?: { name: string; serviceCidr: string };
  /** Chains and sets the table holds now (from the previous sync or a listing): the ones not rendered go. */
  existing?: { chains: Iterable<string>; sets: Iterable<string> };
}

export interface Rendered {
  text: string;
  chains: Set<string>;
  sets: Set<string>;
}

export const MASQ_MARK = '0x4000';

const BASE_CHAINS: [string, string][] = [
  ['nat-prerouting', 'type nat hook prerouting priority dstnat; policy accept;'],
  ['nat-output', 'type nat hook output priority -100; policy accept;'],
  ['nat-postrouting', 'type nat hook postrouting priority srcnat; policy accept;'],
  ['filter-input', 'type filter hook input priority -10; policy accept;'],
  ['filter-forward', 'type filter hook forward priority -10; policy accept;'],
  ['filter-output', 'type filter hook output priority -10; policy accept;'],
];
const HELPER_CHAINS = ['services', 'masquerading', 'mark-for-masquerade', 'endpoints-check', 'reject-chain'];
const MAPS: [string, string][] = [
  ['service-ips', 'ipv4_addr . inet_proto . inet_service : verdict'],
  ['service-nodeports', 'inet_proto . inet_service : verdict'],
  ['no-endpoint-services', 'ipv4_addr . inet_proto . inet_service : verdict'],
  ['no-endpoint-nodeports', 'inet_proto . inet_service : verdict'],
];
const NODE_IPS = 'node-ips';

const hash = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 8).toUpperCase();
const isLoopback = (ip: string) => ip.startsWith('127.');

/** Chain-name-safe identity of a service port: letters, digits and / - _ . only. */
function baseName(e: ServicePortEntry): string {
  const port = e.id.slice(e.id.lastIndexOf(':') + 1, e.id.lastIndexOf('/'));
  return `${hash(e.id)}-${e.namespace}/${e.name}/${e.protocol.toLowerCase()}/${port}`;
}
const endpointChain = (e: ServicePortEntry, b: Backend) => `ep-${hash(`${e.id}|${b.ip}:${b.port}`)}-${e.namespace}/${e.name}__${b.ip}/${b.port}`;
const affinitySet = (e: ServicePortEntry, b: Backend) => `aff-${hash(`${e.id}|${b.ip}:${b.port}|${e.affinitySeconds ?? 0}`)}-${e.namespace}/${e.name}`;

export function renderRules(entries: ServicePortEntry[], o: RenderOptions): Rendered {
  const T = `ip ${o.table}`;
  // An interface name goes into the rule text quoted: refuse one that could break out of the quotes.
  if (o.podBridge && !/^[A-Za-z0-9_.-]{1,15}$/.test(o.podBridge.name)) throw new Error(`bad pod bridge name ${JSON.stringify(o.podBridge.name)}`);
  const chains = new Set<string>();
  const sets = new Set<string>([NODE_IPS]);
  const decl: string[] = [`add table ${T} { comment "tugboat service proxy"; }`, `flush table ${T}`];
  const rules: string[] = [];
  const elems: Record<string, string[]> = Object.fromEntries(MAPS.map(([m]) => [m, []]));
  const chain = (name: string, spec?: string) => {
    if (chains.has(name)) return;
    chains.add(name);
    decl.push(`add chain ${T} ${name}${spec ? ` { ${spec} }` : ''}`);
  };
  const rule = (c: string, r: string) => rules.push(`add rule ${T} ${c} ${r}`);
  const proto = (e: ServicePortEntry) => e.protocol.toLowerCase();

  for (const [name, spec] of BASE_CHAINS) chain(name, spec);
  for (const name of HELPER_CHAINS) chain(name);
  for (const [name, type] of MAPS) decl.push(`add map ${T} ${name} { type ${type}; }`, `flush map ${T} ${name}`);
  decl.push(`add set ${T} ${NODE_IPS} { type ipv4_addr; }`, `flush set ${T} ${NODE_IPS}`);

  if (o.podBridge) rule('nat-prerouting', `iifname != "${o.podBridge.name}" ip daddr ${o.podBridge.serviceCidr} return`);
  rule('nat-prerouting', 'jump services');
  rule('nat-output', 'jump services');
  rule('nat-postrouting', 'jump masquerading');
  for (const c of ['filter-input', 'filter-forward', 'filter-output']) rule(c, 'ct state new jump endpoints-check');
  rule('endpoints-check', 'ip daddr . meta l4proto . th dport vmap @no-endpoint-services');
  rule('endpoints-check', `ip daddr @${NODE_IPS} meta l4proto . th dport vmap @no-endpoint-nodeports`);
  rule('reject-chain', 'meta l4proto tcp reject with tcp reset');
  rule('reject-chain', 'reject');
  rule('mark-for-masquerade', `meta mark set meta mark or ${MASQ_MARK}`);
  rule('masquerading', `meta mark & ${MASQ_MARK} == 0 return`);
  rule('masquerading', `meta mark set meta mark xor ${MASQ_MARK}`);
  rule('masquerading', 'masquerade fully-random');
  rule('services', 'ip daddr . meta l4proto . th dport vmap @service-ips');
  rule('services', `ip daddr @${NODE_IPS} meta l4proto . th dport vmap @service-nodeports`);

  /** A chain choosing among backends (sticky clients first); returns its name, or undefined when none. */
  const chooser = (e: ServicePortEntry, kind: 'cluster' | 'local', backends: Backend[]): string | undefined => {
    if (!backends.length) return undefined;
    const name = `${kind}-${baseName(e)}`;
    if (chains.has(name)) return name;
    chain(name);
    for (const b of backends) {
      const ep = endpointChain(e, b);
      if (!chains.has(ep)) {
        chain(ep);
        rule(ep, `ip saddr ${b.ip} jump mark-for-masquerade`); // hairpin: a pod reaching itself
        if (e.affinitySeconds !== undefined) {
          const set = affinitySet(e, b);
          sets.add(set);
          decl.push(`add set ${T} ${set} { type ipv4_addr; flags dynamic,timeout; timeout ${e.affinitySeconds}s; }`);
          rule(ep, `update @${set} { ip saddr }`);
        }
        rule(ep, `meta l4proto ${proto(e)} dnat to ${b.ip}:${b.port}`);
      }
      if (e.affinitySeconds !== undefined) rule(name, `ip saddr @${affinitySet(e, b)} goto ${ep}`);
    }
    const eps = backends.map((b) => endpointChain(e, b));
    if (eps.length === 1) rule(name, `goto ${eps[0]}`);
    else rule(name, `numgen random mod ${eps.length} vmap { ${eps.map((c, i) => `${i} : goto ${c}`).join(', ')} }`);
    return name;
  };

  for (const e of entries) {
    const p = proto(e);
    const base = baseName(e);
    // Chains are made only when something jumps to them.
    const cluster = () => chooser(e, 'cluster', e.cluster);
    // With no endpoint anywhere: reject. With endpoints, but none here for a Local policy: drop (kube-proxy).
    const none = e.cluster.length ? 'drop' : 'goto reject-chain';

    const internal = e.clusterIPs.length ? (e.internalLocal ? chooser(e, 'local', e.local) : cluster()) : undefined;
    for (const ip of e.clusterIPs) {
      if (internal) elems['service-ips']!.push(`${ip} . ${p} . ${e.port} : goto svc-${base}`);
      else elems['no-endpoint-services']!.push(`${ip} . ${p} . ${e.port} : ${none}`);
    }
    if (internal && e.clusterIPs.length) {
      chain(`svc-${base}`);
      if (o.masqueradeAll) rule(`svc-${base}`, 'jump mark-for-masquerade');
      else rule(`svc-${base}`, `ip saddr != ${o.clusterCidr} jump mark-for-masquerade`);
      rule(`svc-${base}`, `goto ${internal}`);
    }

    const externalIPs = [...new Set([...e.externalIPs, ...e.loadBalancerIPs])].filter((ip) => !isLoopback(ip));
    if (!externalIPs.length && e.nodePort === undefined) continue;
    const local = e.externalLocal ? chooser(e, 'local', e.local) : undefined;
    if (e.cluster.length) {
      const ext = `ext-${base}`;
      chain(ext);
      if (!e.externalLocal) {
        rule(ext, 'jump mark-for-masquerade');
        rule(ext, `goto ${cluster()}`);
      } else {
        // Local policy keeps the client's address, so only traffic from outside is held to this node's
        // endpoints; pods and the host itself are sent anywhere (the host masqueraded, as it is not a pod).
        rule(ext, `ip saddr ${o.clusterCidr} goto ${cluster()}`);
        rule(ext, 'fib saddr type local jump mark-for-masquerade');
        rule(ext, `fib saddr type local goto ${cluster()}`);
        rule(ext, local ? `goto ${local}` : 'drop');
      }
      for (const ip of externalIPs) elems['service-ips']!.push(`${ip} . ${p} . ${e.port} : goto ${ext}`);
      if (e.nodePort !== undefined) elems['service-nodeports']!.push(`${p} . ${e.nodePort} : goto ${ext}`);
    } else {
      for (const ip of externalIPs) elems['no-endpoint-services']!.push(`${ip} . ${p} . ${e.port} : goto reject-chain`);
      if (e.nodePort !== undefined) elems['no-endpoint-nodeports']!.push(`${p} . ${e.nodePort} : goto reject-chain`);
    }
  }

  const nodeIPs = [...new Set(o.nodeIPs.filter((ip) => !isLoopback(ip)))];
  const adds: string[] = [];
  if (nodeIPs.length) adds.push(`add element ${T} ${NODE_IPS} { ${nodeIPs.join(', ')} }`);
  for (const [m] of MAPS) {
    const list = [...new Set(elems[m])];
    if (list.length) adds.push(`add element ${T} ${m} { ${list.join(', ')} }`);
  }
  // Gone chains and sets last: nothing refers to them any more once the rules and maps above replaced the old.
  const drops: string[] = [];
  for (const c of o.existing?.chains ?? []) if (!chains.has(c)) drops.push(`delete chain ${T} ${c}`);
  for (const s of o.existing?.sets ?? []) if (!sets.has(s)) drops.push(`delete set ${T} ${s}`);
  return { text: [...decl, ...rules, ...adds, ...drops, ''].join('\n'), chains, sets };
}

/** Chain and set names in `nft list table` output (what a previous run left). */
export function parseTableObjects(listing: string): { chains: Set<string>; sets: Set<string> } {
  const chains = new Set<string>();
  const sets = new Set<string>();
  for (const m of listing.matchAll(/^\s*(chain|set|map) (\S+) \{/gm)) {
    if (m[1] === 'chain') chains.add(m[2]!);
    else if (m[1] === 'set') sets.add(m[2]!);
  }
  return { chains, sets };
}
