import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startApiServer, type RunningApiServer } from '../apiserver/index.js';
import type { KubeObject } from '../api/object.js';
import { MemoryStore } from '../store/memory/memory-store.js';
import { readKubeconfig } from './kubeconfig.js';
import { configmaps } from './resources.js';
import { clientFromKubeconfig, inProcessClient, RestClient } from './rest.js';
import { httpsTransport } from './transport.js';

describe('RestClient over HTTPS from a kubeconfig', () => {
  let dir: string;
  let store: MemoryStore;
  let api: RunningApiServer;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tug-client-'));
    store = new MemoryStore();
    api = await startApiServer({ dataDir: dir, listen: { host: '127.0.0.1', port: 0 }, store });
  });
  after(async () => {
    await api.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('authenticates with the client certificate and watches over the socket', async () => {
    const client = clientFromKubeconfig(api.kubeconfigPath);
    try {
      const created: KubeObject = await client.create(configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'h' }, data: { a: '1' } });
      const w = client.watch(configmaps, 'default', { resourceVersion: created.metadata?.resourceVersion });
      const got = (async () => {
        for await (const ev of w) {
          w.close();
          return ev;
        }
        return undefined;
      })();
      await client.patch(configmaps, 'default', 'h', 'merge', { data: { a: '2' } });
      const ev = await got;
      assert.equal(ev?.type, 'MODIFIED');
      assert.deepEqual(ev?.object['data'], { a: '2' });
    } finally {
      client.close();
    }
  });

  it('authenticates with a bearer token and reports 401 without one', async () => {
    const k = readKubeconfig(api.kubeconfigPath);
    const withToken = new RestClient(httpsTransport({ server: api.url, ca: k.ca, token: api.adminToken }));
    const none = new RestClient(httpsTransport({ server: api.url, ca: k.ca }));
    try {
      const g = await withToken.get(configmaps, 'default', 'h');
      assert.equal(g.metadata?.name, 'h');
      await assert.rejects(none.get(configmaps, 'default', 'h'), (e: unknown) => (e as { code?: number }).code === 401);
    } finally {
      withToken.close();
      none.close();
    }
  });

  it('reaches the same server in process with the admin token as identity', async () => {
    const c = inProcessClient((req, res) => api.server.handle(req, res), { token: api.adminToken });
    assert.equal((await c.get(configmaps, 'default', 'h')).metadata?.name, 'h');
    const anon = inProcessClient((req, res) => api.server.handle(req, res));
    await assert.rejects(anon.get(configmaps, 'default', 'h'), (e: unknown) => (e as { code?: number }).code === 401);
  });

  it('resolves file paths relative to the kubeconfig', () => {
    const k = readKubeconfig(api.kubeconfigPath);
    writeFileSync(join(dir, 'ca.pem'), k.ca!);
    writeFileSync(join(dir, 'token'), 'tok\n');
    const p = join(dir, 'rel.yaml');
    writeFileSync(
      p,
      `apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters: [{name: k, cluster: {server: "${api.url}", certificate-authority: ca.pem}}]\nusers: [{name: u, user: {tokenFile: token}}]\ncontexts: [{name: c, context: {cluster: k, user: u, namespace: ns1}}]\n`,
    );
    const r = readKubeconfig(p);
    assert.equal(r.token, 'tok');
    assert.equal(r.namespace, 'ns1');
    assert.equal(String(r.ca), String(k.ca));
  });
});
