// Unpacks layers on worker threads. A pull's main thread already spends most of its time on the downloads
// (socket reads, sha256 of every blob); the unpack adds gunzip, a second sha256 (the diff_id) and the tar
// parser for as many bytes again. On the main thread the two queue behind each other and the pull ends well
// after its last byte; on a worker they run side by side. Falls back to the calling thread where a worker
// cannot start.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { ImagePullError } from '../types.js';
import { unpackLayer, type UnpackOptions, type UnpackResult } from './unpack.js';

/** What a worker needs: plain data, the promise and signal travel as messages. */
export type JobOptions = Omit<UnpackOptions, 'lowersReady' | 'signal'>;

export type PoolRequest =
  | { op: 'unpack'; id: number; options: JobOptions }
  | { op: 'lowers'; id: number }
  | { op: 'abort'; id: number; reason: string };

export type PoolReply =
  | { id: number; ok: true; result: UnpackResult }
  | { id: number; ok: false; message: string; kind: ImagePullError['kind'] };

interface Slot {
  worker: Worker;
  running: Map<number, { resolve(r: UnpackResult): void; reject(e: unknown): void }>;
}

export class UnpackPool {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private broken = false;

  /** `size` workers at most, started when first needed. */
  constructor(private readonly size = Math.max(1, Math.min(2, availableParallelism() - 1))) {}

  unpack(o: UnpackOptions): Promise<UnpackResult> {
    const slot = this.broken ? undefined : this.pick();
    if (!slot) return unpackLayer(o);
    const id = this.nextId++;
    const { lowersReady, signal, ...options } = o;
    return new Promise<UnpackResult>((resolve, reject) => {
      slot.running.set(id, { resolve, reject });
      slot.worker.ref();
      this.post(slot, { op: 'unpack', id, options });
      const onAbort = () => this.post(slot, { op: 'abort', id, reason: String((signal?.reason as Error | undefined)?.message ?? 'aborted') });
      signal?.addEventListener('abort', onAbort, { once: true });
      if (signal?.aborted) onAbort();
      // Only a layer with opaque directories waits for this; the worker is told either way.
      Promise.resolve(lowersReady).then(
        () => this.post(slot, { op: 'lowers', id }),
        (err: unknown) => this.post(slot, { op: 'abort', id, reason: `a lower layer failed: ${err instanceof Error ? err.message : String(err)}` }),
      );
    }).finally(() => {
      slot.running.delete(id);
      if (slot.running.size === 0) slot.worker.unref();
    });
  }

  /** Stops the workers; jobs still running fail. */
  close(): void {
    for (const s of this.slots.splice(0)) void s.worker.terminate();
  }

  private post(slot: Slot, m: PoolRequest): void {
    if (slot.running.has(m.id)) slot.worker.postMessage(m);
  }

  /** The least busy worker, a new one while there are fewer than `size`. */
  private pick(): Slot | undefined {
    const idle = this.slots.find((s) => s.running.size === 0);
    if (idle) return idle;
    if (this.slots.length < this.size) {
      try {
        return this.start();
      } catch {
        this.broken = true;
        return undefined;
      }
    }
    return this.slots.reduce<Slot | undefined>((a, s) => (!a || s.running.size < a.running.size ? s : a), undefined);
  }

  private start(): Slot {
    const worker = new Worker(new URL('./unpack-worker.js', import.meta.url));
    // Referenced only while it has jobs: an idle pool must not keep the process alive.
    const slot: Slot = { worker, running: new Map() };
    worker.on('message', (m: PoolReply) => {
      const job = slot.running.get(m.id);
      if (!job) return;
      if (m.ok) job.resolve(m.result);
      else job.reject(new ImagePullError(m.message, m.kind));
    });
    const fail = (err: Error) => {
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots.splice(i, 1);
      for (const job of slot.running.values()) job.reject(new ImagePullError(`layer unpack worker stopped: ${err.message}`, 'other'));
      slot.running.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`exit code ${code}`)));
    this.slots.push(slot);
    return slot;
  }
}
