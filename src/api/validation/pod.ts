// Pod spec rules (pkg/apis/core/validation): containers, ports, env, volumes and mounts, probes, policies.
// Paths are built from the caller's prefix, so the same checks serve pods ("spec") and every workload
// template ("spec.template.spec", "spec.jobTemplate.spec.template.spec").
import { field, type FieldError } from '../errors.js';
import { arr, eachInvalid, enumValue, nonNegative, num, rec, str, type Obj } from './access.js';
import { validateLabels } from './meta.js';
import {
  isConfigMapKey,
  isDNS1123Label,
  isDNS1123Subdomain,
  isEnvVarName,
  isQualifiedName,
  isValidLabelValue,
  isValidPortName,
  isValidPortNum,
  inclusiveRangeError,
} from './names.js';
import { quantityAt, validateNonnegativeQuantity, validateResourceRequirements } from './resources.js';

export const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const TERMINATION_MESSAGE_POLICIES = ['File', 'FallbackToLogsOnError'];

const VOLUME_SOURCES = [
  'hostPath', 'emptyDir', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'secret', 'nfs', 'iscsi', 'glusterfs',
  'persistentVolumeClaim', 'rbd', 'flexVolume', 'cinder', 'cephfs', 'flocker', 'downwardAPI', 'fc', 'azureFile',
  'configMap', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'projected', 'portworxVolume',
  'scaleIO', 'storageos', 'csi', 'ephemeral', 'image',
];

export interface PodSpecOptions {
  /** Jobs allow only OnFailure and Never; templates of other workloads only Always. */
  restartPolicies?: string[];
}

export function validatePodSpec(specIn: unknown, path: string, opts: PodSpecOptions = {}): FieldError[] {
  const spec = rec(specIn) ?? {};
  const errs: FieldError[] = [];
  const volumes = validateVolumes(spec.volumes, `${path}.volumes`, errs);
  const names = new Set<string>();
  arr(spec.initContainers).forEach((c, i) => errs.push(...validateContainer(rec(c) ?? {}, `${path}.initContainers[${i}]`, volumes, names, true)));
  const containers = arr(spec.containers);
  if (containers.length === 0) errs.push(field.required(`${path}.containers`, ''));
  containers.forEach((c, i) => errs.push(...validateContainer(rec(c) ?? {}, `${path}.containers[${i}]`, volumes, names, false)));

  const rp = spec.restartPolicy;
  if (rp === undefined || rp === '') errs.push(field.required(`${path}.restartPolicy`, ''));
  else if (typeof rp !== 'string' || !RESTART_POLICIES.includes(rp)) errs.push(field.notSupported(`${path}.restartPolicy`, rp, RESTART_POLICIES));
  else if (opts.restartPolicies && !opts.restartPolicies.includes(rp))
    errs.push(field.notSupported(`${path}.restartPolicy`, rp, opts.restartPolicies));

  errs.push(...enumValue(spec.dnsPolicy, `${path}.dnsPolicy`, DNS_POLICIES));
  errs.push(...validateLabels(spec.nodeSelector, `${path}.nodeSelector`));
  const sa = str(spec.serviceAccountName);
  if (sa) errs.push(...eachInvalid(`${path}.serviceAccountName`, sa, isDNS1123Subdomain(sa)));
  const nodeName = str(spec.nodeName);
  if (nodeName) errs.push(...eachInvalid(`${path}.nodeName`, nodeName, isDNS1123Subdomain(nodeName)));
  const ads = num(spec.activeDeadlineSeconds);
  if (ads !== undefined && (ads < 1 || ads > 2147483647))
    errs.push(field.invalid(`${path}.activeDeadlineSeconds`, ads, inclusiveRangeError(1, 2147483647)));
  for (const k of ['hostname', 'subdomain'] as const) {
    const v = str(spec[k]);
    if (v) errs.push(...eachInvalid(`${path}.${k}`, v, isDNS1123Label(v)));
  }
  errs.push(...validateTolerations(spec.tolerations, `${path}.tolerations`));
  if (spec.resources !== undefined) errs.push(...validateResourceRequirements(spec.resources, `${path}.resources`));
  return errs;
}

function validateVolumes(list: unknown, path: string, errs: FieldError[]): Set<string> {
  const names = new Set<string>();
  arr(list).forEach((v, i) => {
    const vol = rec(v) ?? {};
    const p = `${path}[${i}]`;
    const name = str(vol.name) ?? '';
    if (!name) errs.push(field.required(`${p}.name`, ''));
    else {
      const bad = isDNS1123Label(name);
      errs.push(...eachInvalid(`${p}.name`, name, bad));
      if (names.has(name)) errs.push(field.duplicate(`${p}.name`, name));
      else if (bad.length === 0) names.add(name);
    }
    const sources = VOLUME_SOURCES.filter((s) => vol[s] !== undefined && vol[s] !== null);
    if (sources.length === 0) errs.push(field.required(p, 'must specify a volume type'));
    for (const extra of sources.slice(1)) errs.push(field.forbidden(`${p}.${extra}`, 'may not specify more than 1 volume type'));
    const src = sources[0];
    if (src) errs.push(...validateVolumeSource(src, rec(vol[src]) ?? {}, `${p}.${src}`));
  });
  return names;
}

function validateVolumeSource(kind: string, s: Obj, p: string): FieldError[] {
  const errs: FieldError[] = [];
  switch (kind) {
    case 'hostPath':
      if (!str(s.path)) errs.push(field.required(`${p}.path`, ''));
      break;
    case 'secret': {
      const n = str(s.secretName);
      if (!n) errs.push(field.required(`${p}.secretName`, ''));
      errs.push(...validateKeyToPaths(s.items, `${p}.items`), ...validateMode(s.defaultMode, `${p}.defaultMode`));
      break;
    }
    case 'configMap':
      if (!str(s.name)) errs.push(field.required(`${p}.name`, ''));
      errs.push(...validateKeyToPaths(s.items, `${p}.items`), ...validateMode(s.defaultMode, `${p}.defaultMode`));
      break;
    case 'persistentVolumeClaim':
      if (!str(s.claimName)) errs.push(field.required(`${p}.claimName`, ''));
      break;
    case 'emptyDir': {
      if (s.medium !== undefined && s.medium !== '' && s.medium !== 'Memory' && !String(s.medium).startsWith('HugePages'))
        errs.push(field.notSupported(`${p}.medium`, s.medium, ['', 'Memory', 'HugePages']));
      if (s.sizeLimit !== undefined) {
        const q = quantityAt(s.sizeLimit, `${p}.sizeLimit`, errs);
        if (q && q.sign() <= 0) errs.push(field.forbidden(`${p}.sizeLimit`, 'SizeLimit field must be a valid resource quantity'));
      }
      break;
    }
    case 'nfs':
      if (!str(s.server)) errs.push(field.required(`${p}.server`, ''));
      if (!str(s.path)) errs.push(field.required(`${p}.path`, ''));
      else if (!String(s.path).startsWith('/')) errs.push(field.invalid(`${p}.path`, s.path, 'must be an absolute path'));
      break;
    case 'csi':
      if (!str(s.driver)) errs.push(field.required(`${p}.driver`, ''));
      break;
    case 'image':
      if (!str(s.reference)) errs.push(field.required(`${p}.reference`, ''));
      break;
  }
  return errs;
}

function validateMode(mode: unknown, p: string): FieldError[] {
  const m = num(mode);
  return m !== undefined && (m < 0 || m > 0o777)
    ? [field.invalid(p, m, 'must be a number between 0 and 0777 (octal), both inclusive')]
    : [];
}

function validateKeyToPaths(items: unknown, p: string): FieldError[] {
  const errs: FieldError[] = [];
  arr(items).forEach((it, i) => {
    const kp = rec(it) ?? {};
    const ip = `${p}[${i}]`;
    if (!str(kp.key)) errs.push(field.required(`${ip}.key`, ''));
    const path = str(kp.path) ?? '';
    if (!path) errs.push(field.required(`${ip}.path`, ''));
    errs.push(...validateLocalDescendingPath(path, `${ip}.path`), ...validateMode(kp.mode, `${ip}.mode`));
  });
  return errs;
}

function validateLocalDescendingPath(path: string, p: string): FieldError[] {
  const errs: FieldError[] = [];
  if (path.startsWith('/')) errs.push(field.invalid(p, path, 'must be a relative path'));
  if (path.split(/[\\/]/).includes('..')) errs.push(field.invalid(p, path, "must not contain '..'"));
  return errs;
}

function validateContainer(c: Obj, p: string, volumes: Set<string>, names: Set<string>, init: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(c.name) ?? '';
  if (!name) errs.push(field.required(`${p}.name`, ''));
  else {
    errs.push(...eachInvalid(`${p}.name`, name, isDNS1123Label(name)));
    if (names.has(name)) errs.push(field.duplicate(`${p}.name`, name));
    else names.add(name);
  }
  const image = str(c.image) ?? '';
  if (!image) errs.push(field.required(`${p}.image`, ''));
  else if (image.trim() !== image) errs.push(field.invalid(`${p}.image`, image, 'must not have leading or trailing whitespace'));

  errs.push(...enumValue(c.imagePullPolicy, `${p}.imagePullPolicy`, PULL_POLICIES));
  if (c.terminationMessagePolicy !== undefined)
    errs.push(...enumValue(c.terminationMessagePolicy, `${p}.terminationMessagePolicy`, TERMINATION_MESSAGE_POLICIES));
  errs.push(...validatePorts(c.ports, `${p}.ports`));
  errs.push(...validateEnv(c.env, `${p}.env`));
  errs.push(...validateEnvFrom(c.envFrom, `${p}.envFrom`));
  errs.push(...validateVolumeMounts(c.volumeMounts, `${p}.volumeMounts`, volumes));
  errs.push(...validateResourceRequirements(c.resources, `${p}.resources`));

  const restartPolicy = c.restartPolicy;
  const sidecar = init && restartPolicy === 'Always';
  if (restartPolicy !== undefined) {
    if (!init) errs.push(field.forbidden(`${p}.restartPolicy`, 'may not be set for non-init containers'));
    else if (restartPolicy !== 'Always') errs.push(field.notSupported(`${p}.restartPolicy`, restartPolicy, ['Always']));
  }
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe'] as const) {
    if (c[probe] === undefined || c[probe] === null) continue;
    if (init && !sidecar) {
      errs.push(field.forbidden(`${p}.${probe}`, 'may not be set for init containers without restartPolicy=Always'));
      continue;
    }
    errs.push(...validateProbe(rec(c[probe]) ?? {}, `${p}.${probe}`, probe));
  }
  const lifecycle = rec(c.lifecycle);
  if (lifecycle) {
    if (init && !sidecar) errs.push(field.forbidden(`${p}.lifecycle`, 'may not be set for init containers without restartPolicy=Always'));
    else
      for (const h of ['postStart', 'preStop'] as const) {
        const handler = rec(lifecycle[h]);
        if (handler) errs.push(...validateHandler(handler, `${p}.lifecycle.${h}`, ['exec', 'httpGet', 'tcpSocket', 'sleep']));
      }
  }
  return errs;
}

export function validatePorts(list: unknown, p: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  arr(list).forEach((x, i) => {
    const port = rec(x) ?? {};
    const ip = `${p}[${i}]`;
    const name = str(port.name) ?? '';
    if (name) {
      const bad = isValidPortName(name);
      if (bad.length > 0) errs.push(...eachInvalid(`${ip}.name`, name, bad));
      else if (names.has(name)) errs.push(field.duplicate(`${ip}.name`, name));
      else names.add(name);
    }
    const cp = port.containerPort;
    if (cp === undefined || cp === 0) errs.push(field.required(`${ip}.containerPort`, ''));
    else errs.push(...eachInvalid(`${ip}.containerPort`, cp, isValidPortNum(Number(cp))));
    if (port.hostPort !== undefined && port.hostPort !== 0)
      errs.push(...eachInvalid(`${ip}.hostPort`, port.hostPort, isValidPortNum(Number(port.hostPort))));
    errs.push(...enumValue(port.protocol, `${ip}.protocol`, PROTOCOLS));
  });
  return errs;
}

function validateEnv(list: unknown, p: string): FieldError[] {
  const errs: FieldError[] = [];
  arr(list).forEach((x, i) => {
    const ev = rec(x) ?? {};
    const ip = `${p}[${i}]`;
    const name = str(ev.name) ?? '';
    if (!name) errs.push(field.required(`${ip}.name`, ''));
    else errs.push(...eachInvalid(`${ip}.name`, name, isEnvVarName(name)));
    const from = rec(ev.valueFrom);
    if (!from) return;
    const fp = `${ip}.valueFrom`;
    const sources = ['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef', 'fileKeyRef'].filter((k) => rec(from[k]));
    if (sources.length === 0)
      errs.push(field.invalid(fp, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
    if (str(ev.value)) errs.push(field.invalid(fp, '', 'may not be specified when `value` is not empty'));
    if (sources.length > 1) errs.push(field.invalid(fp, '', 'may not have more than one field specified at a time'));
    for (const k of ['configMapKeyRef', 'secretKeyRef'] as const) {
      const ref = rec(from[k]);
      if (!ref) continue;
      const key = str(ref.key) ?? '';
      if (!key) errs.push(field.required(`${fp}.${k}.key`, ''));
      else errs.push(...eachInvalid(`${fp}.${k}.key`, key, isConfigMapKey(key)));
    }
    const fieldRef = rec(from.fieldRef);
    if (fieldRef && !str(fieldRef.fieldPath)) errs.push(field.required(`${fp}.fieldRef.fieldPath`, ''));
    const rf = rec(from.resourceFieldRef);
    if (rf && !str(rf.resource)) errs.push(field.required(`${fp}.resourceFieldRef.resource`, ''));
  });
  return errs;
}

function validateEnvFrom(list: unknown, p: string): FieldError[] {
  const errs: FieldError[] = [];
  arr(list).forEach((x, i) => {
    const ef = rec(x) ?? {};
    const ip = `${p}[${i}]`;
    const prefix = str(ef.prefix);
    if (prefix) errs.push(...eachInvalid(`${ip}.prefix`, prefix, isEnvVarName(prefix)));
    const refs = ['configMapRef', 'secretRef'].filter((k) => rec(ef[k]));
    if (refs.length === 0) errs.push(field.invalid(ip, '', 'must specify one of: `configMapRef` or `secretRef`'));
    if (refs.length > 1) errs.push(field.invalid(ip, '', 'may not have more than one field specified at a time'));
    for (const k of refs) {
      const n = str(rec(ef[k])?.name) ?? '';
      if (!n) errs.push(field.required(`${ip}.${k}.name`, ''));
      else errs.push(...eachInvalid(`${ip}.${k}.name`, n, isDNS1123Subdomain(n)));
    }
  });
  return errs;
}

function validateVolumeMounts(list: unknown, p: string, volumes: Set<string>): FieldError[] {
  const errs: FieldError[] = [];
  const paths = new Set<string>();
  arr(list).forEach((x, i) => {
    const m = rec(x) ?? {};
    const ip = `${p}[${i}]`;
    const name = str(m.name) ?? '';
    if (!name) errs.push(field.required(`${ip}.name`, ''));
    else if (!volumes.has(name)) errs.push({ type: 'FieldValueNotFound', field: `${ip}.name`, value: name, hasValue: true });
    const mp = str(m.mountPath) ?? '';
    if (!mp) errs.push(field.required(`${ip}.mountPath`, ''));
    else if (paths.has(mp)) errs.push(field.invalid(`${ip}.mountPath`, mp, 'must be unique'));
    else paths.add(mp);
    const sub = str(m.subPath);
    if (sub) errs.push(...validateLocalDescendingPath(sub, `${ip}.subPath`));
    if (m.mountPropagation !== undefined)
      errs.push(...enumValue(m.mountPropagation, `${ip}.mountPropagation`, ['Bidirectional', 'HostToContainer', 'None']));
  });
  return errs;
}

function validateHandler(h: Obj, p: string, kinds: string[]): FieldError[] {
  const present = kinds.filter((k) => h[k] !== undefined && h[k] !== null);
  if (present.length === 0) return [field.required(p, 'must specify a handler type')];
  const errs: FieldError[] = [];
  for (const extra of present.slice(1)) errs.push(field.forbidden(`${p}.${extra}`, 'may not specify more than 1 handler type'));
  const kind = present[0]!;
  const s = rec(h[kind]) ?? {};
  const hp = `${p}.${kind}`;
  switch (kind) {
    case 'exec':
      if (arr(s.command).length === 0) errs.push(field.required(`${hp}.command`, ''));
      break;
    case 'httpGet':
      if (!str(s.path)) errs.push(field.required(`${hp}.path`, ''));
      errs.push(...validatePortNumOrName(s.port, `${hp}.port`));
      if (s.scheme !== undefined) errs.push(...enumValue(s.scheme, `${hp}.scheme`, ['HTTP', 'HTTPS']));
      arr(s.httpHeaders).forEach((hd, i) => {
        const n = str(rec(hd)?.name) ?? '';
        if (!/^[-A-Za-z0-9]+$/.test(n))
          errs.push(
            field.invalid(`${hp}.httpHeaders[${i}].name`, n, "a valid HTTP header must consist of alphanumeric characters or '-' (e.g. 'X-Header-Name', regex used for validation is '[-A-Za-z0-9]+')"),
          );
      });
      break;
    case 'tcpSocket':
      errs.push(...validatePortNumOrName(s.port, `${hp}.port`));
      break;
    case 'grpc':
      errs.push(...eachInvalid(`${hp}.port`, s.port, isValidPortNum(Number(s.port))));
      break;
    case 'sleep':
      errs.push(...nonNegative(s.seconds, `${hp}.seconds`));
      break;
  }
  return errs;
}

/** An IntOrString port: a number in range or an IANA service name. */
export function validatePortNumOrName(port: unknown, p: string): FieldError[] {
  if (typeof port === 'number') return eachInvalid(p, port, isValidPortNum(port));
  return eachInvalid(p, port ?? '', isValidPortName(typeof port === 'string' ? port : ''));
}

function validateProbe(probe: Obj, p: string, kind: string): FieldError[] {
  const errs = validateHandler(probe, p, ['exec', 'httpGet', 'tcpSocket', 'grpc']);
  for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold'])
    errs.push(...nonNegative(probe[f], `${p}.${f}`));
  const st = num(probe.successThreshold);
  if ((kind === 'livenessProbe' || kind === 'startupProbe') && st !== undefined && st !== 1)
    errs.push(field.invalid(`${p}.successThreshold`, st, 'must be 1'));
  const tgp = num(probe.terminationGracePeriodSeconds);
  if (tgp !== undefined) {
    if (kind === 'readinessProbe') errs.push(field.invalid(`${p}.terminationGracePeriodSeconds`, tgp, 'must not be set for readinessProbes'));
    else if (tgp <= 0) errs.push(field.invalid(`${p}.terminationGracePeriodSeconds`, tgp, 'must be greater than 0'));
  }
  return errs;
}

function validateTolerations(list: unknown, p: string): FieldError[] {
  const errs: FieldError[] = [];
  arr(list).forEach((x, i) => {
    const t = rec(x) ?? {};
    const ip = `${p}[${i}]`;
    const key = str(t.key) ?? '';
    if (key) errs.push(...eachInvalid(`${ip}.key`, key, isQualifiedName(key)));
    const op = t.operator ?? 'Equal';
    if (!key && op !== 'Exists') errs.push(field.invalid(`${ip}.operator`, op, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    if (t.tolerationSeconds !== undefined && t.effect !== 'NoExecute')
      errs.push(field.invalid(`${ip}.effect`, t.effect ?? '', 'effect must be \'NoExecute\' when `tolerationSeconds` is set'));
    if (op === 'Exists') {
      if (str(t.value)) errs.push(field.invalid(`${ip}.operator`, t.value, 'value must be empty when `operator` is \'Exists\''));
    } else if (op === 'Equal') {
      const v = str(t.value) ?? '';
      if (v) errs.push(...eachInvalid(`${ip}.operator`, v, isValidLabelValue(v)));
    } else errs.push(field.notSupported(`${ip}.operator`, op, ['Equal', 'Exists']));
    if (t.effect !== undefined && t.effect !== '')
      errs.push(...enumValue(t.effect, `${ip}.effect`, ['NoSchedule', 'PreferNoSchedule', 'NoExecute']));
  });
  return errs;
}

/** Pod updates may change only images, activeDeadlineSeconds, added tolerations and a negative grace period. */
export function validatePodSpecUpdate(spec: unknown, old: unknown, path: string): FieldError[] {
  const s = structuredClone(rec(spec) ?? {});
  const o = structuredClone(rec(old) ?? {});
  for (const k of ['containers', 'initContainers'] as const) {
    const cs = arr(s[k]);
    const os = arr(o[k]);
    cs.forEach((c, i) => {
      const oc = rec(os[i]);
      const cr = rec(c);
      if (oc && cr) cr.image = oc.image;
    });
  }
  const ads = num(s.activeDeadlineSeconds);
  const oads = num(o.activeDeadlineSeconds);
  const errs: FieldError[] = [];
  if (oads !== undefined && ads === undefined)
    errs.push(field.invalid(`${path}.activeDeadlineSeconds`, null, 'must not update from a positive integer to nil value'));
  else if (oads !== undefined && ads !== undefined && ads > oads)
    errs.push(field.invalid(`${path}.activeDeadlineSeconds`, ads, 'must be less than or equal to previous value'));
  s.activeDeadlineSeconds = o.activeDeadlineSeconds;
  // Tolerations may only be added.
  const ot = arr(o.tolerations);
  if (ot.every((t) => arr(s.tolerations).some((n) => JSON.stringify(n) === JSON.stringify(t)))) s.tolerations = o.tolerations;
  if (num(o.terminationGracePeriodSeconds) !== undefined && num(o.terminationGracePeriodSeconds)! < 0 && s.terminationGracePeriodSeconds === 1)
    s.terminationGracePeriodSeconds = o.terminationGracePeriodSeconds;
  if (JSON.stringify(sortKeys(s)) !== JSON.stringify(sortKeys(o)))
    errs.push(
      field.forbidden(
        path,
        'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
      ),
    );
  return errs;
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  const r = rec(v);
  if (!r) return v;
  return Object.fromEntries(Object.keys(r).sort().map((k) => [k, sortKeys(r[k])]));
}

export { validateNonnegativeQuantity };
