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
