// discovery.k8s.io/v1 EndpointSlices and core Endpoints.
import { field, type FieldError } from '../errors.js';
import type { KubeObject } from '../object.js';
import { arr, eachInvalid, enumValue, rec, str } from './access.js';
import { isDNS1123Label, isDNS1123Subdomain, isIPv4, isIPv6, isValidPortNum } from './names.js';

const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'];

export function validateEndpointSlice(o: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const at = o.addressType;
  if (at === undefined || at === '') errs.push(field.required('addressType', ''));
  else if (!ADDRESS_TYPES.includes(String(at))) errs.push(field.notSupported('addressType', at, ADDRESS_TYPES));
  const endpoints = arr(o.endpoints);
  if (endpoints.length > 1000) errs.push(field.tooMany('endpoints', endpoints.length, 1000));
  endpoints.forEach((e, i) => {
    const ep = rec(e) ?? {};
    const p = `endpoints[${i}]`;
    const addrs = arr(ep.addresses);
    if (addrs.length === 0) errs.push(field.required(`${p}.addresses`, 'must contain at least 1 address'));
    else if (addrs.length > 100) errs.push(field.tooMany(`${p}.addresses`, addrs.length, 100));
    addrs.forEach((a, j) => {
      const addr = String(a);
      const ap = `${p}.addresses[${j}]`;
      if (at === 'IPv4' && !isIPv4(addr)) errs.push(field.invalid(ap, addr, 'must be a valid IPv4 address'));
      if (at === 'IPv6' && !isIPv6(addr)) errs.push(field.invalid(ap, addr, 'must be a valid IPv6 address'));
      if (at === 'FQDN') errs.push(...eachInvalid(ap, addr, isDNS1123Subdomain(addr)));
    });
    const hn = str(ep.hostname);
    if (hn) errs.push(...eachInvalid(`${p}.hostname`, hn, isDNS1123Label(hn)));
  });
  const names = new Set<string>();
  arr(o.ports).forEach((x, i) => {
    const port = rec(x) ?? {};
    const p = `ports[${i}]`;
    const name = str(port.name) ?? '';
    if (name) errs.push(...eachInvalid(`${p}.name`, name, isDNS1123Label(name)));
    if (names.has(name)) errs.push(field.duplicate(`${p}.name`, name));
    names.add(name);
    if (port.port !== undefined && port.port !== null) errs.push(...eachInvalid(`${p}.port`, port.port, isValidPortNum(Number(port.port))));
    errs.push(...enumValue(port.protocol, `${p}.protocol`, ['SCTP', 'TCP', 'UDP']));
  });
  return errs;
}

export function validateEndpoints(o: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  arr(o.subsets).forEach((s, i) => {
    const subset = rec(s) ?? {};
    const p = `subsets[${i}]`;
    for (const k of ['addresses', 'notReadyAddresses'])
      arr(subset[k]).forEach((a, j) => {
        const ip = str(rec(a)?.ip) ?? '';
        if (!isIPv4(ip) && !isIPv6(ip))
          errs.push(field.invalid(`${p}.${k}[${j}].ip`, ip, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
      });
    arr(subset.ports).forEach((x, j) => {
      const port = rec(x) ?? {};
      const pp = `${p}.ports[${j}]`;
      errs.push(...eachInvalid(`${pp}.port`, port.port ?? 0, isValidPortNum(Number(port.port ?? 0))));
      errs.push(...enumValue(port.protocol, `${pp}.protocol`, ['SCTP', 'TCP', 'UDP']));
    });
  });
  return errs;
}
