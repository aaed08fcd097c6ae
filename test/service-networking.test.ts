// Service networking end to end (issue 8), with real kubectl (1.32, and 1.27 for some gets) and real pods: one
// `tug server` child WITH its node agent and the node services (nftables proxy, servicelb, cluster DNS on
// 10.43.0.10, ingress on free high ports) on a bridge and pod range of its own. The pods' containers are node
// scripts and host tools (curl, dig) run by the process runtime inside each pod's network namespace.
// The cluster DNS forwards outside names only to a test server on loopback (support/dns-upstream.ts), and no name
// is looked up from a pod before its resolv.conf is checked to point at the cluster DNS alone: nothing leaves
// the machine. Its two servers run one after the other (the second one is the restart on the same data dir);
// other suites' clusters may run beside it (test/two-clusters.test.ts shows they do not answer each other's pods).
// Needs root, the CNI plugins, nft, curl, dig and kubectl 1.32 and 1.27.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { Pod, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { KubeObject } from '../src/api/object.js';
import { makeCert } from '../src/apiserver/pki/certs.js';
import { clientFromKubeconfig, deployments, endpointslices, pods, services, type RestClient } from '../src/client/index.js';
import { freePort } from './support/child-server.js';
import { startDnsUpstream, type DnsUpstream } from './support/dns-upstream.js';
import { poll } from './support/poll.js';
import { haveAllTools, POD_NETWORK_TOOLS, requireRootAndTools, SERVICE_CLIENT_TOOLS, type Tool } from './support/require-tool.js';
import { removeLeftovers, stopAgentCluster } from './support/real-pods.js';
import { portOf, startTugCluster, type TugCluster } from './support/tug-cluster.js';
import { kubectl, kubectlTool } from './support/tug-server.js';
import { netnsName } from '../src/network/index.js';

const NODE = process.execPath;
const BRIDGE = 'tugs236';
const POD_CIDR = '10.42.236.0/24';
const NODE_NAME = 'tug-svc-e2e';
// The node's address: one the suite adds to lo, since NodePorts do not answer on 127.x (as in kube-proxy's
// nftables mode). It sits in the cluster range outside every pod range, so nothing leaves the host.
const NODE_IP = '10.42.237.1';
const NS = 'demo';
const CLUSTER_DNS = '10.43.0.10';
const LB_PORT = 28936;
const VERSIONS = ['1.32', '1.27'];
type P = Pod & KubeObject;
type S = Service & KubeObject;
type ES = EndpointSlice & KubeObject;

const TOOLS: Tool[] = [...POD_NETWORK_TOOLS, ...SERVICE_CLIENT_TOOLS, ...VERSIONS.map(kubectlTool)];
const haveTools = process.getuid?.() === 0 && haveAllTools(TOOLS);
const dir = mkdtempSync(join(tmpdir(), 'tug-svc-e2e-'));
/** Every backend appends "REQ|TERM <pod> <ms>" here (the process runtime shares the host's file system). */
const LOG = join(dir, 'backend.log');
const cacheDirs = new Map(VERSIONS.map((v) => [v, join(dir, `cache-${v}`)]));
let server: TugCluster | undefined;
let upstream: DnsUpstream | undefined;
let api: RestClient;
let httpPort = 0;
let httpsPort = 0;
let caFile = '';
/** Set once the client pod's resolv.conf is known to name the cluster DNS only: name lookups are safe then. */
let dnsSafe = false;

function usable(t: TestContext): boolean {
  if (!requireRootAndTools(t, 'the service networking suite needs root (pod network namespaces, nftables)', TOOLS)) return false;
  assert.ok(server, 'the server did not start (see the before hook)');
  return true;
}

async function ok(args: string[], o: { v?: string; input?: string; timeoutMs?: number } = {}): Promise<string> {
  const v = o.v ?? '1.32';
  const r = await kubectl(v, args, { kubeconfig: server!.kubeconfig, cacheDir: cacheDirs.get(v)!, ...(o.input !== undefined ? { input: o.input } : {}), timeoutMs: o.timeoutMs ?? 60_000 });
  assert.equal(r.code, 0, `kubectl ${v} ${args.join(' ')} -> ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}\nserver output (tail):\n${server!.output().slice(-3000)}`);
  return r.stdout;
}

/** Runs argv inside the client pod (kubectl exec) and returns its stdout. */
const inClient = (argv: string[], timeoutMs = 60_000) => ok(['exec', '-n', NS, 'client', '--', ...argv], { timeoutMs });

const waitFor = <T>(what: string, fn: () => Promise<T | undefined | false>, ms = 30_000, everyMs = 100): Promise<T> =>
  poll(what, fn, { ms, everyMs, detail: () => `server output:\n${server?.output().slice(-3000)}` });

const isReady = (p: P) => !p.metadata?.deletionTimestamp && (p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false);
const appPods = async (app: string) => (await api.list<P>(pods, NS, { labelSelector: `app=${app}` })).items;
const readyPods = async (app: string) => (await appPods(app)).filter(isReady);

/** One HTTP request with a fresh connection: status and body (status 0 and the error code on failure). */
function httpOnce(o: { host: string; port: number; path?: string; hostHeader?: string; timeoutMs?: number }): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = request({ host: o.host, port: o.port, path: o.path ?? '/', agent: false, headers: o.hostHeader ? { host: o.hostHeader } : {}, timeout: o.timeoutMs ?? 5_000 }, (r) => {
      let b = '';
      r.on('data', (d: Buffer) => (b += d.toString()));
      r.on('end', () => resolve({ status: r.statusCode ?? 0, body: b }));
      r.on('error', (e) => resolve({ status: 0, body: e.message }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ status: 0, body: e.code ?? e.message }));
    req.end();
  });
}

const sh = promisify(execFile);

function script(lines: string[]): string[] {
  return [NODE, '-e', lines.join('\n')];
}

// An HTTP server on $PORT answering "$VERSION $POD_NAME <path>", noting every request and its SIGTERM in $LOG
// (probes on /healthz are not noted). SIGTERM: stop listening, finish what is in flight, exit.
const backend = script([
  "const http = require('http'), fs = require('fs');",
  'const note = (w) => fs.appendFileSync(process.env.LOG, `${w} ${process.env.POD_NAME} ${Date.now()}\\n`);',
  "const s = http.createServer((q, r) => { if (q.url !== '/healthz') note('REQ'); r.end(`${process.env.VERSION} ${process.env.POD_NAME} ${q.url}\\n`); });",
  's.listen(Number(process.env.PORT));',
  "process.on('SIGTERM', () => { note('TERM'); s.close(() => process.exit(0)); setTimeout(() => process.exit(0), 2000).unref(); });",
]);

function deployment(name: string, replicas: number, version: string): object {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      // One new pod at a time, never fewer ready than asked: no request is lost in a rollout.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          terminationGracePeriodSeconds: 10,
          containers: [
            {
              name: 'main',
              image: 'node',
              command: backend,
              env: [
                { name: 'PORT', value: '8080' },
                { name: 'VERSION', value: version },
                { name: 'LOG', value: LOG },
                { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              ],
              ports: [{ name: 'http', containerPort: 8080 }],
              readinessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 1 },
              // Users' recipe for graceful removal: keep serving while the proxies drop the endpoint, then SIGTERM.
              lifecycle: { preStop: { sleep: { seconds: 3 } } },
            },
          ],
        },
      },
    },
  };
}

function service(name: string, spec: object): object {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NS }, spec };
}

function manifests(tls: { cert: string; key: string }): object[] {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
    deployment('web', 3, 'v1'),
    deployment('api', 2, 'api'),
    service('web', { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] }),
    service('api', { selector: { app: 'api' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] }),
    service('web-np', { type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 'http' }] }),
    service('web-lb', { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ port: LB_PORT, targetPort: 'http' }] }),
    service('web-headless', { clusterIP: 'None', selector: { app: 'web' }, ports: [{ name: 'http', port: 8080 }] }),
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'client', namespace: NS },
      spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'] }] },
    },
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'demo-tls', namespace: NS }, type: 'kubernetes.io/tls', data: { 'tls.crt': b64(tls.cert), 'tls.key': b64(tls.key) } },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'demo', namespace: NS },
      spec: {
        tls: [{ hosts: ['a.example.test', 'b.example.test'], secretName: 'demo-tls' }],
        rules: [
          { host: 'a.example.test', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } },
          { host: 'b.example.test', http: { paths: [{ path: '/api', pathType: 'Prefix', backend: { service: { name: 'api', port: { name: 'http' } } } }] } },
        ],
      },
    },
  ];
}

function serverOptions(dataDir?: string): Parameters<typeof startTugCluster>[0] {
  return {
    ...(dataDir ? { dataDir } : {}),
    simNodes: 0,
    agent: true,
    services: true,
    timeoutMs: 60_000,
    args: [
      '--node-ip', NODE_IP, '--kubelet-port', '0', '--pod-cidr', POD_CIDR, '--cni-bridge', BRIDGE, '--node-name', NODE_NAME,
      '--shutdown-grace-period', '5',
      '--proxy-mode', 'nftables',
      '--cluster-dns', CLUSTER_DNS,
      '--dns-upstream', `127.0.0.1:${upstream!.port}`,
      '--ingress-http-port', String(httpPort), '--ingress-https-port', String(httpsPort),
    ],
  };
}

/** The nftables tables of family ip on this machine, each with its full text. */
function nftTables(): Map<string, string> {
  const out = new Map<string, string>();
  const list = spawnSync('nft', ['list', 'tables', 'ip'], { encoding: 'utf8' }).stdout ?? '';
  for (const m of list.matchAll(/^table ip (\S+)$/gm)) {
    const r = spawnSync('nft', ['list', 'table', 'ip', m[1]!], { encoding: 'utf8' });
    if (r.status === 0) out.set(m[1]!, r.stdout);
  }
  return out;
}

/** The proxy's table: the one that mentions the web Service's ClusterIP. */
function proxyTable(clusterIP: string): [string, string] | undefined {
  return [...nftTables()].find(([, text]) => text.includes(clusterIP));
}

/**
 * Rules with pod IPs (they change when the restarted agent recreates the pods) replaced by "POD" and the hashes
 * in endpoint chain names (made from those IPs) by "#", sorted.
 */
function normalizedRules(text: string): string[] {
  return text
    .replace(/10\.42\.236\.\d+/g, 'POD')
    .replace(/\bep-[0-9A-F]{8}-/g, 'ep-#-')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .sort();
}

/** REQ/TERM lines of the backends' log. */
function backendLog(): { what: 'REQ' | 'TERM'; pod: string; ms: number }[] {
  let text = '';
  try {
    text = readFileSync(LOG, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [what, pod, ms] = l.split(' ');
      return { what: what as 'REQ' | 'TERM', pod: pod!, ms: Number(ms) };
    });
}

before(async () => {
  if (!haveTools) return;
  writeFileSync(LOG, '');
  spawnSync('ip', ['addr', 'del', `${NODE_IP}/32`, 'dev', 'lo']);
  const r = spawnSync('ip', ['addr', 'add', `${NODE_IP}/32`, 'dev', 'lo'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip addr add ${NODE_IP}/32 dev lo: ${r.stderr}`);
  upstream = await startDnsUpstream({ 'outside.test': ['127.0.0.9'] });
  // Free on every address: the ingress listens on 0.0.0.0.
  httpPort = await freePort();
  httpsPort = await freePort();
  server = await startTugCluster(serverOptions());
  api = clientFromKubeconfig(server.kubeconfig);
});

after(async () => {
  api?.close();
  if (server) {
    await stopAgentCluster(server, BRIDGE, 'service-networking');
  }
  await upstream?.close();
  if (haveTools) spawnSync('ip', ['addr', 'del', `${NODE_IP}/32`, 'dev', 'lo']);
  rmSync(dir, { recursive: true, force: true });
});

describe('service networking end to end (proxy, DNS, servicelb, ingress)', { concurrency: false }, () => {
  let webIP = '';

  it('runs the demo: 3 web replicas, 2 api replicas, a client pod, services of every type and an ingress with TLS', async (t) => {
    if (!usable(t)) return;
    const tls = makeCert({ commonName: 'a.example.test', sans: ['a.example.test', 'b.example.test'], usage: 'server', days: 1 });
    caFile = join(dir, 'ingress-ca.pem');
    writeFileSync(caFile, tls.cert);
    await ok(['apply', '-f', '-'], { input: manifests(tls).map((o) => JSON.stringify(o)).join('\n') });
    await waitFor('3 web and 2 api pods ready', async () => (await readyPods('web')).length === 3 && (await readyPods('api')).length === 2, 60_000, 200);
    await waitFor('client running', async () => (await api.get<P>(pods, NS, 'client')).status?.phase === 'Running');
    const web = await api.get<S>(services, NS, 'web');
    webIP = web.spec!.clusterIP!;
    assert.match(webIP, /^10\.43\.\d+\.\d+$/);
    // The EndpointSlice names the 3 ready pods with the named target port resolved.
    const slice = await waitFor('web EndpointSlice with 3 ready endpoints', async () => {
      const l = await api.list<ES>(endpointslices, NS, { labelSelector: 'kubernetes.io/service-name=web' });
      const s = l.items[0];
      return s && s.endpoints?.filter((e) => e.conditions?.ready).length === 3 && s;
    });
    assert.deepEqual(slice.ports?.map((p) => [p.name, p.port]), [['http', 8080]]);
    const table = await ok(['get', 'endpointslices', '-n', NS, '-l', 'kubernetes.io/service-name=web'], { v: '1.27' });
    assert.match(table, /IPv4\s+8080\s+10\.42\.236\.\d+,10\.42\.236\.\d+,10\.42\.236\.\d+/);
  });

  it("gives every pod a resolv.conf naming the cluster DNS only, with kubelet's search paths", async (t) => {
    if (!usable(t)) return;
    const conf = await inClient(['cat', '/etc/resolv.conf']);
    const nameservers = [...conf.matchAll(/^nameserver\s+(\S+)/gm)].map((m) => m[1]);
    assert.deepEqual(nameservers, [CLUSTER_DNS], conf);
    assert.match(conf, /^search demo\.svc\.cluster\.local svc\.cluster\.local cluster\.local\b/m);
    assert.match(conf, /^options .*ndots:5/m);
    dnsSafe = true;
  });

  for (const name of ['web.demo.svc.cluster.local', 'web.demo', 'web']) {
    it(`reaches all 3 replicas by the name ${name} from a pod (300 requests, each replica 20%-47%)`, async (t) => {
      if (!usable(t)) return;
      assert.ok(dnsSafe, 'the client pod resolv.conf was not checked: no name lookups from it');
      const names = new Set((await readyPods('web')).map((p) => p.metadata!.name!));
      // One curl, 300 transfers, each on a new connection (Connection: close): the proxy picks a backend per connection.
      const urls = Array.from({ length: 300 }, () => `http://${name}/`);
      const t0 = Date.now();
      const out = await inClient(['curl', '-sS', '--max-time', '5', '-H', 'Connection: close', ...urls], 90_000);
      const counts = new Map<string, number>();
      for (const line of out.split('\n').filter(Boolean)) {
        const pod = line.split(' ')[1]!;
        counts.set(pod, (counts.get(pod) ?? 0) + 1);
      }
      t.diagnostic(`${name}: ${JSON.stringify(Object.fromEntries(counts))} in ${Date.now() - t0} ms`);
      assert.deepEqual(new Set(counts.keys()), names);
      assert.equal([...counts.values()].reduce((a, b) => a + b, 0), 300);
      for (const [pod, n] of counts) assert.ok(n >= 60 && n <= 141, `${pod} got ${n} of 300`);
    });
  }

  it('resolves a headless service to every ready pod IP (A and SRV)', async (t) => {
    if (!usable(t)) return;
    assert.ok(dnsSafe);
    const want = (await readyPods('web')).map((p) => p.status!.podIP!).sort();
    const got = (await inClient(['dig', '+short', '+tries=1', '+time=2', 'web-headless.demo.svc.cluster.local', 'A'])).split('\n').filter(Boolean).sort();
    assert.deepEqual(got, want);
    // and through the libc resolver with the search path, as programs see it
    const viaNode = await inClient([NODE, '-e', "require('dns').lookup('web-headless', { all: true, family: 4 }, (e, a) => { if (e) throw e; console.log(a.map((x) => x.address).sort().join(',')); })"]);
    assert.equal(viaNode.trim(), want.join(','));
    // SRV for the named port: one record per ready pod for the headless service, the service name otherwise
    const dig = async (name: string) => (await inClient(['dig', '+short', '+tries=1', '+time=2', name, 'SRV'])).split('\n').filter(Boolean).map((l) => l.split(' '));
    const headlessSrv = await dig('_http._tcp.web-headless.demo.svc.cluster.local');
    assert.equal(headlessSrv.length, want.length, JSON.stringify(headlessSrv));
    for (const r of headlessSrv) {
      assert.equal(r[2], '8080');
      assert.match(r[3]!, /\.web-headless\.demo\.svc\.cluster\.local\.$/);
    }
    const srv = await dig('_http._tcp.web.demo.svc.cluster.local');
    assert.deepEqual(srv.map((r) => [r[2], r[3]]), [['80', 'web.demo.svc.cluster.local.']]);
  });

  it('resolves an outside name through the configured upstream (and only there)', async (t) => {
    if (!usable(t)) return;
    assert.ok(dnsSafe);
    const before = upstream!.questions.length;
    const out = await inClient(['dig', '+short', '+tries=1', '+time=2', 'outside.test', 'A']);
    assert.equal(out.trim(), '127.0.0.9');
    assert.ok(upstream!.questions.slice(before).some((q) => q.name === 'outside.test'), JSON.stringify(upstream!.questions));
    // a cluster name is answered by the cluster DNS itself and never asked upstream
    assert.ok(!upstream!.questions.some((q) => q.name.endsWith('cluster.local')), JSON.stringify(upstream!.questions));
  });

  it('reaches the API from a pod through the kubernetes Service, by name and by its variables, with the mounted token and CA', async (t) => {
    if (!usable(t)) return;
    assert.ok(dnsSafe, 'the client pod resolv.conf was not checked: no name lookups from it');
    // The process runtime tells a container where its mounts are (TUG_MOUNT_<path>); containers see them in place.
    const sa = '$TUG_MOUNT_VAR_RUN_SECRETS_KUBERNETES_IO_SERVICEACCOUNT';
    const auth = `--certificate-authority=${sa}/ca.crt --token="$(cat ${sa}/token)" --cache-dir=/tmp/tug-svc-e2e-kubectl-cache`;
    // kubelet's variables name the Service's ClusterIP and port
    const vars = await inClient(['sh', '-c', 'echo "$KUBERNETES_SERVICE_HOST $KUBERNETES_SERVICE_PORT $KUBERNETES_PORT"']);
    assert.equal(vars.trim(), '10.43.0.1 443 tcp://10.43.0.1:443');
    // kubectl inside the pod, told only the Service's name: DNS, the proxy's DNAT and a certificate check against ca.crt
    const names = await inClient(['sh', '-c', `kubectl --server=https://kubernetes.default.svc ${auth} get pods -n ${NS} -o name`]);
    assert.match(names, /^pod\/client$/m);
    const who = await inClient(['sh', '-c', `kubectl --server=https://kubernetes.default.svc ${auth} auth whoami -o jsonpath='{.status.userInfo.username}'`]);
    assert.equal(who, `system:serviceaccount:${NS}:default`);
    // curl by the variables, verifying the serving certificate (no -k)
    const body = await inClient(['sh', '-c', `curl -sS --fail --cacert ${sa}/ca.crt -H "Authorization: Bearer $(cat ${sa}/token)" https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT/api/v1/namespaces/${NS}/pods/client`]);
    assert.equal((JSON.parse(body) as P).metadata?.name, 'client');
    // the Service's endpoint is the pod network's gateway, where the API also listens
    const slice = await api.get<ES>(endpointslices, 'default', 'kubernetes');
    assert.deepEqual(slice.endpoints?.map((e) => e.addresses), [[POD_CIDR.replace(/0\/24$/, '1')]]);
    assert.equal(slice.ports?.[0]?.port, portOf(server!.url));
  });

  it('answers a NodePort on the node address', async (t) => {
    if (!usable(t)) return;
    const np = await api.get<S>(services, NS, 'web-np');
    const port = np.spec!.ports![0]!.nodePort!;
    assert.ok(port >= 30000 && port <= 32767, String(port));
    const r = await waitFor(`NodePort ${NODE_IP}:${port}`, async () => {
      const x = await httpOnce({ host: NODE_IP, port });
      return x.status === 200 && x;
    }, 10_000);
    assert.match(r.body, /^v1 web-/);
  });

  it('shows a LoadBalancer EXTERNAL-IP in kubectl get svc that answers', async (t) => {
    if (!usable(t)) return;
    const row = await waitFor('EXTERNAL-IP of web-lb', async () => {
      const out = await ok(['get', 'svc', '-n', NS, 'web-lb', '--no-headers']);
      return !/<pending>/.test(out) && out;
    }, 20_000, 200);
    const cols = row.trim().split(/\s+/);
    // NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE
    assert.equal(cols[1], 'LoadBalancer');
    const external = cols[3]!;
    assert.match(external, /^\d+\.\d+\.\d+\.\d+/);
    assert.match(cols[4]!, new RegExp(`^${LB_PORT}:3\\d{4}/TCP$`));
    assert.match(await ok(['get', 'svc', '-n', NS, 'web-lb'], { v: '1.27' }), new RegExp(`web-lb\\s+LoadBalancer\\s+10\\.43\\.\\S+\\s+${external.replace(/\./g, '\\.')}`));
    const r = await waitFor(`web-lb at ${external.split(',')[0]}:${LB_PORT}`, async () => {
      const x = await httpOnce({ host: external.split(',')[0]!, port: LB_PORT });
      return x.status === 200 && x;
    }, 10_000);
    assert.match(r.body, /^v1 web-/);
    t.diagnostic(`web-lb EXTERNAL-IP ${external}, port ${LB_PORT} answered: ${r.body.trim()}`);
  });

  it('routes a.example.test/ and b.example.test/api through the ingress, over http and https (certificate from a Secret)', async (t) => {
    if (!usable(t)) return;
    const addr = await waitFor('ingress ADDRESS', async () => {
      const out = await ok(['get', 'ingress', '-n', NS, 'demo', '--no-headers']);
      const cols = out.trim().split(/\s+/);
      // NAME CLASS HOSTS ADDRESS PORTS AGE
      return cols[3] && /^\d/.test(cols[3]) && out;
    }, 20_000, 200);
    assert.match(addr, new RegExp(`^demo\\s+\\S+\\s+a\\.example\\.test,b\\.example\\.test\\s+${NODE_IP.replace(/\./g, '\\.')}\\s+80, 443\\s`));
    await ok(['get', 'ingress', '-n', NS, 'demo'], { v: '1.27' });
    const curl = async (scheme: 'http' | 'https', host: string, path: string) => {
      const port = scheme === 'http' ? httpPort : httpsPort;
      const { stdout } = await sh('curl', ['-sS', '--max-time', '5', '-w', '\n%{http_code}', '--resolve', `${host}:${port}:${NODE_IP}`, ...(scheme === 'https' ? ['--cacert', caFile] : []), `${scheme}://${host}:${port}${path}`]);
      const lines = stdout.trimEnd().split('\n');
      return { code: Number(lines.pop()), body: lines.join('\n').trim() };
    };
    for (const scheme of ['http', 'https'] as const) {
      const a = await waitFor(`${scheme} a.example.test/`, async () => {
        const r = await curl(scheme, 'a.example.test', '/hello');
        return r.code === 200 && r;
      }, 15_000, 200);
      assert.match(a.body, /^v1 web-\S+ \/hello$/);
      const b = await curl(scheme, 'b.example.test', '/api/items');
      assert.equal(b.code, 200, b.body);
      assert.match(b.body, /^api api-\S+ \/api\/items$/);
      // b.example.test has no rule for / : the default answer is 404
      assert.equal((await curl(scheme, 'b.example.test', '/other')).code, 404);
    }
    // The Ingress named no class: the default class (tugboat) is written into it on create, as Kubernetes'
    // DefaultIngressClass admission does, so CLASS shows it.
    assert.match(addr, /^demo\s+tugboat\s/, 'spec.ingressClassName was not defaulted to the default IngressClass');
  });

  it('stops sending traffic to a scaled-down replica before its container gets SIGTERM', async (t) => {
    if (!usable(t)) return;
    assert.ok(dnsSafe);
    const before = (await readyPods('web')).map((p) => p.metadata!.name!);
    assert.equal(before.length, 3);
    // Steady traffic from the client pod to the Service, two connections at a time, for 9 s. The name is resolved
    // once: what is measured here is the proxy's endpoint handling (DNS under load is not this test's subject).
    const load = inClient(
      [
        NODE,
        '-e',
        [
          "const http = require('http'); const end = Date.now() + 9000; const codes = {};",
          `require('dns').lookup('web', { family: 4 }, (err, ip) => { if (err) { console.log(JSON.stringify({ lookup: err.code })); process.exit(1); } const one = () => { if (Date.now() > end) return done(); http.get({ host: ip, path: '/', agent: false, timeout: 3000 }, (r) => { r.resume(); r.on("end", () => { codes[r.statusCode] = (codes[r.statusCode] || 0) + 1; one(); }); }).on("error", (e) => { codes[e.code || e.message] = (codes[e.code || e.message] || 0) + 1; setTimeout(one, 5); }); };`,
          'let left = 2; const done = () => { if (--left === 0) console.log(JSON.stringify(codes)); };',
          'one(); one(); });',
        ].join('\n'),
      ],
      60_000,
    );
    // Awaited below; if a step in between fails first, its rejection must not go unhandled.
    load.catch(() => undefined);
    await new Promise((r) => setTimeout(r, 1500));
    await ok(['scale', 'deployment', 'web', '-n', NS, '--replicas=2']);
    const victim = await waitFor('the pod being deleted', async () => (await appPods('web')).find((p) => p.metadata?.deletionTimestamp)?.metadata!.name, 10_000, 20);
    const victimIP = (await api.get<P>(pods, NS, victim)).status!.podIP!;
    // When the EndpointSlice stops calling the victim ready (terminating, or gone), as seen by polling.
    const notReadyAt = await waitFor('victim endpoint not ready', async () => {
      const l = await api.list<ES>(endpointslices, NS, { labelSelector: 'kubernetes.io/service-name=web' });
      const ep = l.items.flatMap((s) => s.endpoints ?? []).find((e) => e.addresses.includes(victimIP));
      return (!ep || ep.conditions?.ready !== true) && Date.now();
    }, 10_000, 20);
    const codes = JSON.parse((await load).trim()) as Record<string, number>;
    const log = backendLog();
    const term = log.find((l) => l.what === 'TERM' && l.pod === victim);
    assert.ok(term, `${victim} never got SIGTERM:\n${readFileSync(LOG, 'utf8').slice(-2000)}`);
    const victimReqs = log.filter((l) => l.what === 'REQ' && l.pod === victim);
    const lastVictim = victimReqs.at(-1)?.ms ?? 0;
    const othersBetween = log.filter((l) => l.what === 'REQ' && l.pod !== victim && l.ms > lastVictim && l.ms < term.ms).length;
    t.diagnostic(
      `victim ${victim}: last request ${term.ms - lastVictim} ms before its SIGTERM, endpoint seen not ready ${term.ms - notReadyAt} ms before SIGTERM; ` +
        `${othersBetween} requests went to the other replicas in between; client saw ${JSON.stringify(codes)}`,
    );
    assert.ok(victimReqs.length > 0, 'the victim got no traffic at all before the scale-down: the check proves nothing');
    assert.ok(notReadyAt < term.ms, 'the endpoint was still ready when SIGTERM came');
    // In-flight connections may finish; a new one reaching the victim well after it went not ready is a failure.
    assert.ok(lastVictim < notReadyAt + 500, `the victim got a request ${lastVictim - notReadyAt} ms after its endpoint went not ready`);
    assert.ok(lastVictim < term.ms, 'the victim got a request after its SIGTERM');
    assert.ok(othersBetween >= 20, `traffic did not keep flowing between the victim's last request and its SIGTERM (${othersBetween} requests)`);
    assert.deepEqual(Object.keys(codes), ['200'], `the client saw failures: ${JSON.stringify(codes)}`);
  });

  it('loses no request through the ingress during a rolling update (readiness probes + preStop)', async (t) => {
    if (!usable(t)) return;
    const replicas = (await api.get<KubeObject & { spec?: { replicas?: number } }>(deployments, NS, 'web')).spec?.replicas ?? 0;
    await waitFor(`${replicas} web pods, none terminating`, async () => (await appPods('web')).length === replicas && (await readyPods('web')).length === replicas, 30_000, 200);
    const seen = new Map<string, number>();
    let stop = false;
    const client = async () => {
      while (!stop) {
        const r = await httpOnce({ host: NODE_IP, port: httpPort, hostHeader: 'a.example.test', path: '/roll' });
        const key = r.status === 200 ? `200 ${r.body.split(' ')[0]}` : `${r.status} ${r.body.slice(0, 80)}`;
        seen.set(key, (seen.get(key) ?? 0) + 1);
        await new Promise((res) => setTimeout(res, 5));
      }
    };
    const clients = [client(), client()];
    const t0 = Date.now();
    try {
      await new Promise((r) => setTimeout(r, 500));
      await ok(['set', 'env', 'deployment/web', '-n', NS, 'VERSION=v2']);
      await ok(['rollout', 'status', 'deployment/web', '-n', NS, '--timeout=90s'], { timeoutMs: 100_000 });
      await waitFor('old web pods gone', async () => (await appPods('web')).length === replicas, 30_000, 200);
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      stop = true;
      await Promise.all(clients);
    }
    t.diagnostic(`rolling update of ${replicas} replicas in ${Date.now() - t0} ms; responses: ${JSON.stringify(Object.fromEntries(seen))}`);
    assert.ok((seen.get('200 v1') ?? 0) > 0 && (seen.get('200 v2') ?? 0) > 0, JSON.stringify(Object.fromEntries(seen)));
    assert.deepEqual([...seen.keys()].filter((k) => !k.startsWith('200 ')), [], 'requests failed during the rollout');
  });

  it('removes the proxy rules when tug server stops and programs the same rules after it starts again', async (t) => {
    if (!usable(t)) return;
    const found = proxyTable(webIP);
    assert.ok(found, `no nftables table mentions ${webIP}`);
    const [table, rulesBefore] = found;
    const dataDir = server!.dataDir;
    const webReady = (await readyPods('web')).length;
    const apiReady = (await readyPods('api')).length;
    const end = await server!.stop('SIGTERM');
    assert.equal(end.code, 0, server!.output().slice(-3000));
    const r = spawnSync('nft', ['list', 'table', 'ip', table], { encoding: 'utf8' });
    assert.notEqual(r.status, 0, `table ${table} is still there after the server stopped:\n${r.stdout}`);
    assert.equal(proxyTable(webIP), undefined, 'some table still mentions the web ClusterIP');
    api.close();
    // Same API port too: the `kubernetes` Service's endpoint (and so its rules) names it.
    server = await startTugCluster({ ...serverOptions(dataDir), port: portOf(server!.url) });
    api = clientFromKubeconfig(server.kubeconfig);
    // Same pods come back (maybe on new IPs): wait for them, then the rules must match the old ones.
    await waitFor('web and api ready after restart', async () => (await readyPods('web')).length === webReady && (await readyPods('api')).length === apiReady, 60_000, 200);
    const want = normalizedRules(rulesBefore);
    const rulesAfter = await waitFor('the same rules', async () => {
      const text = spawnSync('nft', ['list', 'table', 'ip', table], { encoding: 'utf8' }).stdout ?? '';
      return JSON.stringify(normalizedRules(text)) === JSON.stringify(want) && text;
    }, 20_000, 100).catch(() => spawnSync('nft', ['list', 'table', 'ip', table], { encoding: 'utf8' }).stdout ?? '');
    assert.deepEqual(normalizedRules(rulesAfter), want);
    t.diagnostic(`table ${table}: ${want.length} lines, the same after the restart (pod IPs and endpoint chain hashes normalized)`);
    // and they work: the client pod reaches the ClusterIP again
    await waitFor('client running again', async () => (await api.get<P>(pods, NS, 'client')).status?.phase === 'Running', 30_000, 200);
    const body = await waitFor('web by ClusterIP after restart', async () => {
      const out = await inClient(['curl', '-sS', '--max-time', '3', `http://${webIP}/`]);
      return /^v\d web-/.test(out) && out;
    }, 15_000, 300);
    assert.match(body, /^v\d web-/);
  });

  it('leaves nothing behind when it stops: no proxy table, pod namespace, bridge, ingress or DNS listener', async (t) => {
    if (!usable(t)) return;
    const table = proxyTable(webIP)?.[0];
    assert.ok(table, 'the proxy table was not there before the stop');
    const end = await server!.stop('SIGTERM');
    assert.equal(end.code, 0, server!.output().slice(-3000));
    assert.deepEqual(removeLeftovers(server!.dataDir, BRIDGE, netnsName), [], 'the server left these behind');
    assert.notEqual(spawnSync('nft', ['list', 'table', 'ip', table], { encoding: 'utf8' }).status, 0, `table ${table} is still there`);
    for (const port of [httpPort, httpsPort]) assert.equal((await httpOnce({ host: NODE_IP, port, timeoutMs: 1000 })).body, 'ECONNREFUSED', `ingress port ${port} still open`);
    const dns = spawnSync('ss', ['-Hlnu', 'src', `${CLUSTER_DNS}:53`], { encoding: 'utf8' }).stdout ?? '';
    assert.equal(dns.trim(), '', `something still listens on ${CLUSTER_DNS}:53:\n${dns}`);
  });
});
