// Downloads a blob into the content store: streamed through sha256 into ingest/<hex>.partial, resumed with a
// Range request when a partial file is left from an earlier try (or a killed pull), verified against its
// digest and size, then renamed into blobs/. Concurrent requests for one digest share one download.
import { createHash, type Hash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat, truncate } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { finished } from 'node:stream/promises';
import { realClock } from '../../util/clock.js';
import { ImagePullError } from '../types.js';
import type { RepositoryClient } from './distribution.js';
import type { Descriptor } from './image-spec.js';
import type { ContentStore } from './store.js';

async function sizeOf(p: string): Promise<number | undefined> {
  try {
    return (await stat(p)).size;
  } catch {
    return undefined;
  }
}

async function hashFile(p: string, h: Hash): Promise<void> {
  for await (const chunk of createReadStream(p, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
}

/**
 * Appends a response body to `file`, each chunk seen by `onChunk` before it is written. Resolves to what cut the
 * body short ({ error }; undefined when it ended whole), only once every chunk that arrived is on disk: a write
 * stream destroyed by an erroring pipeline drops what it still buffers, and a resumed download would then
 * start from less than it received (or, on a slow disk, from nothing).
 */
async function appendBody(res: IncomingMessage, file: string, append: boolean, onChunk: (c: Buffer) => void, signal?: AbortSignal): Promise<{ error: unknown } | undefined> {
  const out = createWriteStream(file, { flags: append ? 'a' : 'w', highWaterMark: 1 << 20 });
  const onAbort = () => res.destroy(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) onAbort();
  let cut: { error: unknown } | undefined;
  try {
    for await (const chunk of res) {
      onChunk(chunk as Buffer);
      if (!out.write(chunk)) await once(out, 'drain');
    }
  } catch (error) {
    cut = { error };
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  out.end();
  await finished(out);
  return cut;
}

export interface FetchEvents {
  /** Bytes that arrived (or were found already present) for this blob. */
  onBytes?(n: number): void;
  /** A download continued from `offset` instead of starting over. */
  onResume?(digest: string, offset: number): void;
}

export class BlobFetcher {
  private readonly inflight = new Map<string, Promise<void>>();

  constructor(
    private readonly store: ContentStore,
    private readonly attempts = 4,
  ) {}

  async ensure(client: RepositoryClient, d: Descriptor, ev: FetchEvents = {}, signal?: AbortSignal): Promise<void> {
    const have = await sizeOf(this.store.blobPath(d.digest));
    if (have === d.size) {
      ev.onBytes?.(d.size);
      return;
    }
    const running = this.inflight.get(d.digest);
    if (running) {
      await running;
      ev.onBytes?.(d.size);
      return;
    }
    const p = this.download(client, d, ev, signal).finally(() => this.inflight.delete(d.digest));
    this.inflight.set(d.digest, p);
    await p;
  }

  private async download(client: RepositoryClient, d: Descriptor, ev: FetchEvents, signal?: AbortSignal): Promise<void> {
    const partial = this.store.partialPath(d.digest);
    let lastError: unknown;
    for (let attempt = 0; attempt < this.attempts; attempt++) {
      if (attempt > 0) await realClock.sleep(200 * 2 ** (attempt - 1), signal);
      let offset = (await sizeOf(partial)) ?? 0;
      if (offset > d.size) {
        await truncate(partial, 0);
        offset = 0;
      }
      let hash = createHash('sha256');
      if (offset > 0) await hashFile(partial, hash);
      const res = await client.openBlob(d.digest, offset);
      if (res.statusCode === 200 && offset > 0) {
        // The registry ignored the Range header: this answer is the whole blob, take it from the start.
        await truncate(partial, 0);
        offset = 0;
        hash = createHash('sha256');
      }
      if (offset > 0) ev.onResume?.(d.digest, offset);
      ev.onBytes?.(offset);
      let got = offset;
      const cut = await appendBody(res, partial, offset > 0, (chunk) => {
        hash.update(chunk);
        got += chunk.length;
        ev.onBytes?.(chunk.length);
      }, signal);
      if (cut !== undefined) {
        if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : cut.error;
        // A broken connection: what arrived is in the partial file, the next attempt asks for the rest.
        ev.onBytes?.(offset - got);
        lastError = cut.error;
        continue;
      }
      const digest = `sha256:${hash.digest('hex')}`;
      if (digest !== d.digest || got !== d.size) {
        await rm(partial, { force: true });
        throw new ImagePullError(
          `blob ${d.digest} failed verification: got ${got} bytes with digest ${digest}, the manifest says ${d.size} bytes; the blob was discarded`,
          'invalid',
        );
      }
      await rename(partial, this.store.blobPath(d.digest));
      return;
    }
    throw new ImagePullError(
      `download of blob ${d.digest} kept failing: ${lastError instanceof Error ? lastError.message : String(lastError)}`,
      'network',
    );
  }
}
