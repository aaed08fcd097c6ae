// The cluster's names, as CoreDNS's kubernetes plugin answers them (k3s runs it with `pods insecure`):
//   <svc>.<ns>.svc.<zone>              A: the ClusterIP; headless: every ready endpoint; ExternalName: CNAME
//   <ep>.<svc>.<ns>.svc.<zone>         A: the endpoint whose hostname (or dashed address) is <ep>
//   _<port>._<proto>.<svc>.<ns>.svc... SRV per named port (headless: one per ready endpoint), targets' A alongside
//   <a-b-c-d>.<ns>.pod.<zone>          A: a.b.c.d
//   <d.c.b.a>.in-addr.arpa             PTR for service and pod addresses
// A name inside the zone that does not exist is NXDOMAIN, a name with no record of the type asked is NODATA; both
// carry the zone's SOA so resolvers cache the answer for the SOA's minimum (5 s). Everything else is forwarded.
import type { Answer, SrvAnswer, StringAnswer } from 'dns-packet';
import type { ClusterView, Endpoint, EndpointSlice, Service } from './types.js';

/** The kubernetes plugin's default TTL. */
export const DEFAULT_TTL = 5;

export interface ResolveOptions {
  zone: string;
  ttl?: number;
  /** Reverse lookups in these ranges are ours (NXDOMAIN when unknown), others are forwarded. */
  reverseCidrs?: string[];
  /** SOA serial (CoreDNS uses the time it last changed; a start time does). */
  serial?: number;
}

export interface Reply {
  rcode: 'NOERROR' | 'NXDOMAIN';
  answers: Answer[];
  authorities: Answer[];
  additionals: Answer[];
}

/** What a name holds: undefined when it does not exist. */
interface NameRecords {
  records: Answer[];
  additionals?: Answer[];
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
export const dashed = (ip: string) => ip.replace(/\./g, '-');
const undashed = (label: string) => {
  const ip = label.replace(/-/g, '.');
  return IPV4.test(ip) ? ip : undefined;
};
const isReady = (e: Endpoint) => e.conditions?.ready !== false;

function ipToInt(ip: string): number {
  return ip.split('.').reduce((n, o) => ((n << 8) | Number(o)) >>> 0, 0);
}

export function inCidr(ip: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const bits = Number(bitsText ?? 32);
  if (!base || !IPV4.test(ip) || !IPV4.test(base)) return false;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (ipToInt(ip) & mask) === (ipToInt(base) & mask);
}

/** The in-addr.arpa zone covering a CIDR (whole octets). */
function reverseZone(cidr: string): string {
  const [base, bits] = cidr.split('/');
  const octets = (base ?? '').split('.').slice(0, Math.max(1, Math.floor(Number(bits ?? 32) / 8)));
  return `${octets.reverse().join('.')}.in-addr.arpa`;
}

export class Resolver {
  private readonly zone: string;
  private readonly ttl: number;
  private readonly serial: number;

  constructor(
    private readonly view: ClusterView,
    private readonly o: ResolveOptions,
  ) {
    this.zone = o.zone.toLowerCase().replace(/\.$/, '');
    this.ttl = o.ttl ?? DEFAULT_TTL;
    this.serial = o.serial ?? Math.floor(Date.now() / 1000);
  }

  soa(zone = this.zone): Answer {
    return {
      name: zone,
      type: 'SOA',
      ttl: this.ttl,
      data: { mname: `ns.dns.${this.zone}`, rname: `hostmaster.${this.zone}`, serial: this.serial, refresh: 7200, retry: 1800, expire: 86400, minimum: this.ttl },
    };
  }

  /** The reply for one question, or undefined: not ours, forward it. */
  resolve(qname: string, qtype: string): Reply | undefined {
    const name = qname.toLowerCase().replace(/\.$/, '');
    let found: NameRecords | undefined;
    let soaZone = this.zone;
    if (name === this.zone || name.endsWith(`.${this.zone}`)) {
      found = this.inZone(name === this.zone ? [] : name.slice(0, -(this.zone.length + 1)).split('.'), qname);
    } else if (name.endsWith('.in-addr.arpa')) {
      const ip = name.slice(0, -'.in-addr.arpa'.length).split('.').reverse().join('.');
      const cidr = (this.o.reverseCidrs ?? []).find((c) => inCidr(ip, c));
      const ptr = IPV4.test(ip) ? this.ptr(ip, qname) : undefined;
      if (!ptr && !cidr) return undefined;
      if (cidr) soaZone = reverseZone(cidr);
      found = ptr;
    } else {
      return undefined;
    }
    const reply: Reply = { rcode: 'NOERROR', answers: [], authorities: [], additionals: [] };
    if (!found) {
      reply.rcode = 'NXDOMAIN';
      reply.authorities.push(this.soa(soaZone));
      return reply;
    }
    const cname = found.records.find((r) => r.type === 'CNAME');
    if (cname && qtype !== 'CNAME') {
      reply.answers.push(cname);
      // A target inside the zone is answered here too; one outside is left to the client's resolver.
      const target = (cname as StringAnswer).data.toLowerCase();
      const chased = target.endsWith(`.${this.zone}`) && target !== name ? this.resolve(target, qtype) : undefined;
      if (chased) reply.answers.push(...chased.answers.filter((r) => r.type !== 'CNAME' || r.name !== cname.name));
      return reply;
    }
    reply.answers = found.records.filter((r) => qtype === 'ANY' || r.type === qtype);
    if (reply.answers.length > 0) reply.additionals = found.additionals ?? [];
    else reply.authorities.push(this.soa(soaZone));
    return reply;
  }

  private a(name: string, ip: string): Answer {
    return { name, type: 'A', ttl: this.ttl, data: ip };
  }

  private inZone(labels: string[], qname: string): NameRecords | undefined {
    const zoneRecords = (): NameRecords => ({ records: [this.soa(), { name: this.zone, type: 'NS', ttl: this.ttl, data: `ns.dns.${this.zone}` }] });
    if (labels.length === 0) return zoneRecords();
    const kind = labels[labels.length - 1];
    const rest = labels.slice(0, -1);
    if (kind === 'svc') {
      if (rest.length === 0) return { records: [] };
      const ns = rest[rest.length - 1]!;
      if (rest.length === 1) return this.view.hasNamespace(ns) ? { records: [] } : undefined;
      const svc = this.view.service(ns, rest[rest.length - 2]!);
      if (!svc) return undefined;
      if (rest.length === 2) return this.serviceRecords(svc, qname);
      if (rest.length === 3) return this.endpointRecords(svc, rest[0]!, qname);
      if (rest.length === 4 && rest[0]!.startsWith('_') && rest[1]!.startsWith('_')) return this.srvRecords(svc, rest[0]!.slice(1), rest[1]!.slice(1), qname);
      return undefined;
    }
    if (kind === 'pod') {
      if (rest.length === 0) return { records: [] };
      if (rest.length === 1) return this.view.hasNamespace(rest[0]!) ? { records: [] } : undefined;
      if (rest.length !== 2) return undefined;
      const ip = undashed(rest[0]!);
      return ip ? { records: [this.a(qname, ip)] } : undefined;
    }
    return undefined;
  }

  private svcName(svc: Service): string {
    return `${svc.metadata?.name}.${svc.metadata?.namespace}.svc.${this.zone}`;
  }

  private readyEndpoints(svc: Service): { ep: Endpoint; slice: EndpointSlice }[] {
    const out: { ep: Endpoint; slice: EndpointSlice }[] = [];
    const seen = new Set<string>();
    for (const slice of this.view.slices(svc.metadata?.namespace ?? '', svc.metadata?.name ?? '')) {
      if (slice.addressType !== 'IPv4') continue;
      for (const ep of slice.endpoints ?? []) {
        const ip = ep.addresses[0];
        if (!ip || !isReady(ep) || seen.has(ip)) continue;
        seen.add(ip);
        out.push({ ep, slice });
      }
    }
    return out;
  }

  private serviceRecords(svc: Service, qname: string): NameRecords {
    const spec = svc.spec ?? {};
    if (spec.type === 'ExternalName') {
      return spec.externalName ? { records: [{ name: qname, type: 'CNAME', ttl: this.ttl, data: spec.externalName.replace(/\.$/, '') }] } : { records: [] };
    }
    const srv = (spec.ports ?? []).filter((p) => p.name).map((p) => this.srvRecords(svc, p.name!, (p.protocol ?? 'TCP').toLowerCase(), qname));
    const srvRecords = srv.flatMap((s) => s?.records ?? []);
    const srvExtra = srv.flatMap((s) => s?.additionals ?? []);
    if (spec.clusterIP === 'None') {
      return { records: [...this.readyEndpoints(svc).map(({ ep }) => this.a(qname, ep.addresses[0]!)), ...srvRecords], additionals: srvExtra };
    }
    const ip = spec.clusterIP;
    return { records: [...(ip && IPV4.test(ip) ? [this.a(qname, ip)] : []), ...srvRecords], additionals: srvExtra };
  }

  private endpointRecords(svc: Service, label: string, qname: string): NameRecords | undefined {
    const ips = this.readyEndpoints(svc)
      .filter(({ ep }) => (ep.hostname ?? '').toLowerCase() === label || dashed(ep.addresses[0]!) === label)
      .map(({ ep }) => this.a(qname, ep.addresses[0]!));
    return ips.length ? { records: ips } : undefined;
  }

  private srvRecords(svc: Service, port: string, proto: string, qname: string): NameRecords | undefined {
    const sp = (svc.spec?.ports ?? []).find((p) => (p.name ?? '').toLowerCase() === port && (p.protocol ?? 'TCP').toLowerCase() === proto);
    if (!sp) return undefined;
    // The owner is the name asked: `_http._tcp.web.demo.svc...`, or the bare service name (every port).
    const srvOwner = qname;
    if (svc.spec?.clusterIP !== 'None') {
      const ip = svc.spec?.clusterIP;
      const target = this.svcName(svc);
      const rec: SrvAnswer = { name: srvOwner, type: 'SRV', ttl: this.ttl, data: { priority: 0, weight: 100, port: sp.port, target } };
      return { records: [rec], additionals: ip && IPV4.test(ip) ? [this.a(target, ip)] : [] };
    }
    const eps = this.readyEndpoints(svc).flatMap(({ ep, slice }) => {
      const p = (slice.ports ?? []).find((q) => (q.name ?? '').toLowerCase() === port && (q.protocol ?? 'TCP').toLowerCase() === proto);
      return p?.port ? [{ ep, port: p.port }] : [];
    });
    const weight = eps.length ? Math.max(1, Math.floor(100 / eps.length)) : 100;
    const records: Answer[] = [];
    const additionals: Answer[] = [];
    for (const { ep, port: target } of eps) {
      const host = `${ep.hostname ?? dashed(ep.addresses[0]!)}.${this.svcName(svc)}`;
      records.push({ name: srvOwner, type: 'SRV', ttl: this.ttl, data: { priority: 0, weight, port: target, target: host } });
      additionals.push(this.a(host, ep.addresses[0]!));
    }
    return { records, additionals };
  }

  private ptr(ip: string, qname: string): NameRecords | undefined {
    const names = new Set<string>();
    for (const svc of this.view.servicesByIP(ip)) names.add(this.svcName(svc));
    for (const slice of this.view.slicesByIP(ip)) {
      const svcName = slice.metadata?.labels?.['kubernetes.io/service-name'];
      if (!svcName) continue;
      for (const ep of slice.endpoints ?? []) {
        if (ep.addresses.includes(ip)) names.add(`${ep.hostname ?? dashed(ip)}.${svcName}.${slice.metadata?.namespace}.svc.${this.zone}`);
      }
    }
    if (names.size === 0) {
      for (const pod of this.view.podsByIP(ip)) {
        if (!pod.spec?.hostNetwork) names.add(`${dashed(ip)}.${pod.metadata?.namespace}.pod.${this.zone}`);
      }
    }
    if (names.size === 0) return undefined;
    return { records: [...names].map((data) => ({ name: qname, type: 'PTR', ttl: this.ttl, data })) };
  }
}
