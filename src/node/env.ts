// A container's environment from its spec: the pod's service variables (service-env.ts) as the base, then envFrom
// (in order, with prefix), then env (later entries win and may refer to earlier ones, or to service variables, with
// $(VAR)), values from ConfigMaps, Secrets, the downward API and resource fields.
// A missing ConfigMap, Secret or key that is not optional is a CreateContainerConfigError with kubelet's message.
import type { ConfigMap, Container, EnvVar, Pod, Secret } from 'kubernetes-types/core/v1.js';
import { Quantity } from '../api/quantity.js';
import { expandVars } from './expand.js';

export interface ConfigSource {
  configMap(namespace: string, name: string): ConfigMap | undefined;
  secret(namespace: string, name: string): Secret | undefined;
}

export class ContainerConfigError extends Error {}

export interface EnvContext {
  pod: Pod;
  container: Container;
  source: ConfigSource;
  podIP?: string;
  hostIP?: string;
  nodeName: string;
  node: NodeSize;
  /** The pod's service variables ({NAME}_SERVICE_HOST...): the container's own env and envFrom override them. */
  services?: Record<string, string>;
}

function secretValue(s: Secret, key: string): string | undefined {
  const b = s.data?.[key];
  if (b !== undefined) return Buffer.from(b, 'base64').toString('utf8');
  return s.stringData?.[key];
}

export function fieldRefValue(pod: Pod, path: string, c: Pick<EnvContext, 'podIP' | 'hostIP' | 'nodeName'>): string {
  const m = pod.metadata ?? {};
  const sub = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (sub) return (sub[1] === 'labels' ? m.labels : m.annotations)?.[sub[2]!] ?? '';
  switch (path) {
    case 'metadata.name':
      return m.name ?? '';
    case 'metadata.namespace':
      return m.namespace ?? '';
    case 'metadata.uid':
      return m.uid ?? '';
    case 'metadata.labels':
      return formatMap(m.labels);
    case 'metadata.annotations':
      return formatMap(m.annotations);
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? c.nodeName;
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? 'default';
    case 'status.podIP':
      return c.podIP ?? '';
    case 'status.podIPs':
      return c.podIP ?? '';
    case 'status.hostIP':
    case 'status.hostIPs':
      return c.hostIP ?? '';
    default:
      throw new ContainerConfigError(`unsupported fieldRef ${path}`);
  }
}

/** key="value" lines, sorted, as the downward API writes labels and annotations. */
export function formatMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${JSON.stringify(m![k])}`)
    .join('\n');
}

/** Machine size, reported for resourceFieldRef limits the container does not set (as kubelet reports allocatable). */
export interface NodeSize {
  cpus: number;
  memoryBytes: number;
}

export function resourceFieldValue(pod: Pod, containerName: string | undefined, resource: string, divisor: string | undefined, node: NodeSize): string {
  const c = (pod.spec?.containers ?? []).find((x) => x.name === containerName) ?? pod.spec?.containers?.[0];
  const [kind, res] = resource.split('.') as [string, string];
  const fromSpec = kind === 'limits' ? c?.resources?.limits?.[res] : c?.resources?.requests?.[res];
  const fallback = kind === 'limits' ? (res === 'cpu' ? String(node.cpus) : String(node.memoryBytes)) : '0';
  const q = Quantity.parse(String(fromSpec ?? fallback));
  const d = Quantity.parse(divisor ?? '1');
  if (!q || !d || d.milliValue() === 0) return String(fromSpec ?? fallback);
  return String(Math.ceil(q.milliValue() / d.milliValue()));
}

export function resolveEnv(ctx: EnvContext): Record<string, string> {
  const { pod, container, source } = ctx;
  const ns = pod.metadata?.namespace ?? 'default';
  const env: Record<string, string> = { ...ctx.services };
  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    if (from.configMapRef) {
      const cm = source.configMap(ns, from.configMapRef.name ?? '');
      if (!cm) {
        if (from.configMapRef.optional) continue;
        throw new ContainerConfigError(`configmap "${from.configMapRef.name}" not found`);
      }
      for (const [k, v] of Object.entries(cm.data ?? {})) env[prefix + k] = v;
    } else if (from.secretRef) {
      const s = source.secret(ns, from.secretRef.name ?? '');
      if (!s) {
        if (from.secretRef.optional) continue;
        throw new ContainerConfigError(`secret "${from.secretRef.name}" not found`);
      }
      for (const k of Object.keys({ ...s.data, ...s.stringData })) env[prefix + k] = secretValue(s, k) ?? '';
    }
  }
  const look = (n: string) => env[n];
  for (const e of container.env ?? []) {
    const v = envValue(e, ctx, ns);
    if (v !== undefined) env[e.name] = v;
    else if (e.value !== undefined || !e.valueFrom) env[e.name] = expandVars(e.value ?? '', look);
  }
  return env;
}

function envValue(e: EnvVar, ctx: EnvContext, ns: string): string | undefined {
  const vf = e.valueFrom;
  if (!vf) return undefined;
  if (vf.configMapKeyRef) {
    const { name = '', key, optional } = vf.configMapKeyRef;
    const cm = ctx.source.configMap(ns, name);
    if (!cm) {
      if (optional) return undefined;
      throw new ContainerConfigError(`configmap "${name}" not found`);
    }
    const v = cm.data?.[key];
    if (v === undefined && !optional) throw new ContainerConfigError(`couldn't find key ${key} in ConfigMap ${ns}/${name}`);
    return v;
  }
  if (vf.secretKeyRef) {
    const { name = '', key, optional } = vf.secretKeyRef;
    const s = ctx.source.secret(ns, name);
    if (!s) {
      if (optional) return undefined;
      throw new ContainerConfigError(`secret "${name}" not found`);
    }
    const v = secretValue(s, key);
    if (v === undefined && !optional) throw new ContainerConfigError(`couldn't find key ${key} in Secret ${ns}/${name}`);
    return v;
  }
  if (vf.fieldRef) return fieldRefValue(ctx.pod, vf.fieldRef.fieldPath, ctx);
  if (vf.resourceFieldRef) {
    const r = vf.resourceFieldRef;
    return resourceFieldValue(ctx.pod, r.containerName ?? ctx.container.name, r.resource, r.divisor === undefined ? undefined : String(r.divisor), ctx.node);
  }
  return undefined;
}
