// Manifests for the real-pod suite (test/kubectl-pods.test.ts): every container is a `node -e` script run by
// this machine's node binary (the process runtime runs host programs), so no image is needed.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { netnsName } from '../../src/network/index.js';
import { startTugCluster, type TugCluster } from './tug-cluster.js';

const NODE = process.execPath;

type Obj = Record<string, unknown>;

function script(lines: string[]): string[] {
  return [NODE, '-e', lines.join('\n')];
}

/** An HTTP server on $PORT that answers "$VERSION $COLOR <pod name>"; SIGTERM closes it. */
const helloServer = script([
  "const http = require('http');",
  'const server = http.createServer((q, s) => s.end(`${process.env.VERSION} ${process.env.COLOR} ${process.env.POD_NAME}`));',
  'server.listen(Number(process.env.PORT));',
  "process.on('SIGTERM', () => server.close(() => process.exit(0)));",
]);

const podNameEnv = { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } };

function pod(name: string, spec: Obj, labels: Record<string, string> = {}): Obj {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels: { suite: 'pods', ...labels } }, spec: { terminationGracePeriodSeconds: 5, ...spec } };
}

/**
 * Everything the suite needs, created at once so the pods start in parallel. dir is a host directory the test
 * owns (flags and marker files: the process runtime shares the host's file system).
 */
export function suiteObjects(dir: string): Obj[] {
  return [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'pods-config', namespace: 'default' }, data: { color: 'blue' } },
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'pods-secret', namespace: 'default' }, stringData: { PASS: 's3cret' } },
    // Init writes into the emptyDir; server reads it and serves on localhost; client fetches from localhost.
    pod('duo', {
      volumes: [{ name: 'data', emptyDir: {} }],
      initContainers: [
        {
          name: 'init',
          image: 'node',
          command: script(["require('fs').writeFileSync(process.env.TUG_MOUNT_DATA + '/init.txt', 'from-init');", "console.log('init done');"]),
          volumeMounts: [{ name: 'data', mountPath: '/data' }],
        },
      ],
      containers: [
        {
          name: 'server',
          image: 'node',
          command: script([
            "const fs = require('fs');",
            "require('http').createServer((q, s) => s.end(`init=${fs.readFileSync(process.env.TUG_MOUNT_DATA + '/init.txt', 'utf8')} color=${process.env.COLOR} pass=${process.env.PASS}`)).listen(Number(process.env.PORT), () => console.log('serving'));",
          ]),
          env: [
            { name: 'PORT', value: '8080' },
            { name: 'COLOR', valueFrom: { configMapKeyRef: { name: 'pods-config', key: 'color' } } },
          ],
          envFrom: [{ secretRef: { name: 'pods-secret' } }],
          ports: [{ containerPort: 8080 }],
          volumeMounts: [{ name: 'data', mountPath: '/data' }],
          readinessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 1 },
        },
        {
          name: 'client',
          image: 'node',
          command: script([
            "const http = require('http');",
            'setInterval(() => {',
            "  http.get('http://localhost:8080/', (r) => { let b = ''; r.on('data', (d) => (b += d)); r.on('end', () => console.log('got: ' + b)); }).on('error', (e) => console.log('error: ' + e.message));",
            '}, 500);',
          ]),
        },
      ],
    }),
    pod('crash', {
      containers: [{ name: 'main', image: 'node', command: script(["console.log('crash attempt at ' + new Date().toISOString());", 'process.exit(3);']) }],
    }),
    // Healthy for 2 s, then /healthz answers 500: the liveness probe restarts it.
    pod('live', {
      containers: [
        {
          name: 'main',
          image: 'node',
          command: script([
            'const t0 = Date.now();',
            "require('http').createServer((q, s) => { s.statusCode = Date.now() - t0 > 2000 ? 500 : 200; s.end(); }).listen(8080);",
          ]),
          livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 1, failureThreshold: 2 },
        },
      ],
    }),
    // Ready exactly while the flag file exists.
    pod('ready', {
      containers: [
        {
          name: 'main',
          image: 'node',
          command: script([
            "const fs = require('fs');",
            "require('http').createServer((q, s) => { s.statusCode = fs.existsSync(process.env.FLAG) ? 200 : 503; s.end(); }).listen(8080);",
          ]),
          env: [{ name: 'FLAG', value: `${dir}/ready-flag` }],
          readinessProbe: { httpGet: { path: '/ready', port: 8080 }, periodSeconds: 1 },
        },
      ],
    }),
    // Notes SIGTERM in a file and exits soon after: a delete with a grace period must send it first.
    pod('graceful', {
      terminationGracePeriodSeconds: 30,
      containers: [
        {
          name: 'main',
          image: 'node',
          command: script([
            "const fs = require('fs');",
            "fs.appendFileSync(process.env.MARK, 'started\\n');",
            "process.on('SIGTERM', () => { fs.appendFileSync(process.env.MARK, 'SIGTERM\\n'); setTimeout(() => process.exit(0), 300); });",
            'setInterval(() => {}, 1000);',
          ]),
          env: [{ name: 'MARK', value: `${dir}/graceful.mark` }],
        },
      ],
    }),
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web', suite: 'pods' } },
          spec: {
            terminationGracePeriodSeconds: 5,
            containers: [
              {
                name: 'web',
                image: 'node',
                command: helloServer,
                env: [
                  { name: 'PORT', value: '8080' },
                  { name: 'VERSION', value: 'v1' },
                  { name: 'COLOR', valueFrom: { configMapKeyRef: { name: 'pods-config', key: 'color' } } },
                  podNameEnv,
                ],
                ports: [{ containerPort: 8080 }],
                readinessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 1 },
              },
            ],
          },
        },
      },
    },
  ];
}

/** A node one-liner printing the body of GET url (run with kubectl exec inside a pod). */
export function fetchScript(url: string): string[] {
  return script([`require('http').get(${JSON.stringify(url)}, (r) => { let b = ''; r.on('data', (d) => (b += d)); r.on('end', () => console.log(b)); }).on('error', (e) => { console.error(e.message); process.exit(1); });`]);
}

/**
 * When the server died without its graceful shutdown (a crash in a failing run), what it left is removed here:
 * the container process groups recorded under the data dir, the pods' network namespaces, the bridge and its
 * nftables guard chain. Returns what it had to remove (empty after a clean shutdown).
 */
export function removeLeftovers(dataDir: string, bridge: string, netnsOf: (uid: string) => string): string[] {
  const removed: string[] = [];
  const containers = join(dataDir, 'runtime', 'process', 'containers');
  for (const id of existsSync(containers) ? readdirSync(containers) : []) {
    try {
      const { pid } = JSON.parse(readFileSync(join(containers, id, 'state.json'), 'utf8')) as { pid: number };
      process.kill(-pid, 'SIGKILL');
      removed.push(`process group ${pid}`);
    } catch {
      // gone already
    }
  }
  const podsDir = join(dataDir, 'pods');
  const netns = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '';
  for (const uid of existsSync(podsDir) ? readdirSync(podsDir) : []) {
    const ns = netnsOf(uid);
    if (netns.includes(ns) && spawnSync('ip', ['netns', 'del', ns]).status === 0) removed.push(`netns ${ns}`);
  }
  if (spawnSync('ip', ['link', 'del', bridge]).status === 0) removed.push(`bridge ${bridge}`);
  if (spawnSync('nft', ['delete', 'chain', 'inet', 'tugboat', `forward-guard-${bridge}`]).status === 0) removed.push(`nft chain forward-guard-${bridge}`);
  return removed;
}

/**
 * A `tug server` child with the node agent under a node identity of its own (name, bridge, pod range, stream
 * port 0 on 127.0.0.1), so suites running real pods never clash with each other or with `npm start`.
 */
export function startAgentCluster(o: { bridge: string; podCidr: string; nodeName: string }): Promise<TugCluster> {
  return startTugCluster({
    simNodes: 0,
    agent: true,
    args: ['--node-ip', '127.0.0.1', '--kubelet-port', '0', '--pod-cidr', o.podCidr, '--cni-bridge', o.bridge, '--node-name', o.nodeName, '--shutdown-grace-period', '5'],
  });
}

/**
 * SIGTERM, then removes whatever a dead server left (see removeLeftovers) and the data dir. With `suite`, what had
 * to be removed is reported on stderr under that name, with the tail of the server's output.
 */
export async function stopAgentCluster(
  server: TugCluster,
  bridge: string,
  suite?: string,
): Promise<{ end: { code: number | null; signal: NodeJS.Signals | null }; left: string[]; out: string }> {
  const end = await server.stop('SIGTERM');
  const left = removeLeftovers(server.dataDir, bridge, netnsName);
  const out = server.output();
  server.remove();
  if (suite && left.length) process.stderr.write(`${suite}: removed leftovers of a dead server: ${left.join(', ')}\n${out.slice(-3000)}\n`);
  return { end, left, out };
}

/**
 * Stops the server and asserts it went cleanly: exit code 0, nothing left behind by it, and no network namespace
 * of the given pods.
 */
export async function stopAgentClusterCleanly(server: TugCluster, bridge: string, podUids: Iterable<string>): Promise<void> {
  const { end, left, out } = await stopAgentCluster(server, bridge);
  assert.deepEqual(left, [], `left behind by the server:\n${out.slice(-3000)}`);
  assert.deepEqual(end, { code: 0, signal: null }, out.slice(-3000));
  const netns = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  for (const uid of podUids) assert.ok(!netns.includes(netnsName(uid)), `netns of pod ${uid} left behind`);
}
