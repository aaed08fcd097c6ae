// networking.k8s.io/v1 and discovery.k8s.io/v1 printers: ingresses, ingress classes, network policies,
// endpoint slices.
import { AGE, NAME, col } from './columns.js';
import { loadBalancerIngress } from './core.js';
import { age, formatLabelSelector, int, list, obj, objs, str } from './format.js';
import type { Printer } from './types.js';

/** Up to three rule hosts, "*" when no rule names one. */
export function ingressHosts(rules: unknown): string {
  const all = objs(rules);
  const hosts: string[] = [];
  let more = false;
  for (const r of all) {
    if (hosts.length === 3) more = true;
    if (!more && str(r.host)) hosts.push(str(r.host));
  }
  if (hosts.length === 0) return '*';
  return more ? `${hosts.join(',')} + ${all.length - 3} more...` : hosts.join(',');
}

export const ingressPrinter: Printer = {
  columns: [
    NAME,
    col('Class', 'string', 'The name of the IngressClass resource that should be used for additional configuration'),
    col('Hosts', 'string', 'Hosts that incoming requests are matched against before the ingress rule'),
    col('Address', 'string', 'Address is a list containing ingress points for the load-balancer'),
    col('Ports', 'string', 'Ports of TLS configurations that open'),
    AGE,
  ],
  cells(o, now) {
    const spec = obj(o.spec);
    return [
      o.metadata?.name ?? '',
      str(spec.ingressClassName) || '<none>',
      ingressHosts(spec.rules),
      loadBalancerIngress(obj(obj(o.status).loadBalancer)),
      list(spec.tls).length ? '80, 443' : '80',
      age(o.metadata?.creationTimestamp, now),
    ];
  },
};

export const ingressClassPrinter: Printer = {
  columns: [
    NAME,
    col('Controller', 'string', 'Controller that is responsible for handling this class'),
    col('Parameters', 'string', 'A reference to a resource with additional parameters'),
    AGE,
  ],
  cells(o, now) {
    const spec = obj(o.spec);
    let parameters = '<none>';
    if (spec.parameters !== undefined) {
      const p = obj(spec.parameters);
      parameters = `${str(p.kind)}${str(p.apiGroup) ? `.${str(p.apiGroup)}` : ''}/${str(p.name)}`;
    }
    return [o.metadata?.name ?? '', str(spec.controller), parameters, age(o.metadata?.creationTimestamp, now)];
  },
};

export const networkPolicyPrinter: Printer = {
  columns: [NAME, col('Pod-Selector', 'string', 'podSelector selects the pods to which this NetworkPolicy object applies.'), AGE],
  cells: (o, now) => [o.metadata?.name ?? '', formatLabelSelector(obj(o.spec).podSelector), age(o.metadata?.creationTimestamp, now)],
};

function listWithMore(items: string[], total: number): string {
  if (total > 3) return `${items.slice(0, 3).join(',')} + ${total - 3} more...`;
  return items.join(',') || '<unset>';
}

export const endpointSlicePrinter: Printer = {
  columns: [
    NAME,
    col('AddressType', 'string', 'addressType specifies the type of address carried by this EndpointSlice.'),
    col('Ports', 'string', 'ports specifies the list of network ports exposed by each endpoint in this slice.'),
    col('Endpoints', 'string', 'endpoints is a list of unique endpoints in this slice.'),
    AGE,
  ],
  cells(o, now) {
    const ports = objs(o.ports).map((p) => (typeof p.port === 'number' ? String(int(p.port)) : str(p.name) || '*'));
    const addresses = objs(o.endpoints).flatMap((e) => list(e.addresses).map(str));
    return [o.metadata?.name ?? '', str(o.addressType), listWithMore(ports, ports.length), listWithMore(addresses, addresses.length), age(o.metadata?.creationTimestamp, now)];
  },
};
