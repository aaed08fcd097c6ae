// Core v1 printers other than pods and events.
import type { KubeObject } from '../object.js';
import { AGE, CONTAINERS, IMAGES, NAME, col, wide } from './columns.js';
import { age, containerCells, count, formatLabels, int, list, obj, objs, quantity, str } from './format.js';
import type { Printer } from './types.js';

const name = (o: KubeObject): string => o.metadata?.name ?? '';
const created = (o: KubeObject, now: Date): string => age(o.metadata?.creationTimestamp, now);

// --- services ---

/** Load-balancer ingress points (IP, else hostname), de-duplicated and sorted, as Kubernetes lists them. */
export function loadBalancerIngress(status: unknown): string {
  const set = new Set<string>();
  for (const i of objs(obj(status).ingress)) {
    const v = str(i.ip) || str(i.hostname);
    if (v) set.add(v);
  }
  return [...set].sort().join(',');
}

function serviceExternalIP(svc: KubeObject): string {
  const spec = obj(svc.spec);
  const externalIPs = list(spec.externalIPs).map(str);
  switch (str(spec.type) || 'ClusterIP') {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerIngress(obj(obj(svc.status).loadBalancer));
      if (externalIPs.length) return [...(lb ? lb.split(',') : []), ...externalIPs].join(',');
      return lb || '<pending>';
    }
    case 'ExternalName':
      return str(spec.externalName);
    default:
      return '<unknown>';
  }
}

/** "80/TCP,443:30443/TCP". */
export function servicePorts(ports: unknown): string {
  return objs(ports)
    .map((p) => {
      const proto = str(p.protocol) || 'TCP';
      return int(p.nodePort) > 0 ? `${int(p.port)}:${int(p.nodePort)}/${proto}` : `${int(p.port)}/${proto}`;
    })
    .join(',');
}

export const servicePrinter: Printer = {
  columns: [
    NAME,
    col('Type', 'string', 'type determines how the Service is exposed. Defaults to ClusterIP. Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer.'),
    col('Cluster-IP', 'string', 'clusterIP is the IP address of the service and is usually assigned randomly.'),
    col('External-IP', 'string', 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.'),
    col('Port(s)', 'string', 'The list of ports that are exposed by this service.'),
    AGE,
    wide('Selector', 'string', 'Route service traffic to pods with label keys and values matching this selector.'),
  ],
  cells(o, now) {
    const spec = obj(o.spec);
    const clusterIP = str(list(spec.clusterIPs)[0]) || str(spec.clusterIP) || '<none>';
    return [name(o), str(spec.type) || 'ClusterIP', clusterIP, serviceExternalIP(o), servicePorts(spec.ports) || '<none>', created(o, now), formatLabels(spec.selector)];
  },
};

// --- endpoints ---

/** Up to three "ip:port" endpoints, then " + N more...". */
export function formatEndpoints(o: KubeObject): string {
  const subsets = objs(o.subsets);
  if (subsets.length === 0) return '<none>';
  const shown: string[] = [];
  const max = 3;
  let more = false;
  let total = 0;
  for (const ss of subsets) {
    const addresses = objs(ss.addresses);
    const ports = objs(ss.ports);
    // Headless services may have addresses and no ports.
    const portList = ports.length ? ports.map((p) => String(int(p.port))) : [undefined];
    for (const port of portList) {
      total += addresses.length;
      for (const a of addresses) {
        if (shown.length === max) {
          more = true;
          break;
        }
        const ip = str(a.ip);
        shown.push(port === undefined ? ip : ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);
      }
    }
  }
  const text = shown.join(',');
  return more ? `${text} + ${total - max} more...` : text;
}

export const endpointsPrinter: Printer = {
  columns: [NAME, col('Endpoints', 'string', 'The set of all endpoints is the union of all subsets.'), AGE],
  cells: (o, now) => [name(o), formatEndpoints(o), created(o, now)],
};

// --- config and identity ---

export const configMapPrinter: Printer = {
  columns: [NAME, col('Data', 'string', 'Data contains the configuration data.'), AGE],
  cells: (o, now) => [name(o), count(o.data) + count(o.binaryData), created(o, now)],
};

export const secretPrinter: Printer = {
  columns: [
    NAME,
    col('Type', 'string', 'Used to facilitate programmatic handling of secret data.'),
    col('Data', 'string', 'Data contains the secret data.'),
    AGE,
  ],
  cells(o, now) {
    // stringData is folded into data on write; count both in case an object was stored unfolded.
    const keys = new Set([...Object.keys(obj(o.data)), ...Object.keys(obj(o.stringData))]);
    return [name(o), str(o.type) || 'Opaque', keys.size, created(o, now)];
  },
};

export const serviceAccountPrinter: Printer = {
  columns: [NAME, col('Secrets', 'string', 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.'), AGE],
  cells: (o, now) => [name(o), count(o.secrets), created(o, now)],
};

export const namespacePrinter: Printer = {
  columns: [NAME, col('Status', 'string', 'The status of the namespace'), AGE],
  cells: (o, now) => [name(o), str(obj(o.status).phase), created(o, now)],
};

// --- nodes ---

const ROLE_PREFIX = 'node-role.kubernetes.io/';

export function nodeRoles(node: KubeObject): string[] {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata?.labels ?? {})) {
    if (k.startsWith(ROLE_PREFIX) && k.length > ROLE_PREFIX.length) roles.add(k.slice(ROLE_PREFIX.length));
    else if (k === 'kubernetes.io/role' && v !== '') roles.add(v);
  }
  return [...roles].sort();
}

export function nodeStatus(node: KubeObject): string {
  const ready = objs(obj(node.status).conditions).find((c) => c.type === 'Ready');
  const status = [ready ? (ready.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown'];
  if (obj(node.spec).unschedulable === true) status.push('SchedulingDisabled');
  return status.join(',');
}

const nodeAddress = (node: KubeObject, type: string): string =>
  str(objs(obj(node.status).addresses).find((a) => a.type === type)?.address) || '<none>';

export const nodePrinter: Printer = {
  columns: [
    NAME,
    col('Status', 'string', 'The status of the node'),
    col('Roles', 'string', 'The roles of the node'),
    AGE,
    col('Version', 'string', 'Deprecated: KubeletVersion reported by the node.'),
    wide('Internal-IP', 'string', 'List of addresses reachable to the node.'),
    wide('External-IP', 'string', 'List of addresses reachable to the node.'),
    wide('OS-Image', 'string', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).'),
    wide('Kernel-Version', 'string', "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64)."),
    wide('Container-Runtime', 'string', 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).'),
  ],
  cells(o, now) {
    const info = obj(obj(o.status).nodeInfo);
    return [
      name(o),
      nodeStatus(o),
      nodeRoles(o).join(',') || '<none>',
      created(o, now),
      str(info.kubeletVersion),
      nodeAddress(o, 'InternalIP'),
      nodeAddress(o, 'ExternalIP'),
      str(info.osImage) || '<unknown>',
      str(info.kernelVersion) || '<unknown>',
      str(info.containerRuntimeVersion) || '<unknown>',
    ];
  },
};

// --- volumes ---

/** RWO,ROX,RWX,RWOP in that fixed order, as GetAccessModesAsString. */
export function accessModes(modes: unknown): string {
  const set = new Set(list(modes).map(str));
  const out: string[] = [];
  if (set.has('ReadWriteOnce')) out.push('RWO');
  if (set.has('ReadOnlyMany')) out.push('ROX');
  if (set.has('ReadWriteMany')) out.push('RWX');
  if (set.has('ReadWriteOncePod')) out.push('RWOP');
  return out.join(',');
}

const BETA_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';

function volumeClass(o: KubeObject): string {
  const ann = o.metadata?.annotations?.[BETA_CLASS_ANNOTATION];
  return ann ?? str(obj(o.spec).storageClassName);
}

const deleting = (o: KubeObject): boolean => o.metadata?.deletionTimestamp !== undefined && o.metadata.deletionTimestamp !== null;

export const persistentVolumePrinter: Printer = {
  columns: [
    NAME,
    col('Capacity', 'string', "capacity is the description of the persistent volume's resources and capacity."),
    col('Access Modes', 'string', 'accessModes contains all ways the volume can be mounted.'),
    col('Reclaim Policy', 'string', 'persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim.'),
    col('Status', 'string', 'phase indicates if a volume is available, bound to a claim, or released by a claim.'),
    col('Claim', 'string', 'claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim.'),
    col('StorageClass', 'string', 'StorageClass of the pv'),
    col('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pv'),
    col('Reason', 'string', 'reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.'),
    AGE,
    wide('VolumeMode', 'string', 'volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state.'),
  ],
  cells(o, now) {
    const spec = obj(o.spec);
    const claim = spec.claimRef === undefined ? '' : `${str(obj(spec.claimRef).namespace)}/${str(obj(spec.claimRef).name)}`;
    return [
      name(o),
      quantity(obj(spec.capacity).storage),
      accessModes(spec.accessModes),
      str(spec.persistentVolumeReclaimPolicy),
      deleting(o) ? 'Terminating' : str(obj(o.status).phase),
      claim,
      volumeClass(o),
      str(spec.volumeAttributesClassName) || '<unset>',
      str(obj(o.status).reason),
      created(o, now),
      str(spec.volumeMode) || '<unset>',
    ];
  },
};

export const persistentVolumeClaimPrinter: Printer = {
  columns: [
    NAME,
    col('Status', 'string', 'phase represents the current phase of PersistentVolumeClaim.'),
    col('Volume', 'string', 'volumeName is the binding reference to the PersistentVolume backing this claim.'),
    col('Capacity', 'string', 'capacity represents the actual resources of the underlying volume.'),
    col('Access Modes', 'string', 'accessModes contains the actual access modes the volume backing the PVC has.'),
    col('StorageClass', 'string', 'StorageClass of the pvc'),
    col('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pvc'),
    AGE,
    wide('VolumeMode', 'string', 'volumeMode defines what type of volume is required by the claim.'),
  ],
  cells(o, now) {
    const spec = obj(o.spec);
    const st = obj(o.status);
    const bound = str(spec.volumeName) !== '';
    return [
      name(o),
      deleting(o) ? 'Terminating' : str(st.phase),
      str(spec.volumeName),
      bound ? quantity(obj(st.capacity).storage) : '',
      bound ? accessModes(st.accessModes) : '',
      volumeClass(o),
      str(spec.volumeAttributesClassName) || '<unset>',
      created(o, now),
      str(spec.volumeMode) || '<unset>',
    ];
  },
};

// --- replication controllers and quotas ---

export const replicationControllerPrinter: Printer = {
  columns: [
    NAME,
    col('Desired', 'integer', 'Replicas is the number of desired replicas.'),
    col('Current', 'integer', 'Replicas is the most recently observed number of replicas.'),
    col('Ready', 'integer', 'The number of ready replicas for this replication controller.'),
    AGE,
    CONTAINERS,
    IMAGES,
    wide('Selector', 'string', 'Selector is a label query over pods that should match the Replicas count.'),
  ],
  cells(o, now) {
    const spec = obj(o.spec);
    const st = obj(o.status);
    const [names, images] = containerCells(obj(obj(spec.template).spec).containers);
    return [name(o), int(spec.replicas, 1), int(st.replicas), int(st.readyReplicas), created(o, now), names, images, formatLabels(spec.selector)];
  },
};

export const resourceQuotaPrinter: Printer = {
  columns: [
    NAME,
    col('Request', 'string', 'Request represents a minimum amount of cpu/memory that a container may consume.'),
    col('Limit', 'string', 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.'),
    AGE,
  ],
  cells(o, now) {
    const hard = obj(obj(o.status).hard);
    const used = obj(obj(o.status).used);
    const requests: string[] = [];
    const limits: string[] = [];
    for (const res of Object.keys(hard).sort()) {
      const text = `${res}: ${quantity(used[res])}/${quantity(hard[res])}`;
      (res.split('.')[0] === 'limits' && res.includes('.') ? limits : requests).push(text);
    }
    return [name(o), requests.join(', '), limits.join(', '), created(o, now)];
  },
};

export const componentStatusPrinter: Printer = {
  columns: [
    NAME,
    col('Status', 'string', 'Status of the component conditions'),
    col('Message', 'string', 'Message of the component conditions'),
    col('Error', 'string', 'Error of the component conditions'),
  ],
  cells(o) {
    const healthy = objs(o.conditions).find((c) => c.type === 'Healthy');
    const status = healthy ? (healthy.status === 'True' ? 'Healthy' : 'Unhealthy') : 'Unknown';
    return [name(o), status, str(healthy?.message), str(healthy?.error)];
  },
};
