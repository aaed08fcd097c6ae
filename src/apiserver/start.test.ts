import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { MemoryStore } from '../store/memory/memory-store.js';
import { makeCert, subjectOf } from './pki/certs.js';
import { ensurePki } from './pki/ensure.js';
import { startApiServer, type RunningApiServer } from './start.js';

function get(url: string, o: { ca: string; cert?: string; key?: string; token?: string }): Promise<{ code: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca: o.ca, cert: o.cert, key: o.key, headers: o.token ? { authorization: `Bearer ${o.token}` } : {} }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('startApiServer: TLS, credentials and kubeconfig', () => {
  let dir: string;
  let store: MemoryStore;
  let api: RunningApiServer;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tug-start-'));
    store = new MemoryStore();
    api = await startApiServer({ dataDir: dir, listen: { host: '127.0.0.1', port: 0 }, store, tlsSans: ['tug.example'] });
  });
  after(async () => {
    await api.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes a kubeconfig with our CA and an admin certificate in system:masters', () => {
    const kc = parse(readFileSync(api.kubeconfigPath, 'utf8')) as {
      clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
      users: { user: { 'client-certificate-data': string } }[];
    };
    assert.equal(kc.clusters[0]!.cluster.server, api.url);
    const cert = Buffer.from(kc.users[0]!.user['client-certificate-data'], 'base64').toString();
    assert.deepEqual(subjectOf(cert), { cn: 'admin', orgs: ['system:masters'] });
  });

  it('accepts the admin certificate and the token; refuses none and a foreign CA', async () => {
    const pki = ensurePki(dir, ['tug.example']);
    const url = `${api.url}/api/v1/namespaces`;
    assert.equal((await get(url, { ca: pki.ca.cert, cert: pki.admin.cert, key: pki.admin.key })).code, 200);
    assert.equal((await get(url, { ca: pki.ca.cert, token: api.adminToken })).code, 200);
    const none = await get(url, { ca: pki.ca.cert });
    assert.equal(none.code, 401);
    assert.equal(JSON.parse(none.body).reason, 'Unauthorized');
    assert.equal((await get(url, { ca: pki.ca.cert, token: 'nope' })).code, 401);
    const otherCa = makeCert({ commonName: 'other-ca', usage: 'ca', days: 1 });
    const forged = makeCert({ commonName: 'admin', organizations: ['system:masters'], usage: 'client', days: 1 }, otherCa);
    assert.equal((await get(url, { ca: pki.ca.cert, cert: forged.cert, key: forged.key })).code, 401);
    assert.equal((await get(`${api.url}/version`, { ca: pki.ca.cert })).code, 200);
  });

  it('reuses the credentials on restart', () => {
    const a = ensurePki(dir, ['tug.example']);
    const b = ensurePki(dir, ['tug.example']);
    assert.equal(a.ca.cert, b.ca.cert);
    assert.equal(a.server.cert, b.server.cert);
    assert.equal(a.adminToken, b.adminToken);
  });
});
