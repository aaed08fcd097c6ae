import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryStore } from '../../store/memory/memory-store.js';
import { createApiServer } from '../server.js';
import { call } from '../testing.js';

const PODS = '/api/v1/namespaces/default/pods';
const eviction = (name: string, deleteOptions?: Record<string, unknown>) => ({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name }, ...(deleteOptions ? { deleteOptions } : {}) });

describe('pods/eviction dry run', () => {
  it('tells the eviction hook it is a dry run and keeps the pod', async () => {
    const store = new MemoryStore();
    const seen: (boolean | undefined)[] = [];
    const api = createApiServer({ store, authenticate: () => ({ name: 'admin', groups: [] }), hooks: { checkEviction: async (_pod, o) => void seen.push(o?.dryRun) } });
    await api.init();
    try {
      await call(api, 'POST', PODS, { body: { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i' }] } } });
      assert.equal((await call(api, 'POST', `${PODS}/p/eviction?dryRun=All`, { body: eviction('p') })).code, 201);
      assert.equal((await call(api, 'POST', `${PODS}/p/eviction`, { body: eviction('p', { dryRun: ['All'] }) })).code, 201);
      assert.equal((await call(api, 'GET', `${PODS}/p`)).code, 200, 'dry runs delete nothing');
      assert.equal((await call(api, 'POST', `${PODS}/p/eviction`, { body: eviction('p') })).code, 201);
      assert.deepEqual(seen, [true, true, false]);
      assert.equal((await call(api, 'GET', `${PODS}/p`)).code, 404);
    } finally {
      await api.close();
      await store.close();
    }
  });
});
