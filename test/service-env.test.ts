// End-to-end: `tug server` with its node agent (process runtime, host network) gives a pod kubelet's service
// variables: those of its namespace's services and of default/kubernetes, which in-cluster clients read.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Pod, Service } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../src/api/object.js';
import { clientFromKubeconfig, type RestClient } from '../src/client/index.js';
import { namespaces, pods, services } from '../src/client/resources.js';
import { poll } from './support/poll.js';
import { startTugCluster, stopCleanly, type TugCluster } from './support/tug-cluster.js';

const NS = 'svcenv';
let server: TugCluster | undefined;
let api: RestClient | undefined;

before(async () => {
  server = await startTugCluster({ simNodes: 0, agent: true, args: ['--node-ip', '127.0.0.1', '--kubelet-port', '0', '--no-pod-network'] });
  api = clientFromKubeconfig(server.kubeconfig);
});

after(async () => {
  api?.close();
  // SIGTERM stops the agent's pods; the data dir goes with them.
  if (server) await stopCleanly(server);
});

describe('service environment variables (real agent)', () => {
  it('a pod in another namespace gets its services and default/kubernetes', async () => {
    const c = api!;
    const detail = () => server!.output().slice(-2000);
    await c.create(namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } } as KubeObject);
    const web = await c.create<Service & KubeObject>(services, NS, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web' },
      spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] },
    } as Service & KubeObject);
    const kube = await c.get<Service & KubeObject>(services, 'default', 'kubernetes');
    const webIP = web.spec?.clusterIP ?? '';
    assert.match(webIP, /^\d+\.\d+\.\d+\.\d+$/);
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'printenv' },
      spec: {
        restartPolicy: 'Never',
        terminationGracePeriodSeconds: 1,
        containers: [{ name: 'c', image: 'busybox', command: ['/bin/sh', '-c', 'env'], env: [{ name: 'WEB_URL', value: 'http://$(WEB_SERVICE_HOST):$(WEB_SERVICE_PORT_HTTP)' }] }],
      },
    } as KubeObject;
    // The namespace's service account may not exist yet: admission refuses the pod until it does.
    await poll('pod created', async () => c.create(pods, NS, pod), { ms: 10_000, detail });
    const done = await poll(
      'pod succeeded',
      async () => {
        const p = await c.get<Pod & KubeObject>(pods, NS, 'printenv');
        return p.status?.phase === 'Succeeded' && p;
      },
      { ms: 20_000, detail },
    );
    const log = readFileSync(join(server!.dataDir, 'pods', done.metadata?.uid ?? '', 'logs', 'c', '0.log'), 'utf8');
    const env = Object.fromEntries([...log.matchAll(/ stdout F (\w+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]));
    assert.equal(env.WEB_SERVICE_HOST, webIP, log);
    assert.equal(env.WEB_SERVICE_PORT, '8080');
    assert.equal(env.WEB_SERVICE_PORT_HTTP, '8080');
    assert.equal(env.WEB_PORT, `tcp://${webIP}:8080`);
    assert.equal(env.WEB_PORT_8080_TCP_ADDR, webIP);
    assert.equal(env.WEB_URL, `http://${webIP}:8080`);
    assert.equal(env.KUBERNETES_SERVICE_HOST, kube.spec?.clusterIP);
    assert.equal(env.KUBERNETES_SERVICE_PORT, '443');
    assert.equal(env.KUBERNETES_PORT, `tcp://${kube.spec?.clusterIP}:443`);
  });
});
