import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FakeClock } from '../../util/clock.js';
import { newSlot, type PodSlot } from '../pod-state.js';
import { ResourceMetricsCollector } from './collector.js';
import { startResourceMetrics } from './index.js';
import { renderResourceMetrics } from './prometheus.js';
import { parseNodeCpuSeconds, parseNodeWorkingSet, parseProcStat } from './proc.js';

/** A /proc/<pid>/stat line: pid (comm) state ppid pgrp ... utime(14) stime(15) ... starttime(22). */
function statLine(pid: number, comm: string, pgrp: number, utime: number, stime: number, start = 1000): string {
  const f = ['S', '1', String(pgrp), '0', '0', '0', '0', '0', '0', '0', '0', String(utime), String(stime), '0', '0', '20', '0', '1', '0', String(start), '0', '100'];
  return `${pid} (${comm}) ${f.join(' ')}\n`;
}

const roots: string[] = [];
after(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

function fakeProc(procs: { pid: number; pgrp: number; utime: number; stime: number; rssKb: number; start?: number }[]): string {
  const root = mkdtempSync(join(tmpdir(), 'fake-proc-'));
  roots.push(root);
  writeFileSync(join(root, 'stat'), 'cpu  1000 50 450 9000 100 0 0 0 0 0\ncpu0 1 2 3 4\n');
  writeFileSync(join(root, 'meminfo'), 'MemTotal:       8000000 kB\nMemFree:         1000000 kB\nMemAvailable:    6000000 kB\n');
  for (const p of procs) {
    mkdirSync(join(root, String(p.pid)));
    writeFileSync(join(root, String(p.pid), 'stat'), statLine(p.pid, 'node -e (x)', p.pgrp, p.utime, p.stime, p.start));
    writeFileSync(join(root, String(p.pid), 'status'), `Name:\tnode\nVmRSS:\t  ${p.rssKb} kB\n`);
  }
  return root;
}

describe('proc parsing', () => {
  it('reads utime+stime and the group from a stat line whose comm holds spaces and parentheses', () => {
    assert.deepEqual(parseProcStat(42, statLine(42, 'a (b) c', 40, 250, 50, 777)), { pid: 42, pgrp: 40, cpuSeconds: 3, startTicks: '777' });
  });
  it('skips zombies', () => {
    assert.equal(parseProcStat(1, '1 (x) Z 0 1 1 0 0 0 0 0 0 0 5 5 0 0 20 0 1 0 9 0 0'), undefined);
  });
  it('node cpu is busy time and the working set is total minus available', () => {
    assert.equal(parseNodeCpuSeconds('cpu  1000 50 450 9000 100 20 30 0 0 0\n'), 15.5);
    assert.equal(parseNodeWorkingSet('MemTotal: 100 kB\nMemAvailable: 40 kB\n'), 60 * 1024);
  });
});

describe('ResourceMetricsCollector', () => {
  it('sums a process group and keeps the counter monotonic when a process exits', async () => {
    const clock = new FakeClock();
    let root = fakeProc([
      { pid: 100, pgrp: 100, utime: 100, stime: 0, rssKb: 1000 },
      { pid: 101, pgrp: 100, utime: 50, stime: 50, rssKb: 500 },
      { pid: 200, pgrp: 200, utime: 999, stime: 0, rssKb: 1 },
    ]);
    const containers = [{ namespace: 'ns', pod: 'p', container: 'c', id: 'c1', pid: 100, startedAt: new Date(0) }];
    const opts = { containers: () => containers, clock, procRoot: root };
    const c = new ResourceMetricsCollector(opts);
    const s1 = await c.sample();
    assert.equal(s1.containers[0]?.cpuSeconds, 2);
    assert.equal(s1.containers[0]?.memoryWorkingSetBytes, 1500 * 1024);
    assert.equal(s1.node.cpuSeconds, 15);
    assert.equal(s1.node.memoryWorkingSetBytes, 2000000 * 1024);
    // pid 101 exits; pid 100 used one more second
    root = fakeProc([{ pid: 100, pgrp: 100, utime: 200, stime: 0, rssKb: 1000 }]);
    (opts as { procRoot: string }).procRoot = root;
    clock.advance(10_000);
    const s2 = await c.sample();
    assert.equal(s2.containers[0]?.cpuSeconds, 3);
    assert.equal(s2.timestampMs - s1.timestampMs, 10_000);
  });

  it("asks the runtime for its containers' usage and falls back to /proc where it has no answer", async () => {
    // pid 300 leads the group of an OCI container: /proc would say 9 s, the runtime's cgroup says 2.5 s.
    const root = fakeProc([
      { pid: 100, pgrp: 100, utime: 100, stime: 0, rssKb: 1000 },
      { pid: 300, pgrp: 300, utime: 900, stime: 0, rssKb: 7 },
    ]);
    const asked: string[] = [];
    const cgroup: Record<string, { cpuSeconds: number; memoryWorkingSetBytes: number }> = { oci1: { cpuSeconds: 2.5, memoryWorkingSetBytes: 4096 } };
    const runtime = {
      async usage(id: string) {
        asked.push(id);
        if (id === 'broken') throw new Error('cgroup gone');
        return cgroup[id];
      },
    };
    const containers = [
      { namespace: 'ns', pod: 'p', container: 'proc', id: 'proc1', pid: 100, startedAt: new Date(0) },
      { namespace: 'ns', pod: 'p', container: 'oci', id: 'oci1', pid: 300, startedAt: new Date(0) },
      { namespace: 'ns', pod: 'p', container: 'gone', id: 'broken', startedAt: new Date(0) },
    ];
    const c = new ResourceMetricsCollector({ containers: () => containers, runtime, clock: new FakeClock(), procRoot: root });
    const s = await c.sample();
    assert.deepEqual(asked.sort(), ['broken', 'oci1', 'proc1']);
    const by = new Map(s.containers.map((u) => [u.container, u]));
    assert.equal(by.get('oci')?.cpuSeconds, 2.5);
    assert.equal(by.get('oci')?.memoryWorkingSetBytes, 4096);
    assert.equal(by.get('proc')?.cpuSeconds, 1);
    assert.equal(by.get('proc')?.memoryWorkingSetBytes, 1000 * 1024);
    // The one neither the runtime nor /proc can measure is left out and flagged, as kubelet's scrape error.
    assert.equal(by.has('gone'), false);
    assert.equal(s.scrapeError, true);
    assert.equal(c.latest(), s);
    // The counter follows the runtime's cumulative value.
    cgroup.oci1 = { cpuSeconds: 4, memoryWorkingSetBytes: 8192 };
    assert.equal((await c.sample()).containers.find((u) => u.container === 'oci')?.cpuSeconds, 4);
  });

  it('run() samples through the runtime before the first scrape is served', async () => {
    const ac = new AbortController();
    const clock = new FakeClock();
    const c = new ResourceMetricsCollector({
      containers: () => [{ namespace: 'ns', pod: 'p', container: 'oci', id: 'x', startedAt: new Date(5000) }],
      runtime: { usage: async () => ({ cpuSeconds: 7, memoryWorkingSetBytes: 1 }) },
      clock,
      procRoot: fakeProc([]),
    });
    const done = c.run(ac.signal);
    await new Promise((r) => setImmediate(r));
    assert.equal(c.latest().containers[0]?.cpuSeconds, 7);
    assert.equal(c.latest().containers[0]?.startTimeMs, 5000);
    ac.abort();
    await done;
  });
});

describe('startResourceMetrics', () => {
  it("measures the agent's running containers through the runtime it is given", async () => {
    const slot: PodSlot = { uid: 'u1', key: 'default/web', podDir: '/nowhere', containers: new Map(), tokens: new Map() };
    const app = newSlot('app', false);
    app.current = { id: 'c-app', sandboxId: 's', podUid: 'u1', name: 'app', attempt: 0, status: { state: 'running', pid: 999_999_999, startedAt: new Date(1_000) } };
    const done = newSlot('init', true);
    done.current = { id: 'c-init', sandboxId: 's', podUid: 'u1', name: 'init', attempt: 0, status: { state: 'exited', exitCode: 0, finishedAt: new Date(2_000) } };
    slot.containers.set('init', done).set('app', app);
    const asked: string[] = [];
    const ac = new AbortController();
    const m = startResourceMetrics({
      slots: new Map([['default/web', slot]]),
      signal: ac.signal,
      clock: new FakeClock(),
      runtime: { usage: async (id) => (asked.push(id), { cpuSeconds: 1.25, memoryWorkingSetBytes: 1 << 20 }) },
    });
    await new Promise((r) => setImmediate(r));
    ac.abort();
    assert.deepEqual(asked, ['c-app'], 'only running containers are measured');
    const text = renderResourceMetrics(m.latest());
    assert.match(text, /^container_cpu_usage_seconds_total\{container="app",namespace="default",pod="web"\} 1\.25 \d+$/m);
    assert.match(text, /^container_memory_working_set_bytes\{container="app",namespace="default",pod="web"\} 1048576 \d+$/m);
    assert.match(text, /^resource_scrape_error 0$/m);
  });
});

describe('renderResourceMetrics', () => {
  it('writes kubelet metric families with labels and timestamps', () => {
    const text = renderResourceMetrics({
      timestampMs: 1700000000000,
      node: { cpuSeconds: 12.5, memoryWorkingSetBytes: 1024 },
      containers: [
        { namespace: 'default', pod: 'web', container: 'a', startTimeMs: 1600000000000, cpuSeconds: 1.5, memoryWorkingSetBytes: 2048 },
        { namespace: 'default', pod: 'web', container: 'b', startTimeMs: 1600000000000, cpuSeconds: 0.5, memoryWorkingSetBytes: 1024 },
      ],
      scrapeError: false,
    });
    assert.match(text, /^# TYPE container_cpu_usage_seconds_total counter$/m);
    assert.match(text, /^container_cpu_usage_seconds_total\{container="a",namespace="default",pod="web"\} 1\.5 1700000000000$/m);
    assert.match(text, /^pod_cpu_usage_seconds_total\{namespace="default",pod="web"\} 2 1700000000000$/m);
    assert.match(text, /^pod_memory_working_set_bytes\{namespace="default",pod="web"\} 3072 1700000000000$/m);
    assert.match(text, /^node_cpu_usage_seconds_total 12\.5 1700000000000$/m);
    assert.match(text, /^resource_scrape_error 0$/m);
  });
});
