// The node agent's StreamTarget: `kubectl logs/exec/attach/port-forward` reach the pod's containers through the
// agent's slots (what runs where) and its runtime. A pod is found by namespace/name and must have the UID the
// API server asked for, so a recreated pod of the same name is never reached by mistake.
import type { Duplex, Readable } from 'node:stream';
import { errors } from '../api/errors.js';
import type { ContainerInfo, ContainerRuntime, StreamSet } from '../runtime/types.js';
import { containerLogStream } from './log-reader.js';
import type { ContainerSlot, PodSlot } from './pod-state.js';
import { logPathOf } from './pod-worker.js';
import type { LogOptions, PodRef, StreamTarget } from './streams/target.js';

export interface AgentStreamTargetOptions {
  runtime: ContainerRuntime;
  /** The agent's slots by namespace/name. */
  slots: Map<string, PodSlot>;
}

const podsTarget = { group: '', resource: 'pods' };

/**
 * The client may go away while the container still writes: a failed write then closes the stream (which ends an
 * attach) instead of being an unhandled 'error' event that would take the whole server down.
 */
function guarded(s: StreamSet): StreamSet {
  for (const w of [s.stdout, s.stderr]) w?.on('error', () => undefined);
  s.stdin?.on('error', () => undefined);
  return s;
}

export class AgentStreamTarget implements StreamTarget {
  constructor(private readonly o: AgentStreamTargetOptions) {}

  private pod(ref: PodRef): PodSlot {
    const s = this.o.slots.get(`${ref.namespace}/${ref.name}`);
    if (!s || s.uid !== ref.uid) throw errors.notFound(podsTarget, ref.name);
    return s;
  }

  private container(ref: PodRef, name: string): { pod: PodSlot; slot: ContainerSlot | undefined } {
    const pod = this.pod(ref);
    return { pod, slot: pod.containers.get(name) };
  }

  /** The running container for exec and attach, with kubelet's error otherwise. */
  private async running(ref: PodRef, name: string): Promise<ContainerInfo> {
    const { slot } = this.container(ref, name);
    const cur = slot?.current;
    const st = cur ? await this.o.runtime.status(cur.id) : undefined;
    if (!st || st.status.state !== 'running') throw errors.badRequest(`container not found ("${name}")`);
    return st;
  }

  async logs(ref: PodRef, name: string, opts: LogOptions): Promise<Readable> {
    // Bound here but not picked up yet: what kubelet says before the first sync.
    if (!this.o.slots.has(`${ref.namespace}/${ref.name}`)) throw errors.badRequest(`container "${name}" in pod "${ref.name}" is waiting to start: ContainerCreating`);
    const { pod, slot } = this.container(ref, name);
    // As kubelet: --previous reads the last terminated container (lastState); otherwise the current one, even
    // when it has exited (a CrashLoopBackOff shows the last attempt's output).
    const last = slot?.waiting && slot.current?.status.state === 'exited' ? slot.current : slot?.previous;
    let info: ContainerInfo | undefined;
    if (opts.previous) {
      if (!last) throw errors.badRequest(`previous terminated container "${name}" in pod "${ref.name}" not found`);
      info = last;
    } else {
      info = slot?.current;
      if (!info) {
        const reason = slot?.waiting?.reason ?? (slot?.init === false && [...pod.containers.values()].some((c) => c.init && c.current?.status.state !== 'exited') ? 'PodInitializing' : 'ContainerCreating');
        throw errors.badRequest(`container "${name}" in pod "${ref.name}" is waiting to start: ${reason}`);
      }
    }
    const id = info.id;
    const isCurrent = !opts.previous || id === slot?.current?.id;
    return containerLogStream(
      {
        path: logPathOf(pod.podDir, name, info.attempt),
        running: async () => isCurrent && (await this.o.runtime.status(id))?.status.state === 'running',
      },
      opts,
    );
  }

  async exec(ref: PodRef, name: string, argv: string[], streams: StreamSet): Promise<number> {
    const c = await this.running(ref, name);
    return this.o.runtime.exec(c.id, argv, guarded(streams));
  }

  async attach(ref: PodRef, name: string, streams: StreamSet): Promise<void> {
    const c = await this.running(ref, name);
    return this.o.runtime.attach(c.id, guarded(streams));
  }

  async portForward(ref: PodRef, port: number, stream: Duplex): Promise<void> {
    const pod = this.pod(ref);
    const sandboxId = pod.sandbox?.id;
    if (!sandboxId) throw errors.badRequest(`pod "${ref.name}" has no sandbox yet`);
    return this.o.runtime.portForward(sandboxId, port, stream);
  }
}
