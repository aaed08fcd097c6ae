// The agent's status.images: written from the runtime's image store at start, after each heartbeat when the
// store changed, never when it did not; removed from the Node when the store is empty.
import assert from 'node:assert/strict';
import { setMaxListeners } from 'node:events';
import { it } from 'node:test';
import type { Node } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../api/object.js';
import { FakeClient } from '../client/fake.js';
import { nodes } from '../client/resources.js';
import { FakeClock } from '../util/clock.js';
import type { ContainerRuntime, ImageInfo } from '../runtime/types.js';
import { startNodeAgent } from './agent.js';

const info = (id: string, size: number, tag: string): ImageInfo => ({ id: `sha256:${id}`, repoTags: [tag], repoDigests: [], size, config: {} } as ImageInfo);

it('node agent: status.images follows the image store, one write per change', async () => {
  let stored: ImageInfo[] = [info('aa', 100, 'r/small:1'), info('bb', 900, 'r/big:1')];
  const runtime = {
    name: 'oci',
    images: { list: async () => stored },
    list: async () => [],
    listSandboxes: async () => [],
    onExit: () => undefined,
  } as unknown as ContainerRuntime;
  const client = new FakeClient();
  const clock = new FakeClock();
  const ac = new AbortController();
  // The agent's loops each sleep on the fake clock with this signal.
  setMaxListeners(50, ac.signal);
  const agent = await startNodeAgent({ client, clock, signal: ac.signal, nodeName: 'n1', dataDir: '/nonexistent', runtime, heartbeatMs: 1000, resyncMs: 60_000 });
  try {
    const images = () => client.peek<Node & KubeObject>(nodes, undefined, 'n1')?.status?.images;
    const imageWrites = () => client.actions.filter((a) => a.verb === 'patch' && a.subresource === 'status' && JSON.stringify(a.body).includes('"images"')).length;
    const beat = async () => {
      clock.advance(1000);
      for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    };
    assert.deepEqual(images(), [
      { names: ['r/big:1'], sizeBytes: 900 },
      { names: ['r/small:1'], sizeBytes: 100 },
    ]);
    assert.equal(imageWrites(), 1);
    await beat();
    await beat();
    assert.equal(imageWrites(), 1, 'nothing changed: no write');
    stored = [info('aa', 100, 'r/small:1')];
    await beat();
    assert.deepEqual(images(), [{ names: ['r/small:1'], sizeBytes: 100 }]);
    assert.equal(imageWrites(), 2);
    stored = [];
    await beat();
    assert.equal(images(), undefined);
  } finally {
    ac.abort();
    await agent.done;
  }
});
