// `npm run bench -- network [--duration 5] [--rounds 2] [--changes 20]`
// Service data path against the same backends hit directly, and how fast a Service change becomes working rules.
// Starts a `tug server` child with its node agent and node services (nftables proxy, ingress on free ports; no
// cluster DNS) on a pod network of its own (bridge tugn246, 10.42.246.0/24), runs 3 backend pods (node HTTP
// servers), then with wrk (-t2 -c32 -d5s) measures requests/s and p99 latency:
//   direct:    each pod IP in turn (3 runs, averaged); also direct_spread: the 3 pod IPs at once (3 wrk -t1
//              sharing the 32 connections), since one node backend alone is CPU-bound on one core
//   clusterip: the Service's ClusterIP (nftables DNAT, random backend per connection); clusterip_spread: the
//              same with the client shape of direct_spread, for a like-for-like ratio
//   ingress:   the built-in ingress (Host header), which proxies to the same 3 backends
//   references (not Tugboat): a bare TCP relay in Node (no HTTP: the floor for any proxy hop on this machine) and,
//              when installed, nginx (a worker per CPU, keep-alive upstreams, the same forwarding headers)
// and the ratios to direct, with each proxy's CPU per request (its processes' CPU time over the requests). The paths are interleaved for --rounds rounds and each figure is the median over
// the rounds (the machine is shared: one round alone is noisy).
// Then 20 times: create a new Service over the same pods and time from just before the create call to the first
// TCP connection to its ClusterIP that succeeds (attempted every ms; the service CIDR is routed to the host's
// loopback while the pod network is up, so an unprogrammed address is refused locally, never sent off the
// machine), split where a watch saw the new Service's EndpointSlice list the 3 ready backends (control plane:
// API write + endpointslice controller; then proxy: informer + nft).
// Needs root, nft, the CNI plugins and wrk. Prints one JSON object (the server's output goes to stderr on a failure).
// Run it alone: it measures the machine, and traffic from the host to a ClusterIP is not tied to one cluster.
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Pod, Service } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../src/api/object.js';
import { clientFromKubeconfig, deployments, endpointslices, ingresses, namespaces, pods, services, type RestClient } from '../src/client/index.js';
import { netnsName } from '../src/network/index.js';
import { freePort } from '../test/support/child-server.js';
import { removeLeftovers } from '../test/support/real-pods.js';
import { startTugCluster, type TugCluster } from '../test/support/tug-cluster.js';
import { nowMs, round, summarize } from './stats.js';

type P = Pod & KubeObject;
type S = Service & KubeObject;

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? dflt) : dflt;
}
const durationS = Number(arg('duration', '5'));
const changes = Number(arg('changes', '20'));
const rounds = Number(arg('rounds', '2'));
const BRIDGE = 'tugn246';
const POD_CIDR = '10.42.246.0/24';
const NS = 'bench-net';
const HOST = 'bench.example.test';

const run = promisify(execFile);

// wrk prints one JSON line from its done() hook: exact percentiles instead of its rounded text table.
const WRK_LUA = `
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests":%d,"duration_us":%d,"errors":%d,"p50_us":%d,"p99_us":%d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
`;

interface WrkResult {
  requests_per_s: number;
  /**
   * CPU used during the run, in cores, by the tug server process (API server, agent, proxy), plus its ingress
   * workers for the ingress and nginx's processes for the nginx reference.
   */
  cpu_cores: number;
  /** cpu_cores per request: what each request cost the proxy (or, for direct and ClusterIP, the server). */
  cpu_us_per_request: number;
  p50_ms: number;
  p99_ms: number;
  errors: number;
}

/** utime + stime of a process, in seconds. */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // fields 14 and 15, in clock ticks (USER_HZ is 100 on Linux)
  } catch {
    return NaN;
  }
}

let serverPid = 0;

/** A process's children (direct ones). */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function cmdlineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/** The processes whose CPU a proxy's figure counts: the tug server with its ingress workers, or nginx's master and workers. */
const serverAndIngressWorkers = () => [serverPid, ...childrenOf(serverPid).filter((p) => cmdlineOf(p).includes('ingress/worker.js'))];
const processTree = (pid: number) => () => [pid, ...childrenOf(pid)];

/** One wrk run; several at once with `split` (-t1, the 32 connections shared out), summed. */
async function wrkRun(url: string, lua: string, headers: string[], threadsConns: [number, number]): Promise<{ requests: number; duration_us: number; errors: number; p50_us: number; p99_us: number }> {
  const [t, c] = threadsConns;
  const { stdout } = await run('wrk', [`-t${t}`, `-c${c}`, `-d${durationS}s`, '-s', lua, ...headers.flatMap((h) => ['-H', h]), url], { timeout: (durationS + 30) * 1000 });
  const m = /WRKJSON (\{.*\})/.exec(stdout);
  if (!m) throw new Error(`wrk printed no summary:\n${stdout}`);
  return JSON.parse(m[1]!) as { requests: number; duration_us: number; errors: number; p50_us: number; p99_us: number };
}

/**
 * wrk -t2 -c32 against url; with several urls, one wrk -t1 per url at the same time sharing the 32 connections
 * (requests/s summed, p50 averaged, p99 the worst of them). cpu_cores: the CPU the processes named by `cpuOf` used
 * meanwhile (default the tug server), per second of wall time.
 */
async function wrk(urls: string | string[], lua: string, headers: string[] = [], cpuOf: () => number[] = () => [serverPid]): Promise<WrkResult> {
  const list = typeof urls === 'string' ? [urls] : urls;
  const pids = cpuOf();
  const cpu = () => pids.reduce((a, p) => a + cpuSeconds(p), 0);
  const cpu0 = cpu();
  const t0 = nowMs();
  const rs = await Promise.all(
    list.map((u, i) => wrkRun(u, lua, headers, list.length === 1 ? [2, 32] : [1, Math.floor(32 / list.length) + (i < 32 % list.length ? 1 : 0)])),
  );
  const cores = (cpu() - cpu0) / ((nowMs() - t0) / 1000);
  const rps = rs.reduce((a, r) => a + r.requests / (r.duration_us / 1e6), 0);
  return {
    requests_per_s: round(rps, 0),
    cpu_cores: round(cores, 2),
    cpu_us_per_request: round((cores * 1e6) / rps, 1),
    p50_ms: round(rs.reduce((a, r) => a + r.p50_us, 0) / rs.length / 1000, 3),
    p99_ms: round(Math.max(...rs.map((r) => r.p99_us)) / 1000, 3),
    errors: rs.reduce((a, r) => a + r.errors, 0),
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const medianOf = (xs: WrkResult[]): WrkResult => ({
  requests_per_s: round(median(xs.map((x) => x.requests_per_s)), 0),
  cpu_cores: round(median(xs.map((x) => x.cpu_cores)), 2),
  cpu_us_per_request: round(median(xs.map((x) => x.cpu_us_per_request)), 1),
  p50_ms: round(median(xs.map((x) => x.p50_ms)), 3),
  p99_ms: round(median(xs.map((x) => x.p99_ms)), 3),
  errors: xs.reduce((a, x) => a + x.errors, 0),
});

const mean = (xs: WrkResult[]): WrkResult => ({
  requests_per_s: round(xs.reduce((a, x) => a + x.requests_per_s, 0) / xs.length, 0),
  cpu_cores: round(xs.reduce((a, x) => a + x.cpu_cores, 0) / xs.length, 2),
  cpu_us_per_request: round(xs.reduce((a, x) => a + x.cpu_us_per_request, 0) / xs.length, 1),
  p50_ms: round(xs.reduce((a, x) => a + x.p50_ms, 0) / xs.length, 3),
  p99_ms: round(xs.reduce((a, x) => a + x.p99_ms, 0) / xs.length, 3),
  errors: xs.reduce((a, x) => a + x.errors, 0),
});

/** One TCP connection attempt; true when it connected. */
function tryConnect(host: string, port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = connect({ host, port });
    const done = (ok: boolean) => {
      s.destroy();
      res(ok);
    };
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
    s.setTimeout(200, () => done(false));
  });
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, ms: number, everyMs = 100): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

const backendScript = [
  "const http = require('http');",
  "http.createServer((q, r) => r.end('ok ' + process.env.POD_NAME + '\\n')).listen(8080);",
  "process.on('SIGTERM', () => process.exit(0));",
].join('\n');

/**
 * A reference point, when nginx is installed: the same 3 backends behind nginx (a C reverse proxy with keep-alive
 * upstreams, as ingress-nginx runs it), measured with the same client in the same run. It shows how much of the
 * ingress ratio any proxy pays on this machine, against how much is ours.
 */
async function startNginx(dir: string, backends: string[], port: number): Promise<ChildProcess | undefined> {
  if (spawnSync('which', ['nginx']).status !== 0) return undefined;
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    [
      'worker_processes auto;', `pid ${join(dir, 'nginx.pid')};`, `error_log ${join(dir, 'nginx-error.log')};`, 'daemon off;',
      'events { worker_connections 4096; }',
      'http {', '  access_log off;',
      `  client_body_temp_path ${dir}/cb; proxy_temp_path ${dir}/pt; fastcgi_temp_path ${dir}/ft; uwsgi_temp_path ${dir}/ut; scgi_temp_path ${dir}/st;`,
      `  upstream backends { ${backends.map((b) => `server ${b};`).join(' ')} keepalive 64; }`,
      `  server { listen 127.0.0.1:${port}; location / { proxy_pass http://backends; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_set_header Host $host; proxy_set_header X-Forwarded-For $remote_addr; proxy_set_header X-Real-IP $remote_addr; proxy_set_header X-Forwarded-Host $host; proxy_set_header X-Forwarded-Port $server_port; proxy_set_header X-Forwarded-Proto $scheme; } }`,
      '}',
    ].join('\n'),
  );
  const child = spawn('nginx', ['-c', conf, '-p', dir], { stdio: 'ignore' });
  await waitFor('nginx answers', async () => tryConnect('127.0.0.1', port), 5000, 50);
  return child;
}

/**
 * The floor for any proxy hop on this machine: a plain TCP relay (one Node process, each client connection piped
 * to one backend connection, no HTTP parsing at all) before the same pods. What an HTTP proxy cannot beat here.
 */
async function startRelay(backends: string[], port: number): Promise<ChildProcess> {
  const script = [
    "const net = require('net');",
    `const b = ${JSON.stringify(backends)}; let i = 0;`,
    "net.createServer({ noDelay: true }, (c) => { const [h, p] = b[i++ % b.length].split(':'); const u = net.connect({ host: h, port: Number(p), noDelay: true });",
    "  c.pipe(u); u.pipe(c); c.on('error', () => u.destroy()); u.on('error', () => c.destroy()); }).listen(Number(process.argv[1]), '127.0.0.1');",
  ].join('\n');
  const child = spawn(process.execPath, ['-e', script, String(port)], { stdio: 'ignore' });
  await waitFor('relay answers', async () => tryConnect('127.0.0.1', port), 5000, 50);
  return child;
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('bench network needs root (pod network namespaces, nftables)');
  for (const tool of ['wrk', 'nft']) if (spawnSync('which', [tool]).status !== 0) throw new Error(`${tool} not found: apt-get install ${tool === 'nft' ? 'nftables' : tool}`);
  const dir = mkdtempSync(join(tmpdir(), 'tug-bench-net-'));
  const lua = join(dir, 'summary.lua');
  writeFileSync(lua, WRK_LUA);
  const httpPort = await freePort();
  const httpsPort = await freePort();
  let server: TugCluster | undefined;
  let api: RestClient | undefined;
  let nginx: ChildProcess | undefined;
  let relay: ChildProcess | undefined;
  try {
    server = await startTugCluster({
      simNodes: 0,
      agent: true,
      services: true,
      timeoutMs: 60_000,
      args: [
        '--node-ip', '127.0.0.1', '--kubelet-port', '0', '--pod-cidr', POD_CIDR, '--cni-bridge', BRIDGE, '--node-name', 'tug-bench-net',
        '--shutdown-grace-period', '5', '--proxy-mode', 'nftables', '--no-dns',
        '--ingress-http-port', String(httpPort), '--ingress-https-port', String(httpsPort),
      ],
    });
    api = clientFromKubeconfig(server.kubeconfig);
    serverPid = server.pid;
    const c = api;
    await c.create(namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    await c.create(deployments, NS, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'backend', namespace: NS },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'backend' } },
        template: {
          metadata: { labels: { app: 'backend' } },
          spec: {
            terminationGracePeriodSeconds: 2,
            containers: [
              {
                name: 'main',
                image: 'node',
                command: [process.execPath, '-e', backendScript],
                env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
                ports: [{ name: 'http', containerPort: 8080 }],
                readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 },
              },
            ],
          },
        },
      },
    } as KubeObject);
    const svc = await c.create<S>(services, NS, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'backend', namespace: NS }, spec: { selector: { app: 'backend' }, ports: [{ port: 80, targetPort: 'http' }] } } as S);
    await c.create(ingresses, NS, {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'backend', namespace: NS },
      spec: { rules: [{ host: HOST, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'backend', port: { number: 80 } } } }] } }] },
    } as KubeObject);
    const ready = await waitFor('3 ready backends', async () => {
      const l = (await c.list<P>(pods, NS, { labelSelector: 'app=backend' })).items.filter((p) => p.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True'));
      return l.length === 3 && l;
    }, 60_000, 200);
    const podIPs = ready.map((p) => p.status!.podIP!);
    // Connection attempts to unprogrammed service addresses must end on this host: check the local route.
    const local = spawnSync('ip', ['route', 'show', 'table', 'local', '10.43.0.0/16'], { encoding: 'utf8' }).stdout ?? '';
    if (!local.includes('10.43.0.0/16')) throw new Error('the service CIDR is not routed to this host: refusing to send connection attempts to it');
    const clusterIP = svc.spec!.clusterIP!;
    // Both paths must answer before timing them.
    await waitFor('ClusterIP answers', () => tryConnect(clusterIP, 80), 20_000, 50);
    await waitFor('ingress answers', async () => {
      const { stdout } = await run('curl', ['-s', '--max-time', '2', '-H', `Host: ${HOST}`, `http://127.0.0.1:${httpPort}/`]);
      return stdout.startsWith('ok ');
    }, 20_000, 200);

    const direct: WrkResult[] = [];
    const perPod: number[][] = [];
    const spread: WrkResult[] = [];
    const cips: WrkResult[] = [];
    const cipSpread: WrkResult[] = [];
    const ings: WrkResult[] = [];
    const ngxs: WrkResult[] = [];
    const nginxPort = await freePort();
    nginx = await startNginx(dir, podIPs.map((ip) => `${ip}:8080`), nginxPort);
    const relayPort = await freePort();
    relay = await startRelay(podIPs.map((ip) => `${ip}:8080`), relayPort);
    const relays: WrkResult[] = [];
    for (let r = 0; r < rounds; r++) {
      const one: WrkResult[] = [];
      for (const ip of podIPs) one.push(await wrk(`http://${ip}:8080/`, lua));
      perPod.push(one.map((x) => x.requests_per_s));
      direct.push(mean(one));
      spread.push(await wrk(podIPs.map((ip) => `http://${ip}:8080/`), lua));
      cips.push(await wrk(`http://${clusterIP}/`, lua));
      cipSpread.push(await wrk(podIPs.map(() => `http://${clusterIP}/`), lua));
      ings.push(await wrk(`http://127.0.0.1:${httpPort}/`, lua, [`Host: ${HOST}`], serverAndIngressWorkers));
      if (nginx?.pid) ngxs.push(await wrk(`http://127.0.0.1:${nginxPort}/`, lua, [`Host: ${HOST}`], processTree(nginx.pid)));
      relays.push(await wrk(`http://127.0.0.1:${relayPort}/`, lua, [`Host: ${HOST}`], processTree(relay.pid!)));
    }
    const d = medianOf(direct);
    const ds = medianOf(spread);
    const cip = medianOf(cips);
    const cs = medianOf(cipSpread);
    const ing = medianOf(ings);

    // Service change -> working rules. A watch notes when each new Service's slice lists the 3 ready backends.
    const sliceAt = new Map<string, number>();
    const rv = (await c.list(endpointslices, NS)).metadata?.resourceVersion;
    const watch = c.watch<KubeObject & { endpoints?: { conditions?: { ready?: boolean } }[] }>(endpointslices, NS, { ...(rv ? { resourceVersion: rv } : {}) });
    const watching = (async () => {
      for await (const ev of watch) {
        const svcName = ev.object.metadata?.labels?.['kubernetes.io/service-name'];
        if (svcName && !sliceAt.has(svcName) && (ev.object.endpoints ?? []).filter((e) => e.conditions?.ready).length === 3) sliceAt.set(svcName, nowMs());
      }
    })().catch(() => undefined);
    const times: number[] = [];
    const controlPlane: number[] = [];
    const proxyPart: number[] = [];
    for (let i = 0; i < changes; i++) {
      const name = `change-${i}`;
      const t0 = nowMs();
      const s = await c.create<S>(services, NS, { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NS }, spec: { selector: { app: 'backend' }, ports: [{ port: 80, targetPort: 'http' }] } } as S);
      const ip = s.spec!.clusterIP!;
      const deadline = t0 + 10_000;
      let okAt = 0;
      while (nowMs() < deadline) {
        if (await tryConnect(ip, 80)) {
          okAt = nowMs();
          break;
        }
        await new Promise((r) => setTimeout(r, 1));
      }
      if (!okAt) throw new Error(`service ${name} (${ip}) never answered within 10 s`);
      times.push(okAt - t0);
      const at = sliceAt.get(name);
      if (at !== undefined) {
        controlPlane.push(at - t0);
        proxyPart.push(okAt - at);
      }
    }
    watch.close();
    await watching;
    const rules = summarize(times);

    const ratio = (x: WrkResult) => round(x.requests_per_s / d.requests_per_s, 3);
    const ratioSpread = (x: WrkResult) => round(x.requests_per_s / ds.requests_per_s, 3);
    console.log(
      JSON.stringify(
        {
          bench: 'network',
          wrk: { threads: 2, connections: 32, duration_s: durationS },
          backends: 3,
          rounds,
          direct: { ...d, per_pod_by_round: perPod },
          // the 3 pod IPs at once (3 wrk -t1 sharing the 32 connections): load spread as the ClusterIP spreads it
          direct_spread: ds,
          rounds_requests_per_s: { direct: direct.map((x) => x.requests_per_s), direct_spread: spread.map((x) => x.requests_per_s), clusterip: cips.map((x) => x.requests_per_s), clusterip_spread: cipSpread.map((x) => x.requests_per_s), ingress: ings.map((x) => x.requests_per_s) },
          clusterip: { ...cip, ratio_to_direct: ratio(cip), target: 0.95, ok: ratio(cip) >= 0.95 },
          // the same client shape as direct_spread (3 wrk -t1), all to the ClusterIP: the like-for-like ratio
          clusterip_spread: { ...cs, ratio_to_direct_spread: ratioSpread(cs), target: 0.95, ok: ratioSpread(cs) >= 0.95 },
          ingress: { ...ing, ratio_to_direct: ratio(ing), ratio_to_direct_spread: ratioSpread(ing), target: 0.7, ok: ratio(ing) >= 0.7 },
          // not Tugboat: nginx (a worker per CPU, keep-alive upstreams) before the same backends, for scale
          // not Tugboat: a bare TCP relay (no HTTP) before the same backends, the floor for any proxy hop here
          tcp_relay_reference: { ...medianOf(relays), ratio_to_direct: ratio(medianOf(relays)), ratio_to_direct_spread: ratioSpread(medianOf(relays)) },
          ...(ngxs.length ? { nginx_reference: { ...medianOf(ngxs), ratio_to_direct: ratio(medianOf(ngxs)), ratio_to_direct_spread: ratioSpread(medianOf(ngxs)) } } : {}),
          service_change_to_working_rules: {
            changes,
            ...rules,
            target_ms: 100,
            ok: rules.p99_ms <= 100,
            samples_ms: times.map((x) => round(x, 1)),
            // create call -> slice with the ready backends seen by a watch; then slice -> first connection through
            control_plane: summarize(controlPlane),
            proxy: summarize(proxyPart),
          },
          machine: { cpus: (await import('node:os')).cpus().length, note: 'shared machine: figures vary between runs' },
        },
        null,
        2,
      ),
    );
  } catch (e) {
    if (server) console.error(`tug server output (tail):\n${server.output().slice(-3000)}`);
    throw e;
  } finally {
    nginx?.kill('SIGTERM');
    relay?.kill('SIGTERM');
    api?.close();
    if (server) {
      await server.stop('SIGTERM');
      const left = removeLeftovers(server.dataDir, BRIDGE, netnsName);
      if (left.length) console.error(`bench network: removed leftovers: ${left.join(', ')}`);
      server.remove();
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack ?? e.message : e);
  process.exit(1);
});
