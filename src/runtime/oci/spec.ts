// config.json of an OCI bundle (runtime spec 1.0.2) for one container: a pure function of what the agent asked
// for, so every securityContext and resources rule is table-tested without root.
import type { ContainerSecurity, Mount } from '../types.js';
import { containerCaps } from './capabilities.js';
import { runtimeDefaultSeccomp, type SeccompProfile } from './seccomp.js';

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface SpecInput {
  argv: string[];
  env: Record<string, string>;
  cwd?: string;
  tty: boolean;
  user: { uid: number; gid: number; additionalGids?: number[] };
  hostname: string;
  security?: ContainerSecurity;
  mounts: Mount[];
  /** The pod's /etc/hosts, /etc/resolv.conf, /etc/hostname and /dev/shm on the host. */
  podFiles?: { hosts?: string; resolv?: string; hostname?: string; shm?: string };
  /** Namespaces to join; absent netns: the host's network (and UTS). */
  netnsPath?: string;
  ipcNsPath?: string;
  pidNsPath?: string;
  cgroupsPath: string;
  limits?: { cpuMillis?: number; memoryBytes?: number };
  cpuRequestMillis?: number;
  sysctls?: Record<string, string>;
  /** Device nodes handed to a privileged container (the host's /dev). */
  hostDevices?: OciDevice[];
}

export interface OciDevice {
  path: string;
  type: 'c' | 'b';
  major: number;
  minor: number;
  fileMode?: number;
  uid?: number;
  gid?: number;
}

interface OciMount {
  destination: string;
  type: string;
  source: string;
  options?: string[];
}

export interface OciSpec {
  ociVersion: string;
  process: {
    terminal: boolean;
    user: { uid: number; gid: number; additionalGids?: number[] };
    args: string[];
    env: string[];
    cwd: string;
    capabilities: { bounding: string[]; effective: string[]; permitted: string[] };
    noNewPrivileges: boolean;
  };
  root: { path: string; readonly: boolean };
  hostname?: string;
  mounts: OciMount[];
  linux: {
    cgroupsPath: string;
    namespaces: { type: string; path?: string }[];
    resources: {
      devices: { allow: boolean; access: string; type?: string }[];
      memory?: { limit: number };
      cpu?: { shares?: number; quota?: number; period?: number };
    };
    devices?: OciDevice[];
    sysctl?: Record<string, string>;
    seccomp?: SeccompProfile;
    maskedPaths?: string[];
    readonlyPaths?: string[];
  };
}

/** runc's defaults (`runc spec`): kernel files a container must not read or change. */
export const MASKED_PATHS = [
  '/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/sys/firmware', '/proc/scsi',
];
export const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

export const CPU_PERIOD_US = 100_000;

/** kubelet's MilliCPUToShares: 1024 shares per CPU, at least 2 (the kernel's minimum). */
export function cpuShares(millis: number): number {
  return Math.max(2, Math.floor((millis * 1024) / 1000));
}

/** kubelet's MilliCPUToQuota: the CFS quota for a 100 ms period, at least 1 ms. */
export function cpuQuota(millis: number): number {
  return Math.max(1000, Math.floor((millis * CPU_PERIOD_US) / 1000));
}

export function buildSpec(i: SpecInput): OciSpec {
  const sec = i.security ?? {};
  const privileged = sec.privileged === true;
  const caps = containerCaps({ privileged, add: sec.capabilities?.add, drop: sec.capabilities?.drop });
  const env = { ...i.env };
  env.PATH ??= DEFAULT_PATH;
  env.HOSTNAME ??= i.hostname;
  if (i.tty) env.TERM ??= 'xterm';
  const ro = sec.readOnlyRootFilesystem === true;
  const spec: OciSpec = {
    ociVersion: '1.0.2',
    process: {
      terminal: i.tty,
      user: { uid: i.user.uid, gid: i.user.gid, ...(i.user.additionalGids?.length ? { additionalGids: [...new Set(i.user.additionalGids)] } : {}) },
      args: i.argv,
      env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
      cwd: i.cwd || '/',
      capabilities: { bounding: caps, effective: caps, permitted: caps },
      // allowPrivilegeEscalation defaults to true in Kubernetes; a privileged container always may.
      noNewPrivileges: sec.allowPrivilegeEscalation === false && !privileged,
    },
    root: { path: 'rootfs', readonly: ro },
    mounts: baseMounts(privileged, i),
    linux: {
      cgroupsPath: i.cgroupsPath,
      namespaces: namespaces(i),
      resources: {
        devices: privileged ? [{ allow: true, access: 'rwm' }] : [{ allow: false, access: 'rwm' }],
        ...resources(i),
      },
    },
  };
  if (i.netnsPath) spec.hostname = i.hostname;
  if (privileged && i.hostDevices?.length) spec.linux.devices = i.hostDevices;
  if (i.sysctls && Object.keys(i.sysctls).length) spec.linux.sysctl = { ...i.sysctls };
  if (!privileged) {
    spec.linux.maskedPaths = [...MASKED_PATHS];
    spec.linux.readonlyPaths = [...READONLY_PATHS];
    // Kubernetes' default is Unconfined unless the pod asks (or the kubelet's SeccompDefault feature is on).
    if (sec.seccomp === 'RuntimeDefault') spec.linux.seccomp = runtimeDefaultSeccomp(caps);
  }
  return spec;
}

function namespaces(i: SpecInput): { type: string; path?: string }[] {
  const ns: { type: string; path?: string }[] = [{ type: 'mount' }];
  ns.push(i.pidNsPath ? { type: 'pid', path: i.pidNsPath } : { type: 'pid' });
  ns.push(i.ipcNsPath ? { type: 'ipc', path: i.ipcNsPath } : { type: 'ipc' });
  // On the host network the pod also keeps the host's name (as kubelet does for hostNetwork pods).
  if (i.netnsPath) ns.push({ type: 'network', path: i.netnsPath }, { type: 'uts' });
  return ns;
}

function resources(i: SpecInput): { memory?: { limit: number }; cpu?: { shares?: number; quota?: number; period?: number } } {
  const out: { memory?: { limit: number }; cpu?: { shares?: number; quota?: number; period?: number } } = {};
  if (i.limits?.memoryBytes) out.memory = { limit: i.limits.memoryBytes };
  const cpu: { shares?: number; quota?: number; period?: number } = {};
  // No request but a limit: Kubernetes defaults the request to the limit.
  const req = i.cpuRequestMillis ?? i.limits?.cpuMillis;
  if (req !== undefined) cpu.shares = cpuShares(req);
  if (i.limits?.cpuMillis) {
    cpu.quota = cpuQuota(i.limits.cpuMillis);
    cpu.period = CPU_PERIOD_US;
  }
  if (Object.keys(cpu).length) out.cpu = cpu;
  return out;
}

function baseMounts(privileged: boolean, i: SpecInput): OciMount[] {
  const sysOpts = ['nosuid', 'noexec', 'nodev', privileged ? 'rw' : 'ro'];
  const m: OciMount[] = [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    i.podFiles?.shm
      ? { destination: '/dev/shm', type: 'bind', source: i.podFiles.shm, options: ['rbind', 'rprivate', 'nosuid', 'nodev', 'noexec'] }
      : { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    // sysfs needs a network namespace of our own; on the host network the host's /sys is bound read-only.
    i.netnsPath
      ? { destination: '/sys', type: 'sysfs', source: 'sysfs', options: sysOpts }
      : { destination: '/sys', type: 'bind', source: '/sys', options: ['rbind', 'rprivate', ...sysOpts] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', privileged ? 'rw' : 'ro'] },
  ];
  const ro = i.security?.readOnlyRootFilesystem === true;
  const file = (destination: string, source: string | undefined) => {
    if (source) m.push({ destination, type: 'bind', source, options: ['rbind', 'rprivate', ro ? 'ro' : 'rw'] });
  };
  // Volumes may cover these files (a user mount wins, as in kubelet): pod files first, volumes after.
  if (!i.mounts.some((v) => v.containerPath === '/etc/hosts')) file('/etc/hosts', i.podFiles?.hosts);
  if (!i.mounts.some((v) => v.containerPath === '/etc/resolv.conf')) file('/etc/resolv.conf', i.podFiles?.resolv);
  if (!i.mounts.some((v) => v.containerPath === '/etc/hostname')) file('/etc/hostname', i.podFiles?.hostname);
  for (const v of i.mounts) {
    m.push({ destination: v.containerPath, type: 'bind', source: v.hostPath, options: ['rbind', 'rprivate', v.readOnly ? 'ro' : 'rw'] });
  }
  return m;
}
