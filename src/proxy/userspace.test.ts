// The userspace relay needs no root: backends and the node address are on loopback.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createSocket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { endpointslices, services } from '../client/index.js';
import { startTestApi, type TestApi } from '../client/testing.js';
import { createLogger } from '../util/logger.js';
import { startProxy, type Proxy } from './index.js';

const NODE_PORT = 31871;
const UDP_NODE_PORT = 31872;

async function get(url: string): Promise<string> {
  const r = await fetch(url, { headers: { connection: 'close' } });
  return r.text();
}

describe('userspace proxy', { timeout: 30_000 }, () => {
  let api: TestApi;
  let proxy: Proxy;
  const servers: Server[] = [];
  const ports: number[] = [];
  const udp = createSocket('udp4');
  const abort = new AbortController();
  const slice = (name: string, port: number, ready = true, protocol = 'TCP') => ({
    metadata: { name, namespace: 'default', labels: { 'kubernetes.io/service-name': protocol === 'UDP' ? 'echo' : 'web' } },
    addressType: 'IPv4',
    ports: [{ name: 'p', port, protocol }],
    endpoints: [{ addresses: ['127.0.0.1'], nodeName: 'n1', conditions: { ready } }],
  });
  const put = async (s: ReturnType<typeof slice>) => {
    const cur = await api.client.get(endpointslices, 'default', s.metadata.name).catch(() => undefined);
    if (cur) await api.client.update(endpointslices, 'default', { ...s, metadata: { ...s.metadata, resourceVersion: cur.metadata?.resourceVersion } });
    else await api.client.create(endpointslices, 'default', s);
    await new Promise((r) => setTimeout(r, 30));
    await proxy.synced();
  };

  before(async () => {
    for (const name of ['one', 'two']) {
      const s = createServer((_q, r) => r.end(name));
      await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
      servers.push(s);
      ports.push((s.address() as AddressInfo).port);
    }
    udp.on('message', (m, from) => udp.send(Buffer.concat([Buffer.from('echo:'), m]), from.port, from.address));
    await new Promise<void>((r) => udp.bind(0, '127.0.0.1', r));
    api = await startTestApi();
    await api.client.create(services, 'default', {
      metadata: { name: 'web', namespace: 'default' },
      spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ name: 'p', port: 80, nodePort: NODE_PORT, protocol: 'TCP' }] },
    });
    await api.client.create(services, 'default', {
      metadata: { name: 'echo', namespace: 'default' },
      spec: { type: 'NodePort', selector: { app: 'echo' }, ports: [{ name: 'p', port: 53, nodePort: UDP_NODE_PORT, protocol: 'UDP' }] },
    });
    proxy = await startProxy({
      client: api.client,
      logger: createLogger({ level: 'error' }),
      signal: abort.signal,
      nodeName: 'n1',
      nodeIPs: ['127.0.0.1'],
      mode: 'userspace',
      serviceCidr: '10.43.0.0/16',
      clusterCidr: '10.42.0.0/16',
    });
    await put(slice('web-1', ports[0]!));
    await put(slice('web-2', ports[1]!));
    await put(slice('echo-1', (udp.address() as AddressInfo).port, true, 'UDP'));
  });

  after(async () => {
    abort.abort();
    await proxy?.stop();
    await api?.close();
    for (const s of servers) s.close();
    udp.close();
  });

  it('relays a NodePort on the node address to every ready endpoint', async () => {
    assert.equal(proxy.mode, 'userspace');
    const seen = new Set<string>();
    for (let i = 0; i < 30 && seen.size < 2; i++) seen.add(await get(`http://127.0.0.1:${NODE_PORT}/`));
    assert.deepEqual([...seen].sort(), ['one', 'two']);
  });

  it('relays UDP datagrams and their replies', async () => {
    const client = createSocket('udp4');
    const reply = new Promise<string>((r) => client.once('message', (m) => r(m.toString())));
    client.send('hi', UDP_NODE_PORT, '127.0.0.1');
    assert.equal(await reply, 'echo:hi');
    client.close();
  });

  it('sends new connections only to ready endpoints, and refuses when none is left', async () => {
    await put(slice('web-2', ports[1]!, false));
    for (let i = 0; i < 10; i++) assert.equal(await get(`http://127.0.0.1:${NODE_PORT}/`), 'one');
    await put(slice('web-1', ports[0]!, false));
    await assert.rejects(get(`http://127.0.0.1:${NODE_PORT}/`));
  });

  it('closes its listeners on stop', async () => {
    assert.deepEqual(proxy.state().listeners, [`TCP/127.0.0.1:${NODE_PORT}`, `UDP/127.0.0.1:${UDP_NODE_PORT}`]);
    await proxy.stop();
    await assert.rejects(get(`http://127.0.0.1:${NODE_PORT}/`), /fetch failed/);
    assert.deepEqual(proxy.state().listeners, []);
  });
});
