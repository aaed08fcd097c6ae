// A child process for the crash-safety test: opens a store, writes as fast as it can with several writes in
// flight, and prints one line per acknowledged write. The parent kills it with SIGKILL mid-stream.
import { openStore, type StoreConfig } from '../../src/store/open.js';

const cfg = JSON.parse(process.argv[2] ?? '{}') as StoreConfig;
const prefix = process.argv[3] ?? '/crash/';
const inFlight = 16;
const store = await openStore(cfg);
let next = 0;
async function writer(): Promise<never> {
  for (;;) {
    const key = `${prefix}k-${String(next++).padStart(8, '0')}`;
    const kv = await store.create(key, JSON.stringify({ key, pad: 'x'.repeat(200) }));
    process.stdout.write(`ack ${key} ${kv.modRevision}\n`);
  }
}
process.stdout.write('ready\n');
await Promise.all(Array.from({ length: inFlight }, writer));
