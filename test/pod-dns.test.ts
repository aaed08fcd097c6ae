// A real pod network namespace resolving cluster names: the process runtime gives the pod the resolv.conf and
// hosts file kubelet would (ClusterFirst: search <ns>.svc.cluster.local ..., ndots:5), and glibc's getent inside
// the pod finds `web.demo` through the search path at our DNS server on a service-range address this test owns
// (10.43.255.253, claimed as a local /32 route and released). Needs root, CNI plugins, ip and getent.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { it } from 'node:test';
import { startTestApi } from '../src/client/testing.js';
import { startDns } from '../src/dns/index.js';
import { runTool } from '../src/network/exec.js';
import { createPodNetwork } from '../src/network/index.js';
import { podSandboxExtras } from '../src/node/dns-config.js';
import { ProcessRuntime } from '../src/runtime/process/runtime.js';
import { silentLogger } from '../src/util/logger.js';
import { requireTool } from './support/require-tool.js';

const DNS_IP = '10.43.255.253';
const UID = 'dnsdnsdn-0000-0000-0000-000000000213';

async function execOut(rt: ProcessRuntime, id: string, argv: string[]): Promise<{ code: number; out: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await rt.exec(id, argv, { stdout, stderr, tty: false });
  return { code, out };
}

it('a pod resolves web.demo through its resolv.conf, and sees its own name in /etc/hosts', async (t) => {
  if (process.getuid?.() !== 0) {
    if (process.env.CI === 'true') throw new Error('needs root');
    return t.skip('needs root');
  }
  if (!requireTool(t, 'getent', 'apt-get install libc-bin') || !requireTool(t, 'ip', 'apt-get install iproute2')) return;
  const root = mkdtempSync(join(tmpdir(), 'tug-poddns-'));
  const api = await startTestApi();
  const ac = new AbortController();
  const net = await createPodNetwork({ dataDir: root, podCidr: '10.42.213.0/24', bridge: 'tugt213', hostIP: '127.0.0.1' });
  if (net.mode === 'host') {
    await api.close();
    return t.skip(net.warning ?? 'no CNI plugins');
  }
  const addedRoute = (await runTool('ip', ['route', 'add', 'local', `${DNS_IP}/32`, 'dev', 'lo', 'table', 'local'])).code === 0;
  const rt = new ProcessRuntime({ root: join(root, 'rt'), network: net, hostIP: '127.0.0.1' });
  let dns: Awaited<ReturnType<typeof startDns>> | undefined;
  let sandboxId: string | undefined;
  try {
    await api.client.create({ group: '', version: 'v1', resource: 'namespaces', namespaced: false }, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo' } });
    await api.client.create({ group: '', version: 'v1', resource: 'services', namespaced: true }, 'demo', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'demo' },
      spec: { clusterIP: '10.43.0.20', selector: { app: 'web' }, ports: [{ port: 80 }] },
    });
    dns = await startDns({ client: api.client, logger: silentLogger, signal: ac.signal, listen: [{ host: DNS_IP, port: 53 }], clusterDomain: 'cluster.local', upstreams: [] });
    const pod = { metadata: { name: 'client', namespace: 'demo', uid: UID }, spec: { hostname: 'client-0', subdomain: 'web', containers: [] } };
    const extras = podSandboxExtras(pod, { clusterDNS: [DNS_IP], clusterDomain: 'cluster.local' });
    const sb = await rt.createSandbox({ podUid: UID, namespace: 'demo', name: 'client', hostname: 'client-0', hostNetwork: false, podDir: join(root, 'pod'), extras });
    sandboxId = sb.id;
    const started = Date.now();
    const c = await rt.createAndStart(sb, {
      name: 'main',
      attempt: 0,
      argv: ['sh', '-c', 'getent hosts web.demo; cat /etc/resolv.conf; exec sleep 30'],
      env: { PATH: '/usr/bin:/bin' },
      mounts: [],
      tty: false,
      stdin: false,
      stdinOnce: false,
      logPath: join(root, 'logs', 'main.log'),
    });
    let log = '';
    for (let i = 0; i < 100 && !/options ndots:5/.test(log); i++) {
      await new Promise((r) => setTimeout(r, 50));
      log = existsSync(join(root, 'logs', 'main.log')) ? readFileSync(join(root, 'logs', 'main.log'), 'utf8') : '';
    }
    const resolvedIn = Date.now() - started;
    assert.match(log, /10\.43\.0\.20\s+web\.demo\.svc\.cluster\.local/);
    assert.match(log, new RegExp(`nameserver ${DNS_IP.replace(/\./g, '\\.')}`));
    assert.match(log, /search demo\.svc\.cluster\.local svc\.cluster\.local cluster\.local/);
    t.diagnostic(`container resolved web.demo and printed resolv.conf ${resolvedIn} ms after start`);

    // exec sees the same files; the hosts file carries the pod's own address.
    const hosts = await execOut(rt, c.id, ['cat', '/etc/hosts']);
    assert.equal(hosts.code, 0);
    assert.match(hosts.out, new RegExp(`^${sb.ip.replace(/\./g, '\\.')}\\tclient-0\\.web\\.demo\\.svc\\.cluster\\.local\\tclient-0$`, 'm'));
    const short = await execOut(rt, c.id, ['getent', 'hosts', 'web']);
    assert.match(short.out, /10\.43\.0\.20/);
    // The host's own files are untouched.
    assert.doesNotMatch(readFileSync('/etc/resolv.conf', 'utf8'), new RegExp(DNS_IP.replace(/\./g, '\\.')));
    await rt.stop(c.id, 1000);
    await rt.remove(c.id);
  } finally {
    if (sandboxId) await rt.removeSandbox(sandboxId);
    ac.abort();
    await dns?.close();
    if (addedRoute) await runTool('ip', ['route', 'del', 'local', `${DNS_IP}/32`, 'dev', 'lo', 'table', 'local']);
    await net.cleanup();
    await api.close();
    rmSync(root, { recursive: true, force: true });
  }
  assert.ok(!existsSync(`/etc/netns/tug-${UID}`) && !existsSync('/etc/netns/' + (await import('../src/network/index.js')).netnsName(UID)));
});
