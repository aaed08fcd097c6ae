// The read-only view `tug images rm` takes of the OCI runtime's containers: overlay lowers from mountinfo, the
// liveness verdict, and which containers stand on given layers (fixture records, a stand-in runc).
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { containersStandingOn, livenessOf, overlayLowerDirs } from './containers-on-disk.js';

describe('overlayLowerDirs', () => {
  it('reads the lower directories of overlay mounts only, unescaping mountinfo and overlayfs syntax', () => {
    const text = [
      '46 27 0:39 / /d/containers/a/rootfs rw,relatime - overlay overlay rw,lowerdir=/d/images/layers/top:/d/images/layers/base,upperdir=/d/containers/a/upper,workdir=/d/containers/a/work,uuid=on',
      '47 27 0:40 / /d/my\\040dir/rootfs rw - overlay overlay rw,lowerdir=/x/a\\:b:/x/c\\,d,upperdir=/u,workdir=/w',
      '48 27 0:41 / /d/new rw - overlay overlay rw,lowerdir+=/n/top,lowerdir+=/n/base,upperdir=/u,workdir=/w',
      '22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw,lowerdir=/not/overlay',
      '',
    ].join('\n');
    const m = overlayLowerDirs(text);
    assert.deepEqual(m.get('/d/containers/a/rootfs'), ['/d/images/layers/top', '/d/images/layers/base']);
    assert.deepEqual(m.get('/d/my dir/rootfs'), ['/x/a:b', '/x/c,d']);
    assert.deepEqual(m.get('/d/new'), ['/n/top', '/n/base']);
    assert.equal(m.size, 3);
  });
});

describe('livenessOf', () => {
  const cases: [string, Parameters<typeof livenessOf>[0], ReturnType<typeof livenessOf>][] = [
    ['running', { runcStatus: 'running', runcHasState: true, hasRecord: true, ageMs: 1e9 }, 'live'],
    ['paused (frozen, still there)', { runcStatus: 'paused', runcHasState: true, hasRecord: true, ageMs: 1e9 }, 'live'],
    ['created, not yet started', { runcStatus: 'created', runcHasState: true, hasRecord: false, ageMs: 10 }, 'live'],
    ['stopped (runc --keep)', { runcStatus: 'stopped', runcHasState: true, hasRecord: true, ageMs: 1e9 }, 'exited'],
    ['runc cannot answer but holds state', { runcStatus: undefined, runcHasState: true, hasRecord: true, ageMs: 1e9 }, 'live'],
    ['deleted by runc (or crun without --keep)', { runcStatus: undefined, runcHasState: false, hasRecord: true, ageMs: 10 }, 'gone'],
    ['no record yet, just mounted', { runcStatus: undefined, runcHasState: false, hasRecord: false, ageMs: 5_000 }, 'starting'],
    ['no record, a crash leftover', { runcStatus: undefined, runcHasState: false, hasRecord: false, ageMs: 120_000 }, 'gone'],
  ];
  for (const [name, input, want] of cases) it(name, () => assert.equal(livenessOf(input), want));
});

describe('containersStandingOn (fixture records, stand-in runc)', () => {
  const root = mkdtempSync(join(tmpdir(), 'tug-ondisk-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const data = join(root, 'data');
  const layer = (n: string) => {
    const d = join(data, 'images', 'layers', n);
    mkdirSync(d, { recursive: true });
    return d;
  };
  const [doomed, base, other] = [layer('doomed'), layer('base'), layer('other')];
  // Answers `--root R state ID` as runc does: JSON for ids it knows, an error for the rest.
  const fakeRunc = join(root, 'fake-runc');
  writeFileSync(
    fakeRunc,
    '#!/bin/sh\ncase "$4" in live-*|other-*) echo \'{"status":"running"}\';; exited-*) echo \'{"status":"stopped"}\';; *) echo "container does not exist" >&2; exit 1;; esac\n',
  );
  chmodSync(fakeRunc, 0o755);
  const lines: string[] = [];
  const container = (id: string, o: { record: boolean; lowers: string[]; oldMs?: number }) => {
    const dir = join(data, 'containers', id);
    mkdirSync(join(dir, 'rootfs'), { recursive: true });
    if (o.record) writeFileSync(join(dir, 'state.json'), JSON.stringify({ id, sandboxId: 'sb-u1', podUid: 'u1', name: id.split('-')[0], attempt: 0, logPath: '/x', pid: 1, startedAt: '' }));
    if (o.oldMs) utimesSync(dir, (Date.now() - o.oldMs) / 1000, (Date.now() - o.oldMs) / 1000);
    lines.push(`${lines.length + 40} 27 0:${lines.length + 50} / ${join(dir, 'rootfs')} rw - overlay overlay rw,lowerdir=${o.lowers.join(':')},upperdir=${dir}/upper,workdir=${dir}/work`);
  };
  container('live-0-aa', { record: true, lowers: [doomed, base] });
  container('exited-0-bb', { record: true, lowers: [doomed, base] });
  container('gone-0-cc', { record: true, lowers: [doomed, base] });
  container('starting-0-dd', { record: false, lowers: [doomed, base] });
  container('leftover-0-ee', { record: false, lowers: [doomed, base], oldMs: 300_000 });
  container('other-0-ff', { record: true, lowers: [other, base] });
  // A copied rootfs (no overlay mount) holds no layer.
  mkdirSync(join(data, 'containers', 'live-0-copy', 'rootfs'), { recursive: true });
  writeFileSync(join(data, 'containers', 'live-0-copy', 'state.json'), JSON.stringify({ id: 'live-0-copy', podUid: 'u2', name: 'live' }));
  const runtimes = [{ dir: data, binary: fakeRunc }];

  it('reports only live and starting containers whose overlay stacks a doomed layer', async () => {
    const users = await containersStandingOn({ dataDir: data, layerDirs: [doomed], mountinfo: lines.join('\n'), runtimes });
    assert.deepEqual(
      users.sort((a, b) => a.id.localeCompare(b.id)),
      [
        { id: 'live-0-aa', podUid: 'u1', name: 'live', liveness: 'live' },
        { id: 'starting-0-dd', liveness: 'starting' },
      ],
    );
  });

  it('a shared base layer counts, a layer no container stacks does not', async () => {
    const onBase = await containersStandingOn({ dataDir: data, layerDirs: [base], mountinfo: lines.join('\n'), runtimes });
    assert.deepEqual(onBase.map((u) => u.id).sort(), ['live-0-aa', 'other-0-ff', 'starting-0-dd']);
    assert.deepEqual(await containersStandingOn({ dataDir: data, layerDirs: [join(data, 'images', 'layers', 'unused')], mountinfo: lines.join('\n'), runtimes }), []);
    assert.deepEqual(await containersStandingOn({ dataDir: data, layerDirs: [], mountinfo: lines.join('\n'), runtimes }), []);
  });
});
