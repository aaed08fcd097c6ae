// The worker side of UnpackPool: unpacks layers from stored blobs off the main thread, which is busy with the
// downloads (socket reads, the blob digests). Messages: unpack (starts a job), lowers (the layers below are in:
// opaque directories may be finished), abort. Each job answers once: its result or its error.
import { parentPort } from 'node:worker_threads';
import { ImagePullError } from '../types.js';
import { unpackLayer } from './unpack.js';
import type { PoolReply, PoolRequest } from './unpack-pool.js';

const jobs = new Map<number, { lowers: () => void; lowersFailed: (e: Error) => void; stop: AbortController }>();

function reply(m: PoolReply): void {
  parentPort!.postMessage(m);
}

parentPort?.on('message', (m: PoolRequest) => {
  if (m.op === 'lowers') return jobs.get(m.id)?.lowers();
  if (m.op === 'abort') {
    const j = jobs.get(m.id);
    j?.stop.abort(new Error(m.reason));
    j?.lowersFailed(new Error(m.reason));
    return;
  }
  const stop = new AbortController();
  let lowers!: () => void;
  let lowersFailed!: (e: Error) => void;
  const lowersReady = new Promise<void>((res, rej) => ((lowers = res), (lowersFailed = rej)));
  lowersReady.catch(() => undefined);
  jobs.set(m.id, { lowers, lowersFailed, stop });
  unpackLayer({ ...m.options, lowersReady, signal: stop.signal })
    .then(
      (result) => reply({ id: m.id, ok: true, result }),
      (err: unknown) =>
        reply({
          id: m.id,
          ok: false,
          message: err instanceof Error ? err.message : String(err),
          kind: err instanceof ImagePullError ? err.kind : 'invalid',
        }),
    )
    .finally(() => jobs.delete(m.id));
});
