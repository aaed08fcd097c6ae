// networking.k8s.io/v1: Ingresses, IngressClasses, NetworkPolicies.
import { field, type FieldError } from '../errors.js';
import type { KubeObject } from '../object.js';
import { arr, eachInvalid, enumValue, GoLiteral, immutable, rec, str, type Obj } from './access.js';
import { isDNS1035Label, isDNS1123Subdomain, isIP, isQualifiedName, isValidPortName, isValidPortNum, isWildcardDNS1123Subdomain, regexError } from './names.js';
import { validatePortNumOrName } from './pod.js';
import { validateLabelSelector } from './selector.js';

const spec = (o: KubeObject): Obj => rec(o.spec) ?? {};
const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'];

function validateHost(host: string, p: string): FieldError[] {
  const errs: FieldError[] = [];
  if (isIP(host)) errs.push(field.invalid(p, host, 'must be a DNS name, not an IP address'));
  errs.push(...eachInvalid(p, host, host.includes('*') ? isWildcardDNS1123Subdomain(host) : isDNS1123Subdomain(host)));
  return errs;
}

function validateBackend(b: Obj, p: string): FieldError[] {
  const hasResource = !!rec(b.resource);
  const svc = rec(b.service);
  if (hasResource && svc) return [field.invalid(p, '', 'cannot set both resource and service backends')];
  if (hasResource) {
    const r = rec(b.resource)!;
    const errs: FieldError[] = [];
    if (!str(r.kind)) errs.push(field.required(`${p}.resource.kind`, ''));
    if (!str(r.name)) errs.push(field.required(`${p}.resource.name`, ''));
    return errs;
  }
  if (!svc) return [field.invalid(p, '', 'resource or service backend is required')];
  const errs: FieldError[] = [];
  const name = str(svc.name) ?? '';
  if (!name) errs.push(field.required(`${p}.service.name`, ''));
  else errs.push(...eachInvalid(`${p}.service.name`, name, isDNS1035Label(name)));
  const port = rec(svc.port) ?? {};
  const pname = str(port.name) ?? '';
  const pnum = typeof port.number === 'number' ? port.number : 0;
  if (pname && pnum) errs.push(field.invalid(p, '', 'cannot set both port name & port number'));
  else if (pname) errs.push(...eachInvalid(`${p}.service.port.name`, pname, isValidPortName(pname)));
  else if (pnum) errs.push(...eachInvalid(`${p}.service.port.number`, pnum, isValidPortNum(pnum)));
  else errs.push(field.required(p, 'port name or number is required'));
  return errs;
}

function validatePath(x: Obj, p: string): FieldError[] {
  const errs: FieldError[] = [];
  const pt = x.pathType;
  const path = str(x.path) ?? '';
  if (pt === undefined || pt === null || pt === '') return [field.required(`${p}.pathType`, 'pathType must be specified')];
  if (pt === 'Exact' || pt === 'Prefix') {
    if (!path.startsWith('/')) errs.push(field.invalid(`${p}.path`, path, 'must be an absolute path'));
    if (path.length > 0) {
      for (const seq of ['//', '/./', '/../', '%2f', '%2F']) if (path.includes(seq)) errs.push(field.invalid(`${p}.path`, path, `must not contain '${seq}'`));
      for (const suf of ['/..', '/.']) if (path.endsWith(suf)) errs.push(field.invalid(`${p}.path`, path, `cannot end with '${suf}'`));
    }
  } else if (pt === 'ImplementationSpecific') {
    if (path.length > 0 && !path.startsWith('/')) errs.push(field.invalid(`${p}.path`, path, 'must be an absolute path'));
  } else errs.push(field.notSupported(`${p}.pathType`, pt, PATH_TYPES));
  errs.push(...validateBackend(rec(x.backend) ?? {}, `${p}.backend`));
  return errs;
}

export function validateIngress(o: KubeObject): FieldError[] {
  const s = spec(o);
  const errs: FieldError[] = [];
  const rules = arr(s.rules);
  if (rules.length === 0 && !rec(s.defaultBackend))
    errs.push(field.invalid('spec.rules', new GoLiteral('[]networking.IngressRule(nil)'), 'either `defaultBackend` or `rules` must be specified'));
  if (rec(s.defaultBackend)) errs.push(...validateBackend(rec(s.defaultBackend)!, 'spec.defaultBackend'));
  rules.forEach((r, i) => {
    const rule = rec(r) ?? {};
    const p = `spec.rules[${i}]`;
    const host = str(rule.host);
    if (host) errs.push(...validateHost(host, `${p}.host`));
    const http = rec(rule.http);
    if (http) {
      const paths = arr(http.paths);
      if (paths.length === 0) errs.push(field.required(`${p}.http.paths`, ''));
      paths.forEach((x, j) => errs.push(...validatePath(rec(x) ?? {}, `${p}.http.paths[${j}]`)));
    }
  });
  arr(s.tls).forEach((t, i) => {
    arr(rec(t)?.hosts).forEach((h, j) => {
      const host = String(h);
      errs.push(...eachInvalid(`spec.tls[${i}].hosts[${j}]`, host, host.includes('*') ? isWildcardDNS1123Subdomain(host) : isDNS1123Subdomain(host)));
    });
  });
  const cls = str(s.ingressClassName);
  if (cls !== undefined) errs.push(...eachInvalid('spec.ingressClassName', cls, isDNS1123Subdomain(cls)));
  return errs;
}

const httpPathFmt = "[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+";

export function validateIngressClass(o: KubeObject): FieldError[] {
  const s = spec(o);
  const errs: FieldError[] = [];
  const c = str(s.controller) ?? '';
  if (!c) errs.push(field.required('spec.controller', ''));
  else if (c.length > 250) errs.push(field.tooLong('spec.controller', 250));
  else {
    const i = c.indexOf('/');
    const host = i < 0 ? '' : c.slice(0, i);
    const rest = i < 0 ? '' : c.slice(i + 1);
    if (!host || !rest) errs.push(field.invalid('spec.controller', c, 'must be a domain-prefixed path (such as "acme.io/foo")'));
    else {
      errs.push(...eachInvalid('spec.controller', host, isDNS1123Subdomain(host)));
      if (!new RegExp(`^${httpPathFmt}$`).test(rest)) errs.push(field.invalid('spec.controller', rest, regexError('Invalid path', httpPathFmt)));
    }
  }
  const params = rec(s.parameters);
  if (params) {
    if (!str(params.kind)) errs.push(field.required('spec.parameters.kind', ''));
    if (!str(params.name)) errs.push(field.required('spec.parameters.name', ''));
    if (params.scope !== undefined) errs.push(...enumValue(params.scope, 'spec.parameters.scope', ['Cluster', 'Namespace']));
  }
  return errs;
}

export const validateIngressClassUpdate = (o: KubeObject, old: KubeObject): FieldError[] =>
  immutable(spec(o).controller, spec(old).controller, 'spec.controller');

export function validateNetworkPolicy(o: KubeObject): FieldError[] {
  const s = spec(o);
  const errs = validateLabelSelector(s.podSelector, 'spec.podSelector');
  arr(s.policyTypes).forEach((t, i) => {
    if (t !== 'Ingress' && t !== 'Egress') errs.push(field.notSupported(`spec.policyTypes[${i}]`, t, ['Egress', 'Ingress']));
  });
  for (const dir of ['ingress', 'egress'] as const) {
    arr(s[dir]).forEach((r, i) => {
      const rule = rec(r) ?? {};
      arr(rule.ports).forEach((x, j) => {
        const port = rec(x) ?? {};
        const p = `spec.${dir}[${i}].ports[${j}]`;
        if (port.protocol !== undefined) errs.push(...enumValue(port.protocol, `${p}.protocol`, ['SCTP', 'TCP', 'UDP']));
        if (port.port !== undefined) errs.push(...validatePortNumOrName(port.port, `${p}.port`));
      });
      const peers = arr(rule[dir === 'ingress' ? 'from' : 'to']);
      peers.forEach((x, j) => {
        const peer = rec(x) ?? {};
        const p = `spec.${dir}[${i}].${dir === 'ingress' ? 'from' : 'to'}[${j}]`;
        if (peer.podSelector) errs.push(...validateLabelSelector(peer.podSelector, `${p}.podSelector`));
        if (peer.namespaceSelector) errs.push(...validateLabelSelector(peer.namespaceSelector, `${p}.namespaceSelector`));
        const n = ['podSelector', 'namespaceSelector', 'ipBlock'].filter((k) => peer[k] !== undefined).length;
        if (n === 0) errs.push(field.required(p, 'must specify a peer'));
        else if (peer.ipBlock !== undefined && n > 1) errs.push(field.forbidden(p, 'may not specify both ipBlock and another peer'));
      });
    });
  }
  return errs;
}

export { isQualifiedName };
