import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { RepositoryClient } from './distribution.js';
import { BlobFetcher } from './fetch-blob.js';
import { ContentStore } from './store.js';

/** A response that sends `data` in 16 KiB chunks at once, then breaks (when `cut`) on the next turn of the loop. */
function response(data: Buffer, status: number, cut: boolean): IncomingMessage {
  const chunks: Buffer[] = [];
  for (let i = 0; i < data.length; i += 16 << 10) chunks.push(data.subarray(i, i + (16 << 10)));
  const r = new Readable({ read() {} });
  for (const c of chunks) r.push(c);
  if (cut) setImmediate(() => r.destroy(new Error('socket hang up')));
  else r.push(null);
  return Object.assign(r, { statusCode: status }) as unknown as IncomingMessage;
}

test('a download cut short keeps every byte that arrived, and the next attempt asks for exactly the rest', async () => {
  const root = mkdtempSync(join(tmpdir(), 'tug-fetch-'));
  try {
    const blob = randomBytes(600 << 10);
    const digest = `sha256:${createHash('sha256').update(blob).digest('hex')}`;
    const store = new ContentStore(root);
    const asked: number[] = [];
    // Attempt 1 gets 256 KiB, attempt 2 the next 256 KiB, attempt 3 the rest: each cut right after its bytes arrive,
    // before the disk has caught up with them.
    const client = {
      async openBlob(_d: string, offset: number) {
        asked.push(offset);
        const end = Math.min(blob.length, offset + (256 << 10));
        return response(blob.subarray(offset, end), offset > 0 ? 206 : 200, end < blob.length);
      },
    } as unknown as RepositoryClient;
    const resumed: number[] = [];
    await new BlobFetcher(store, 4).ensure(client, { digest, size: blob.length, mediaType: 'application/octet-stream' }, { onResume: (_d, o) => resumed.push(o) });
    assert.deepEqual(asked, [0, 256 << 10, 512 << 10]);
    assert.deepEqual(resumed, [256 << 10, 512 << 10]);
    assert.ok(readFileSync(store.blobPath(digest)).equals(blob));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
