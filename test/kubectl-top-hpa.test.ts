// End to end with real kubectl 1.27 and 1.33 against a `tug server` child running its node agent (root and the
// CNI bridge plugin needed): `kubectl top nodes`, `kubectl top pods --containers` on a CPU burner, and an HPA made
// by `kubectl autoscale` scaling a Deployment of CPU-burning containers up under load and back down once the load
// stops and the (shortened) stabilization window has passed. The replica counts over time are printed.
// Short periods come from environment twins: agent sampling 2 s, metrics scrape 3 s, HPA sync 5 s.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { kubectl, repoRoot } from './support/tug-server.js';
import { poll } from './support/poll.js';
import { NO_NODE_SERVICES } from './support/tug-cluster.js';

const canRun = process.getuid?.() === 0 && existsSync('/usr/lib/cni/bridge');
const V_OLD = '1.27';
const V_NEW = '1.33';

let child: ChildProcess | undefined;
let dataDir = '';
let kubeconfig = '';
let out = '';

const k = (v: string, args: string[], input?: string) => kubectl(v, args, { kubeconfig, ...(input ? { input } : {}) });

const until = <T>(what: string, ms: number, fn: () => Promise<T | undefined>): Promise<T> =>
  poll(what, fn, { ms, everyMs: 1000, detail: () => `server output:\n${out.slice(-3000)}` });

/** A container that keeps `duty` of one core busy until the wall-clock time END (ms), then idles. */
function burnerCommand(duty: number): string[] {
  const busy = Math.round(duty * 100);
  return ['node', '-e', `const end=Number(process.env.END);setInterval(()=>{if(Date.now()>end)return;const t=Date.now()+${busy};while(Date.now()<t){}},100)`];
}

describe('kubectl top and the HPA on real pods', { skip: canRun ? false : 'needs root and /usr/lib/cni/bridge' }, () => {
  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'tug-top-'));
    child = spawn(process.execPath, [
        join(repoRoot, 'bin/tug.js'), 'server', '--data-dir', dataDir, '--listen', '127.0.0.1:0',
        // its own node identity, stream port, bridge and pod range: no clash with `npm start` or other suites
        '--node-ip', '127.0.0.1', '--kubelet-port', '0', '--pod-cidr', '10.42.231.0/24', '--cni-bridge', 'tugh231', '--node-name', 'tug-top',
        ...NO_NODE_SERVICES,
        // host commands (node -e) as containers: the process runtime
        '--runtime', 'process',
      ], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TUG_METRICS_SAMPLE_INTERVAL: '2', TUG_METRICS_RESOLUTION: '3', TUG_HPA_SYNC_PERIOD: '5' },
    });
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    kubeconfig = await until('tug server ready', 60_000, async () => /kubeconfig written to (\S+)\n/.exec(out)?.[1]);
  });

  after(async () => {
    if (kubeconfig) await k(V_NEW, ['delete', 'deployment,pod,hpa', '--all', '--wait=false']).catch(() => undefined);
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('kubectl top nodes prints the node with CPU and memory', async () => {
    for (const v of [V_OLD, V_NEW]) {
      const r = await until(`kubectl ${v} top nodes`, 30_000, async () => {
        const x = await k(v, ['top', 'nodes']);
        return x.code === 0 && /\d+m\s+\d+%\s+\d+Mi\s+\d+%/.test(x.stdout) ? x : undefined;
      });
      console.log(`kubectl ${v} top nodes:\n${r.stdout}`);
      // 1.27 heads the percentages CPU% and MEMORY%, newer versions CPU(%) and MEMORY(%)
      assert.match(r.stdout, /^NAME\s+CPU\(cores\)\s+CPU(\(%\)|%)\s+MEMORY\(bytes\)\s+MEMORY(\(%\)|%)/);
    }
  });

  it('kubectl top pods --containers shows a burning container', async () => {
    const end = Date.now() + 40_000;
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'burner', labels: { app: 'burner' } },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [
          { name: 'burn', image: 'node', command: burnerCommand(0.6), env: [{ name: 'END', value: String(end) }], resources: { requests: { cpu: '100m' } } },
          { name: 'idle', image: 'busybox', command: ['sleep', '120'] },
        ],
      },
    };
    assert.equal((await k(V_NEW, ['apply', '-f', '-'], JSON.stringify(pod))).code, 0);
    for (const v of [V_NEW, V_OLD]) {
      const r = await until(`kubectl ${v} top pods --containers`, 35_000, async () => {
        const x = await k(v, ['top', 'pods', '--containers']);
        const m = /^burner\s+burn\s+(\d+)m\s+\d+Mi/m.exec(x.stdout);
        return m && Number(m[1]) >= 150 && /^burner\s+idle\s+\d+m\s+\d+Mi/m.test(x.stdout) ? x : undefined;
      });
      console.log(`kubectl ${v} top pods --containers:\n${r.stdout}`);
      assert.match(r.stdout, /^POD\s+NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)/);
    }
    const one = await k(V_OLD, ['top', 'pod', 'burner']);
    assert.match(one.stdout, /^NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)\s*\nburner\s+\d+m\s+\d+Mi/);
    const missing = await k(V_NEW, ['top', 'pod', 'nope']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /podmetrics.metrics.k8s.io "default\/nope" not found|pods "nope" not found/);
    await k(V_NEW, ['delete', 'pod', 'burner', '--wait=false']);
  });

  it('an HPA scales a CPU-burning Deployment up under load and back down after the stabilization window', async () => {
    const loadMs = 45_000;
    const end = Date.now() + loadMs;
    const deploy = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'cruncher' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'cruncher' } },
        template: {
          metadata: { labels: { app: 'cruncher' } },
          spec: {
            terminationGracePeriodSeconds: 1,
            // ~200m each against a 100m request: 400% of a 50% target
            containers: [{ name: 'burn', image: 'node', command: burnerCommand(0.2), env: [{ name: 'END', value: String(end) }], resources: { requests: { cpu: '100m' } } }],
          },
        },
      },
    };
    assert.equal((await k(V_NEW, ['apply', '-f', '-'], JSON.stringify(deploy))).code, 0);
    const auto = await k(V_NEW, ['autoscale', 'deployment', 'cruncher', '--cpu-percent=50', '--min=1', '--max=4']);
    assert.equal(auto.code, 0, auto.stderr);
    assert.match(auto.stdout, /horizontalpodautoscaler.autoscaling\/cruncher autoscaled/);
    const patch = await k(V_NEW, ['patch', 'hpa', 'cruncher', '--type=merge', '-p', JSON.stringify({ spec: { behavior: { scaleDown: { stabilizationWindowSeconds: 10 } } } })]);
    assert.equal(patch.code, 0, patch.stderr);

    const start = Date.now();
    const timeline: { t: number; replicas: number; targets: string }[] = [];
    let peak = 0;
    await until('scale up and back down to 1', 150_000, async () => {
      const r = await k(V_OLD, ['get', 'hpa', 'cruncher', '--no-headers']);
      const cols = r.stdout.trim().split(/\s{2,}/);
      const d = await k(V_NEW, ['get', 'deployment', 'cruncher', '-o', 'jsonpath={.spec.replicas}']);
      const replicas = Number(d.stdout.trim());
      timeline.push({ t: Math.round((Date.now() - start) / 1000), replicas, targets: cols[2] ?? '' });
      peak = Math.max(peak, replicas);
      return peak > 1 && Date.now() > end && replicas === 1 ? true : undefined;
    }).finally(() => {
      console.log(`HPA cruncher (load for ${loadMs / 1000} s, scale-down window 10 s): seconds replicas targets`);
      for (const p of timeline) console.log(`  ${String(p.t).padStart(4)}s  ${p.replicas}  ${p.targets}`);
    });
    assert.ok(peak >= 2, `scaled up (peak ${peak})`);

    const ev = await k(V_NEW, ['get', 'events', '--field-selector', 'involvedObject.name=cruncher,involvedObject.kind=HorizontalPodAutoscaler', '-o', 'jsonpath={range .items[*]}{.reason}: {.message}{"\\n"}{end}']);
    console.log(`HPA events:\n${ev.stdout}`);
    assert.match(ev.stdout, /SuccessfulRescale: New size: [234]; reason: cpu resource utilization \(percentage of request\) above target/);
    assert.match(ev.stdout, /SuccessfulRescale: New size: 1; reason: All metrics below target/);
    const desc = await k(V_NEW, ['describe', 'hpa', 'cruncher']);
    assert.match(desc.stdout, /ScalingActive\s+True\s+ValidMetricFound/);
  });
});
