// The resource sampler over the real OCI runtime: a busy loop in a runc container, measured through the runtime's
// usage() (its cgroup). Needs root and runc (skipped otherwise, failing when CI=true).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it, type TestContext } from 'node:test';
import { requireTool } from '../../../test/support/require-tool.js';
import { OciRuntime } from '../../runtime/oci/runtime.js';
import { IMAGE_ID, fakeImages, makeBusyboxLayer, netnsNetwork } from '../../runtime/oci/test-fixtures.js';
import { parseProcStat } from './proc.js';
import { ResourceMetricsCollector, type MeasuredContainer } from './collector.js';

function ready(t: TestContext): boolean {
  if (process.getuid?.() !== 0) {
    if (process.env.CI === 'true') throw new Error('the OCI metrics test needs root');
    t.skip('needs root (namespaces, cgroups, overlay mounts)');
    return false;
  }
  return requireTool(t, 'runc', 'apt-get install runc') !== undefined;
}

/** CPU seconds of one host process, from /proc (the busy loop is the container's only process). */
function processCpu(pid: number): number {
  return parseProcStat(pid, readFileSync(`/proc/${pid}/stat`, 'utf8'))?.cpuSeconds ?? NaN;
}

describe('resource metrics of OCI containers', () => {
  const root = mkdtempSync(join(tmpdir(), 'tug-oci-metrics-'));
  const network = netnsNetwork(`tugmet${process.pid}`);
  let cleanup: (() => Promise<void>) | undefined;
  after(async () => {
    await cleanup?.();
    rmSync(root, { recursive: true, force: true });
  });

  it('samples a busy loop through the runtime: about a core of CPU and some memory', async (t) => {
    if (!ready(t)) return;
    const layer = makeBusyboxLayer(join(root, 'layer'));
    const rt = new OciRuntime({ dataDir: join(root, 'rt'), images: fakeImages([layer]), network, binary: 'runc', pollMs: 50 });
    const sb = await rt.createSandbox({ podUid: 'm1', namespace: 'ns', name: 'burn', hostname: 'burn', hostNetwork: false, podDir: join(root, 'pods/m1') });
    cleanup = async () => {
      await rt.removeSandbox(sb.id).catch(() => undefined);
      await network.tearDown('m1').catch(() => undefined);
    };
    const c = await rt.createAndStart(sb, {
      name: 'burn',
      attempt: 0,
      argv: ['sh', '-c', 'while :; do :; done'],
      env: {},
      mounts: [],
      tty: false,
      stdin: false,
      stdinOnce: false,
      logPath: join(root, 'logs/burn.log'),
      oci: { imageId: IMAGE_ID },
    });
    try {
      const st = (await rt.status(c.id))?.status;
      assert.equal(st?.state, 'running');
      if (st?.state !== 'running') return;
      const measured: MeasuredContainer = { namespace: 'ns', pod: 'burn', container: 'burn', id: c.id, pid: st.pid, startedAt: st.startedAt };
      const collector = new ResourceMetricsCollector({ containers: () => [measured], runtime: rt });
      const s1 = await collector.sample();
      const p1 = processCpu(st.pid);
      await new Promise((r) => setTimeout(r, 1500));
      const s2 = await collector.sample();
      const p2 = processCpu(st.pid);
      const [a, b] = [s1.containers[0], s2.containers[0]];
      assert.ok(a && b, 'the container is in both samples');
      assert.equal(s2.scrapeError, false);
      const seconds = (s2.timestampMs - s1.timestampMs) / 1000;
      const cores = (b.cpuSeconds - a.cpuSeconds) / seconds;
      const procCores = (p2 - p1) / seconds;
      t.diagnostic(`busy loop: ${cores.toFixed(2)} cores from the cgroup, ${procCores.toFixed(2)} from /proc, working set ${b.memoryWorkingSetBytes} bytes`);
      // Two cores shared with other work: the loop gets most of one core when the machine is quiet. The cgroup's
      // figure must agree with the process's own CPU time over the same window.
      assert.ok(cores > 0.3, `cpu ${cores} cores`);
      assert.ok(Math.abs(cores - procCores) < 0.1 + 0.2 * procCores, `cgroup ${cores} vs /proc ${procCores}`);
      assert.ok(b.memoryWorkingSetBytes > 0, 'working set > 0');
      assert.ok(b.cpuSeconds >= a.cpuSeconds, 'cumulative');
    } finally {
      await rt.stop(c.id, 0);
      await rt.remove(c.id).catch(() => undefined);
    }
  });
});
