// config.json rules, without root: securityContext, resources, namespaces and mounts.
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ALL_CAPS, DEFAULT_CAPS, containerCaps } from './capabilities.js';
import { cpuQuota, cpuShares, buildSpec, MASKED_PATHS, type SpecInput } from './spec.js';
import { resolveUser } from './user.js';
import { formatResolvConf } from '../pod-etc-files.js';

const base: SpecInput = { argv: ['sh'], env: {}, tty: false, user: { uid: 0, gid: 0 }, hostname: 'p', mounts: [], cgroupsPath: '/tugboat/podu/c' };

describe('buildSpec', () => {
  it('cpu shares and quota follow kubelet', () => {
    for (const [m, shares, quota] of [[1, 2, 1000], [100, 102, 10000], [200, 204, 20000], [1000, 1024, 100000], [2500, 2560, 250000]] as const) {
      assert.equal(cpuShares(m), shares, `shares of ${m}m`);
      assert.equal(cpuQuota(m), quota, `quota of ${m}m`);
    }
    const s = buildSpec({ ...base, limits: { cpuMillis: 500, memoryBytes: 1 << 20 }, cpuRequestMillis: 250 });
    assert.deepEqual(s.linux.resources.cpu, { shares: 256, quota: 50000, period: 100000 });
    assert.deepEqual(s.linux.resources.memory, { limit: 1 << 20 });
    // A limit without a request: the request defaults to the limit.
    assert.equal(buildSpec({ ...base, limits: { cpuMillis: 300 } }).linux.resources.cpu?.shares, 307);
    assert.equal(buildSpec(base).linux.resources.cpu, undefined);
  });

  it('capabilities: default set, drop before add, ALL, privileged', () => {
    assert.deepEqual(containerCaps({}), DEFAULT_CAPS);
    assert.ok(!containerCaps({ drop: ['net_raw'] }).includes('CAP_NET_RAW'));
    assert.deepEqual(containerCaps({ drop: ['ALL'], add: ['NET_BIND_SERVICE'] }), ['CAP_NET_BIND_SERVICE']);
    assert.ok(containerCaps({ add: ['CAP_SYS_ADMIN'] }).includes('CAP_SYS_ADMIN'));
    assert.deepEqual(containerCaps({ privileged: true, drop: ['ALL'] }), ALL_CAPS);
  });

  it('security: noNewPrivileges, read-only root, seccomp, masked paths; privileged lifts them', () => {
    const s = buildSpec({ ...base, security: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, seccomp: 'RuntimeDefault' } });
    assert.equal(s.process.noNewPrivileges, true);
    assert.equal(s.root.readonly, true);
    assert.equal(s.linux.seccomp?.defaultAction, 'SCMP_ACT_ALLOW');
    const denied = s.linux.seccomp!.syscalls[0]!;
    assert.equal(denied.errnoRet, 1);
    for (const n of ['kexec_load', 'mount', 'unshare', 'ptrace', 'bpf']) assert.ok(denied.names.includes(n), n);
    assert.deepEqual(s.linux.maskedPaths, MASKED_PATHS);
    // CAP_SYS_ADMIN allows mounts and namespaces, as Docker's profile does.
    const admin = buildSpec({ ...base, security: { seccomp: 'RuntimeDefault', capabilities: { add: ['SYS_ADMIN'] } } });
    assert.ok(!admin.linux.seccomp!.syscalls[0]!.names.includes('mount'));
    assert.equal(buildSpec(base).linux.seccomp, undefined);
    assert.equal(buildSpec(base).process.noNewPrivileges, false);
    const p = buildSpec({ ...base, security: { privileged: true, seccomp: 'RuntimeDefault', allowPrivilegeEscalation: false }, hostDevices: [{ path: '/dev/loop0', type: 'b', major: 7, minor: 0 }] });
    assert.equal(p.linux.seccomp, undefined);
    assert.equal(p.linux.maskedPaths, undefined);
    assert.equal(p.process.noNewPrivileges, false);
    assert.deepEqual(p.linux.resources.devices, [{ allow: true, access: 'rwm' }]);
    assert.equal(p.linux.devices?.[0]?.path, '/dev/loop0');
    assert.equal(p.process.capabilities.bounding.length, ALL_CAPS.length);
  });

  it('user, groups, env and cwd', () => {
    const s = buildSpec({ ...base, user: { uid: 1000, gid: 3000, additionalGids: [50, 2000, 50] }, env: { A: 'b' }, cwd: '/app', tty: true });
    assert.deepEqual(s.process.user, { uid: 1000, gid: 3000, additionalGids: [50, 2000] });
    assert.ok(s.process.env.includes('A=b'));
    assert.ok(s.process.env.some((e) => e.startsWith('PATH=/usr/local/sbin')));
    assert.ok(s.process.env.includes('HOSTNAME=p'));
    assert.ok(s.process.env.includes('TERM=xterm'));
    assert.equal(s.process.cwd, '/app');
    assert.equal(s.process.terminal, true);
  });

  it('namespaces: the pod network, IPC and PID joined; the host network keeps the host UTS', () => {
    const pod = buildSpec({ ...base, netnsPath: '/run/netns/x', ipcNsPath: '/proc/9/ns/ipc', pidNsPath: '/proc/9/ns/pid' });
    assert.deepEqual(pod.linux.namespaces, [
      { type: 'mount' },
      { type: 'pid', path: '/proc/9/ns/pid' },
      { type: 'ipc', path: '/proc/9/ns/ipc' },
      { type: 'network', path: '/run/netns/x' },
      { type: 'uts' },
    ]);
    assert.equal(pod.hostname, 'p');
    const host = buildSpec(base);
    assert.deepEqual(host.linux.namespaces.map((n) => n.type), ['mount', 'pid', 'ipc']);
    assert.equal(host.mounts.find((m) => m.destination === '/sys')?.type, 'bind');
  });

  it('mounts: volumes as rbind ro/rw, pod files unless a volume covers them', () => {
    const s = buildSpec({
      ...base,
      mounts: [{ containerPath: '/data', hostPath: '/h/data', readOnly: true }, { containerPath: '/etc/hosts', hostPath: '/h/hosts', readOnly: false }],
      podFiles: { hosts: '/pod/hosts', resolv: '/pod/resolv.conf', hostname: '/pod/hostname', shm: '/pod/shm' },
    });
    const by = (d: string) => s.mounts.filter((m) => m.destination === d);
    assert.deepEqual(by('/data')[0]?.options, ['rbind', 'rprivate', 'ro']);
    assert.deepEqual(by('/etc/hosts').map((m) => m.source), ['/h/hosts']);
    assert.equal(by('/etc/resolv.conf')[0]?.source, '/pod/resolv.conf');
    assert.equal(by('/dev/shm')[0]?.source, '/pod/shm');
    for (const d of ['/proc', '/dev', '/dev/pts', '/dev/mqueue', '/sys', '/sys/fs/cgroup']) assert.equal(by(d).length, 1, d);
  });
});

describe('resolveUser and resolv.conf', () => {
  it('resolves names and numbers from the image files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tug-user-'));
    try {
      mkdirSync(join(dir, 'etc'));
      writeFileSync(join(dir, 'etc/passwd'), 'root:x:0:0::/:/bin/sh\napp:x:1000:1001::/:/bin/sh\n');
      writeFileSync(join(dir, 'etc/group'), 'staff:x:50:\n');
      assert.deepEqual(await resolveUser(dir, 'app'), { uid: 1000, gid: 1001 });
      assert.deepEqual(await resolveUser(dir, 'app:staff'), { uid: 1000, gid: 50 });
      assert.deepEqual(await resolveUser(dir, '1000'), { uid: 1000, gid: 1001 });
      assert.deepEqual(await resolveUser(dir, '42:7'), { uid: 42, gid: 7 });
      await assert.rejects(resolveUser(dir, 'nobody'), /unable to find user nobody/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes resolv.conf from the pod DNS settings', () => {
    // One formatter for node and both runtimes: search first, as containerd writes it (this runtime once put nameserver first).
    assert.equal(formatResolvConf({ nameservers: ['10.43.0.10'], searches: ['ns.svc.cluster.local', 'svc.cluster.local'], options: ['ndots:5'] }), 'search ns.svc.cluster.local svc.cluster.local\nnameserver 10.43.0.10\noptions ndots:5\n');
  });
});
