// The container runtime contract the node agent programs against. Two runtimes sit behind it: `process` (host
// processes in their own process group, no image filesystem) and `oci` (runc/crun with images). Streams for
// logs, exec, attach and port-forward go through it, so they work the same on both.
import type { Readable, Writable } from 'node:stream';

/** What the agent asks a runtime to prepare for one pod. */
export interface SandboxConfig {
  podUid: string;
  namespace: string;
  name: string;
  hostname: string;
  /** Run in the host's network namespace (spec.hostNetwork, or no CNI available). */
  hostNetwork: boolean;
  /** Per-pod directory under the data dir (volumes, logs, state). */
  podDir: string;
  /** hostPort mappings (CNI portmap capability). */
  portMappings?: { hostPort: number; containerPort: number; protocol: string; hostIP?: string }[];
  /** resolv.conf, /etc/hosts, shared PID namespace (see SandboxExtras). */
  extras?: SandboxExtras;
}

export interface Sandbox {
  id: string;
  podUid: string;
  /** Path of the pod's network namespace (absent on the host network). */
  netnsPath?: string;
  /** The pod's IP: its own, or the node's on the host network. */
  ip: string;
}

export interface Mount {
  /** Path inside the container. */
  containerPath: string;
  /** Path on the host. */
  hostPath: string;
  readOnly: boolean;
}

export interface ContainerConfig {
  /** Unique per pod: the container's name, plus the attempt for restarts. */
  name: string;
  attempt: number;
  image?: string;
  /** Already resolved: command/args from the pod spec (with $(VAR) expanded) or the image. */
  argv: string[];
  env: Record<string, string>;
  workingDir?: string;
  mounts: Mount[];
  tty: boolean;
  stdin: boolean;
  stdinOnce: boolean;
  /** Where the runtime writes the container's log (CRI log format: "<RFC3339Nano> stdout|stderr F|P <line>"). */
  logPath: string;
  /** Resource limits where the runtime can apply them (OCI: cgroups). */
  limits?: { cpuMillis?: number; memoryBytes?: number };
  user?: { uid?: number; gid?: number };
  /** OCI only: image, securityContext, cpu request. */
  oci?: OciContainerExtras;
}

export type ContainerState =
  | { state: 'created' }
  | { state: 'running'; pid: number; startedAt: Date }
  | { state: 'exited'; exitCode: number; signal?: string; reason?: 'Completed' | 'Error' | 'OOMKilled'; startedAt?: Date; finishedAt: Date };

export interface ContainerInfo {
  id: string;
  sandboxId: string;
  podUid: string;
  name: string;
  attempt: number;
  status: ContainerState;
}

/** Streams of an exec or attach session. Absent streams are not connected. */
export interface StreamSet {
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
  tty: boolean;
  /** Terminal size changes (tty only). */
  resize?: AsyncIterable<{ width: number; height: number }>;
}

export interface ContainerRuntime {
  readonly name: 'process' | 'oci';
  /** The runtime's image store (OCI); absent: images are not pulled (process). */
  readonly images?: ImageService;
  createSandbox(cfg: SandboxConfig): Promise<Sandbox>;
  removeSandbox(sandboxId: string): Promise<void>;
  createAndStart(sandbox: Sandbox, cfg: ContainerConfig): Promise<ContainerInfo>;
  /** SIGTERM, then SIGKILL after gracePeriodMs; resolves once the container has exited. */
  stop(containerId: string, gracePeriodMs: number): Promise<void>;
  remove(containerId: string): Promise<void>;
  status(containerId: string): Promise<ContainerInfo | undefined>;
  /** Everything this runtime knows, including containers started before an agent restart. */
  list(): Promise<ContainerInfo[]>;
  /** Called whenever a container exits. */
  onExit(listener: (info: ContainerInfo) => void): void;
  /** Runs a command in the container; resolves to its exit code. */
  exec(containerId: string, argv: string[], streams: StreamSet): Promise<number>;
  attach(containerId: string, streams: StreamSet): Promise<void>;
  /** Connects a socket to a port inside the pod's network. */
  portForward(sandboxId: string, port: number, stream: import('node:stream').Duplex): Promise<void>;
  /**
   * CPU and memory of a container measured by the runtime itself (OCI: its cgroup), for the agent's resource
   * metrics. Absent, or undefined for a container: the agent measures the container's processes through /proc.
   */
  usage?(containerId: string): Promise<{ cpuSeconds: number; memoryWorkingSetBytes: number } | undefined>;
}

// ---- additions for the node agent (process runtime, issue 6) ----

/** Pod networking as a runtime uses it when making a sandbox (src/network implements it; the runtime only calls). */
export interface SandboxNetwork {
  readonly mode: 'cni' | 'host';
  /** Creates (or finds again, after an agent restart) the pod's network namespace and address. */
  setUp(cfg: SandboxConfig): Promise<{ netnsPath?: string; ip: string }>;
  /** Releases the address and removes the namespace; harmless when already gone. */
  tearDown(podUid: string): Promise<void>;
}

/** Optional runtime capability: sandboxes known on disk, so an agent restart can clean those of deleted pods. */
export interface SandboxLister {
  listSandboxes(): Promise<Sandbox[]>;
}

// ---- additions for the OCI runtime and images (issue 7) and cluster DNS (issue 8) ----

/** The pod's /etc/resolv.conf, as kubelet computes it from dnsPolicy and dnsConfig (src/node/dns-config.ts). */
export interface DnsSettings {
  nameservers: string[];
  searches: string[];
  options: string[];
}

/** Where the pod's IP goes in SandboxExtras.hostsFile (src/node/dns-config.ts writes it, the runtime fills it). */
export const HOSTS_POD_IP = '{{POD_IP}}';

/**
 * Pod-level settings every container of the sandbox shares. resolv.conf and hosts apply to pods with their own
 * network namespace: the process runtime writes them to /etc/netns/<netns name>/ and runs containers and execs
 * in a private mount namespace where those are bind-mounted over /etc/resolv.conf and /etc/hosts (as
 * `ip netns exec` does); host-network pods keep the host's files there.
 */
export interface SandboxExtras {
  /** resolv.conf for the pod; absent: the host's. */
  dns?: DnsSettings;
  /**
   * The full text of the pod's /etc/hosts (kubelet-managed: localhost, the pod's own name, hostAliases). The pod
   * IP is not known until the sandbox's network is set up: every HOSTS_POD_IP in the text is replaced by the
   * sandbox's IP when the runtime writes the file. Absent: the host's.
   */
  hostsFile?: string;
  /** spec.shareProcessNamespace: one PID namespace for the pod's containers. */
  shareProcessNamespace?: boolean;
  /** spec.securityContext.sysctls. */
  sysctls?: Record<string, string>;
}

/** An image's config, as its registry serves it (config.json of the OCI image spec). */
export interface ImageConfig {
  entrypoint?: string[];
  cmd?: string[];
  /** KEY=value. */
  env?: string[];
  workingDir?: string;
  /** "uid", "uid:gid", "name" or "name:group", as in the image config. */
  user?: string;
}

export interface ImageInfo {
  /** The config's digest ("sha256:..."): the image ID kubelet reports as imageID's tail. */
  id: string;
  /** Normalized references this image is known by ("docker.io/library/busybox:1.36"). */
  repoTags: string[];
  /** "registry/repo@sha256:..." of the manifest pulled. */
  repoDigests: string[];
  /** Bytes of the compressed layers. */
  size: number;
  config: ImageConfig;
  /** When it was last used by a container (image GC by age). */
  lastUsed?: Date;
}

/** Registry credentials: a `.dockerconfigjson` secret's `auths` map (host -> entry), several in order of preference. */
export interface DockerAuthEntry {
  username?: string;
  password?: string;
  /** base64("user:password"). */
  auth?: string;
  identitytoken?: string;
  registrytoken?: string;
}
export type DockerAuths = Record<string, DockerAuthEntry>;

export interface PullProgress {
  /** Bytes fetched so far over all layers, and the total the manifest announces. */
  fetched: number;
  total: number;
  layer?: string;
}

export interface PullOptions {
  /** Tried in order (the pod's pull secrets), before the agent's own credentials, as kubelet does. */
  auths?: DockerAuths[];
  signal?: AbortSignal;
  onProgress?(p: PullProgress): void;
}

/** Pull failures carry the registry's words; `kind` lets the agent tell a missing image from a refused one. */
export class ImagePullError extends Error {
  constructor(
    message: string,
    readonly kind: 'not-found' | 'unauthorized' | 'network' | 'invalid' | 'other',
  ) {
    super(message);
    this.name = 'ImagePullError';
  }
}

/** The node's image store (src/runtime/images). */
export interface ImageService {
  /** The image if the store has it (by tag or digest reference), else undefined. */
  inspect(ref: string): Promise<ImageInfo | undefined>;
  /** Pulls the image for the node's platform into the store; resolves once every blob is verified. */
  pull(ref: string, opts?: PullOptions): Promise<ImageInfo>;
  list(): Promise<ImageInfo[]>;
  /** Removes the reference (and the image once no reference is left); refuses while a container uses it. */
  remove(ref: string): Promise<void>;
  /** Loads a `docker save` or OCI archive tarball; returns the images it held. */
  import(file: string): Promise<ImageInfo[]>;
  /**
   * Deletes unused images, least recently used first, while the image disk is above highPercent, down to
   * lowPercent, never one used within minAgeMs (kubelet's image GC). Returns the IDs removed.
   */
  gc(o: { inUse: Set<string>; highPercent: number; lowPercent: number; minAgeMs: number }): Promise<string[]>;
  /** A read-only lower directory list (top first) for the image's root filesystem. */
  layers(imageId: string): Promise<string[]>;
}

/** securityContext of a container, merged with the pod's, as the runtime applies it. */
export interface ContainerSecurity {
  runAsUser?: number;
  runAsGroup?: number;
  supplementalGroups?: number[];
  /** The pod's fsGroup: volumes are made group-owned by it and it joins the supplemental groups. */
  fsGroup?: number;
  readOnlyRootFilesystem?: boolean;
  privileged?: boolean;
  allowPrivilegeEscalation?: boolean;
  capabilities?: { add?: string[]; drop?: string[] };
  seccomp?: 'RuntimeDefault' | 'Unconfined';
  /** runAsNonRoot: the OCI runtime refuses to start the container when the user it resolves (numbers or an image user name) is uid 0. */
  runAsNonRoot?: boolean;
}

/** What the OCI runtime needs on top of ContainerConfig (the process runtime ignores it). */
export interface OciContainerExtras {
  /** The image ID (ImageInfo.id) whose layers make the root filesystem. */
  imageId?: string;
  security?: ContainerSecurity;
  /** requests.cpu in millicores: cpu shares (limits.cpu in ContainerConfig.limits: the CFS quota). */
  cpuRequestMillis?: number;
  /** The image config's user when it is a name ("app", "app:staff", "1000:staff"), resolved in the image's /etc/passwd and /etc/group; ContainerConfig.user (numeric) wins where set. */
  userName?: string;
}
