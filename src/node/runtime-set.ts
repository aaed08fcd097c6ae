// Several runtimes on one node (process and oci, runc or crun) behind the one ContainerRuntime the agent holds.
// A pod is bound to a runtime (by its RuntimeClass handler) before its sandbox is made; after that every call is
// routed by the sandbox's or container's id to the runtime that made it, also after an agent restart (list()).
import type { Duplex } from 'node:stream';
import type { ContainerConfig, ContainerInfo, ContainerRuntime, ImageService, Sandbox, SandboxConfig, SandboxLister, StreamSet } from '../runtime/types.js';

export class RuntimeSet implements ContainerRuntime, SandboxLister {
  readonly name: 'process' | 'oci';
  readonly images?: ImageService;
  private readonly byPod = new Map<string, ContainerRuntime>();
  private readonly byContainer = new Map<string, ContainerRuntime>();
  private readonly bySandbox = new Map<string, ContainerRuntime>();
  private readonly sandboxPod = new Map<string, string>();

  /** handlers: RuntimeClass handler name -> runtime ("process", "runc", "crun"); dflt: the handler of pods without a class. */
  constructor(
    readonly handlers: ReadonlyMap<string, ContainerRuntime>,
    readonly defaultHandler: string,
  ) {
    const d = handlers.get(defaultHandler);
    if (!d) throw new Error(`default runtime handler ${JSON.stringify(defaultHandler)} is not configured`);
    this.name = d.name;
    if (d.images) this.images = d.images;
  }

  get defaultRuntime(): ContainerRuntime {
    return this.handlers.get(this.defaultHandler)!;
  }

  /** Distinct runtimes (a runtime may serve several handlers). */
  all(): ContainerRuntime[] {
    return [...new Set(this.handlers.values())];
  }

  /** Binds a pod to the runtime of a handler (undefined: the default); false when the node has no such handler. */
  bind(podUid: string, handler: string | undefined): boolean {
    const rt = this.handlers.get(handler ?? this.defaultHandler);
    if (!rt) return false;
    const cur = this.byPod.get(podUid);
    // A pod keeps the runtime its sandbox was made by.
    if (!cur) this.byPod.set(podUid, rt);
    return true;
  }

  runtimeOf(podUid: string): ContainerRuntime {
    return this.byPod.get(podUid) ?? this.defaultRuntime;
  }

  async createSandbox(cfg: SandboxConfig): Promise<Sandbox> {
    const rt = this.runtimeOf(cfg.podUid);
    this.byPod.set(cfg.podUid, rt);
    const sb = await rt.createSandbox(cfg);
    this.bySandbox.set(sb.id, rt);
    this.sandboxPod.set(sb.id, sb.podUid);
    return sb;
  }

  async removeSandbox(sandboxId: string): Promise<void> {
    const rt = this.bySandbox.get(sandboxId);
    if (rt) await rt.removeSandbox(sandboxId);
    // Unknown (never made, or made before a restart and not listed): each runtime removes what it may have.
    else for (const r of this.all()) await r.removeSandbox(sandboxId).catch(() => undefined);
    this.bySandbox.delete(sandboxId);
    const uid = this.sandboxPod.get(sandboxId);
    if (uid) this.byPod.delete(uid);
    this.sandboxPod.delete(sandboxId);
  }

  async createAndStart(sandbox: Sandbox, cfg: ContainerConfig): Promise<ContainerInfo> {
    const rt = this.bySandbox.get(sandbox.id) ?? this.runtimeOf(sandbox.podUid);
    const info = await rt.createAndStart(sandbox, cfg);
    this.byContainer.set(info.id, rt);
    return info;
  }

  /** The runtime holding a container: known from create or list, else asked of each. */
  private async owner(id: string): Promise<ContainerRuntime | undefined> {
    const known = this.byContainer.get(id);
    if (known) return known;
    for (const r of this.all()) {
      if (await r.status(id).catch(() => undefined)) {
        this.byContainer.set(id, r);
        return r;
      }
    }
    return undefined;
  }

  async stop(id: string, gracePeriodMs: number): Promise<void> {
    await (await this.owner(id))?.stop(id, gracePeriodMs);
  }

  async remove(id: string): Promise<void> {
    const rt = await this.owner(id);
    if (rt) await rt.remove(id);
    this.byContainer.delete(id);
  }

  /** CPU and memory from the runtime that holds the container (OCI: its cgroup); undefined: measure by /proc. */
  async usage(id: string): Promise<{ cpuSeconds: number; memoryWorkingSetBytes: number } | undefined> {
    const rt = await this.owner(id);
    return rt?.usage ? rt.usage(id) : undefined;
  }

  async status(id: string): Promise<ContainerInfo | undefined> {
    return (await this.owner(id))?.status(id);
  }

  async list(): Promise<ContainerInfo[]> {
    const out: ContainerInfo[] = [];
    for (const r of this.all()) {
      for (const c of await r.list()) {
        this.byContainer.set(c.id, r);
        this.bySandbox.set(c.sandboxId, r);
        this.byPod.set(c.podUid, r);
        out.push(c);
      }
    }
    return out;
  }

  async listSandboxes(): Promise<Sandbox[]> {
    const out: Sandbox[] = [];
    for (const r of this.all()) {
      if (!('listSandboxes' in r)) continue;
      for (const sb of await (r as ContainerRuntime & SandboxLister).listSandboxes()) {
        this.bySandbox.set(sb.id, r);
        this.sandboxPod.set(sb.id, sb.podUid);
        this.byPod.set(sb.podUid, r);
        out.push(sb);
      }
    }
    return out;
  }

  onExit(listener: (info: ContainerInfo) => void): void {
    for (const r of this.all()) r.onExit(listener);
  }

  async exec(id: string, argv: string[], streams: StreamSet): Promise<number> {
    const rt = await this.owner(id);
    if (!rt) throw new Error(`container ${id} not found`);
    return rt.exec(id, argv, streams);
  }

  async attach(id: string, streams: StreamSet): Promise<void> {
    const rt = await this.owner(id);
    if (!rt) throw new Error(`container ${id} not found`);
    return rt.attach(id, streams);
  }

  async portForward(sandboxId: string, port: number, stream: Duplex): Promise<void> {
    const rt = this.bySandbox.get(sandboxId) ?? this.defaultRuntime;
    return rt.portForward(sandboxId, port, stream);
  }
}
