// An API server (HTTPS, our PKI, upgrades wired) + an agent stream server with the fake target + a Node that
// points at it + a pod bound to that node: what the kubectl stream suite runs against.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { createApiServer, ensurePki, fileAuthenticator, writeKubeconfig } from '../../src/apiserver/index.js';
import { makeCert } from '../../src/apiserver/pki/certs.js';
import { nodeFromStore, podStreamRelay } from '../../src/apiserver/streams/relay.js';
import { serveUpgrades } from '../../src/apiserver/streams/upgrade.js';
import { FakeTarget } from '../../src/node/streams/fake-target.js';
import { startAgentStreamServer, type AgentStreamServer } from '../../src/node/streams/server.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';

export interface StreamCluster {
  kubeconfig: string;
  target: FakeTarget;
  agent: AgentStreamServer;
  podUid: string;
  stop(): Promise<void>;
}

const RELAY_CN = 'kube-apiserver-kubelet-client';

export async function startStreamCluster(): Promise<StreamCluster> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tug-streams-'));
  const pki = ensurePki(dataDir);
  const relayCert = makeCert({ commonName: RELAY_CN, organizations: ['system:masters'], usage: 'client', days: 1 }, pki.ca);
  const agentCert = makeCert({ commonName: 'node-1', sans: ['127.0.0.1'], usage: 'server', days: 1 }, pki.ca);
  const store = new MemoryStore();
  const api = createApiServer({
    store,
    authenticate: fileAuthenticator(pki.tokenFile),
    hooks: { podStream: podStreamRelay({ getNode: nodeFromStore(store), tls: { key: relayCert.key, cert: relayCert.cert, ca: pki.ca.cert } }) },
  });
  await api.init();
  const server: Server = createServer({ key: pki.server.key, cert: pki.server.cert, ca: pki.ca.cert, requestCert: true, rejectUnauthorized: false }, (req, res) => void api.handle(req, res));
  serveUpgrades(server, api.handle);
  server.requestTimeout = 0;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const kubeconfig = join(dataDir, 'kubeconfig.yaml');
  writeKubeconfig(kubeconfig, pki, url);

  const target = new FakeTarget();
  const agent = await startAgentStreamServer({
    host: '127.0.0.1',
    port: 0,
    tls: { key: agentCert.key, cert: agentCert.cert, ca: pki.ca.cert },
    authorize: (req: IncomingMessage) => (req.socket as TLSSocket).getPeerCertificate()?.subject?.CN === RELAY_CN,
    target,
  });
  const now = new Date().toISOString();
  await store.create(
    '/registry/nodes/node-1',
    JSON.stringify({
      kind: 'Node',
      apiVersion: 'v1',
      metadata: { name: 'node-1', uid: 'node-1-uid', creationTimestamp: now },
      status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: agent.port } } },
    }),
  );
  const podUid = '1b7a0c2e-0000-4000-8000-000000000001';
  await store.create(
    '/registry/pods/default/web',
    JSON.stringify({
      kind: 'Pod',
      apiVersion: 'v1',
      metadata: { name: 'web', namespace: 'default', uid: podUid, creationTimestamp: now },
      spec: { nodeName: 'node-1', containers: [{ name: 'main', image: 'none' }] },
      status: { phase: 'Running' },
    }),
  );
  return {
    kubeconfig,
    target,
    agent,
    podUid,
    async stop() {
      await agent.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await api.close();
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
