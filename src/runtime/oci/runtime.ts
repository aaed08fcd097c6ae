// The `oci` runtime: every container is an OCI bundle (overlay rootfs + config.json) run by runc (or crun) under the
// process runtime's detached Perl shim, which owns the CRI log, the stdin FIFO and the exit file exactly as for
// host processes. The shim runs `runc run --keep` in the foreground: runc stays the container's parent, and
// --keep leaves the stopped container (and its cgroup, with the OOM-kill counter) until remove() deletes it.
//
// On disk, under dataDir (the runtime's own directory):
//   runc/                      runc's own state (--root), so `runc list` shows only ours
//   sandboxes/<id>/            sandbox.json, hosts, resolv.conf, hostname, shm/ (a tmpfs shared by the pod)
//   containers/<id>/           state.json, exit (the shim's), reason (OOMKilled, kept once known), shim.log,
//                              stdin (FIFO), pid (runc's --pid-file), config.json, rootfs/, upper/, work/
// so list() finds containers again after an agent restart.
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Duplex } from 'node:stream';
import { realClock } from '../../util/clock.js';
import { silentLogger, type Logger } from '../../util/logger.js';
import { newContainerId, publicSandbox, readExitFile, waitUntil, type ShimContainerRecord } from '../common/container-records.js';
import { execChild } from '../common/exec-child.js';
import { readJson, writeJson } from '../common/json-file.js';
import { forwardToPod } from '../common/port-forward.js';
import { launchShim } from '../common/shim.js';
import { ShimRuntimeBase } from '../common/shim-runtime-base.js';
import type {
  ContainerConfig,
  ContainerInfo,
  ContainerRuntime,
  ContainerState,
  ImageService,
  Sandbox,
  SandboxConfig,
  SandboxLister,
  SandboxNetwork,
  StreamSet,
} from '../types.js';
import { isSameProcess, procStartTime } from '../process/proc-stat.js';
import { ptyArgv } from '../process/pty.js';
import { SHIM_SCRIPT } from '../process/shim-script.js';
import { cgroupUsage, containerCgroup, detectCgroupLayout, oomKills, podCgroup, removeCgroup, type CgroupLayout, type CgroupUsage } from './cgroups.js';
import { startPause, pauseAlive, stopPause, type PauseRecord } from './pause.js';
import { writePodFiles } from './pod-files.js';
import { prepareRootfs, run, unmount, type RootfsMode } from './rootfs.js';
import { buildSpec, type OciDevice } from './spec.js';
import { resolveUser } from './user.js';

export interface OciRuntimeOptions {
  /** The runtime's own directory (e.g. <node data dir>/runtime/runc): state, bundles, sandboxes. */
  dataDir: string;
  images: ImageService;
  /** Pod networking; without it every sandbox is on the host network. */
  network?: SandboxNetwork;
  /** runc or crun, by name or path. Default: runc if on PATH, else crun. */
  binary?: string;
  logger?: Logger;
  /** The node's address, the pod IP on the host network. */
  hostIP?: string;
  /** Log rotation: rotate past this many bytes (default 10 MiB), keep this many old files (default 5). */
  logMaxBytes?: number;
  logKeep?: number;
  /** How often containers started before an agent restart are checked for exit (default 500 ms). */
  pollMs?: number;
  /** Where cgroups are mounted (default /sys/fs/cgroup). */
  cgroupRoot?: string;
}

interface ContainerRecord extends ShimContainerRecord {
  tty: boolean;
  /** The container's init process on the host (`pid`, the shim's child, is runc, or `script` around it with a tty). */
  initPid: number;
  cgroupsPath: string;
  rootfs: RootfsMode;
}

interface SandboxRecord extends Sandbox {
  dir: string;
  podDir: string;
  hostname: string;
  pause: PauseRecord;
  shmMounted: boolean;
}

export class OciRuntime extends ShimRuntimeBase<ContainerRecord> implements ContainerRuntime, SandboxLister {
  readonly name = 'oci' as const;
  readonly images: ImageService;
  readonly binary: string;
  private readonly isRunc: boolean;
  readonly cgroups: CgroupLayout;
  private readonly root: string;
  private readonly runcRoot: string;
  private readonly shimPath: string;

  constructor(private readonly o: OciRuntimeOptions) {
    super((o.logger ?? silentLogger).child('oci-runtime'), join(o.dataDir, 'containers'), o.pollMs);
    this.images = o.images;
    this.binary = o.binary ?? (onPath('runc') ? 'runc' : 'crun');
    this.isRunc = basename(this.binary) === 'runc';
    this.cgroups = detectCgroupLayout(o.cgroupRoot);
    this.root = o.dataDir;
    this.runcRoot = join(this.root, 'runc');
    for (const d of ['containers', 'sandboxes', 'runc']) mkdirSync(join(this.root, d), { recursive: true });
    this.shimPath = join(this.root, 'tug-shim.pl');
    writeFileSync(this.shimPath, SHIM_SCRIPT);
  }

  private sdir(id: string): string {
    return join(this.root, 'sandboxes', id);
  }
  private rt(...args: string[]): string[] {
    return [this.binary, '--root', this.runcRoot, ...args];
  }

  // ---- sandboxes ----

  async createSandbox(cfg: SandboxConfig): Promise<Sandbox> {
    const id = `sb-${cfg.podUid}`;
    const dir = this.sdir(id);
    const existing = await readJson<SandboxRecord>(join(dir, 'sandbox.json'));
    if (existing && pauseAlive(existing.pause) && (!existing.netnsPath || existsSync(existing.netnsPath))) return publicSandbox(existing);
    if (existing) await this.releaseSandbox(existing);
    await Promise.all([mkdir(join(dir, 'shm'), { recursive: true }), mkdir(cfg.podDir, { recursive: true })]);
    const wantNet = !cfg.hostNetwork && this.o.network && this.o.network.mode !== 'host';
    const [net, pause, shmMounted] = await Promise.all([
      wantNet ? this.o.network!.setUp(cfg) : Promise.resolve({ ip: this.o.hostIP ?? '127.0.0.1' } as { ip: string; netnsPath?: string }),
      startPause(cfg.extras?.shareProcessNamespace === true),
      // One /dev/shm for the pod, as its containers share the IPC namespace (POSIX shm lives there).
      run('mount', ['-t', 'tmpfs', '-o', 'mode=1777,size=64m,nosuid,nodev,noexec', 'shm', join(dir, 'shm')]).then(
        () => true,
        () => false,
      ),
    ]);
    await writePodFiles(dir, { ip: net.ip, hostname: cfg.hostname, ...(cfg.extras ? { extras: cfg.extras } : {}) });
    const rec: SandboxRecord = {
      id,
      podUid: cfg.podUid,
      ip: net.ip,
      ...(net.netnsPath ? { netnsPath: net.netnsPath } : {}),
      dir,
      podDir: cfg.podDir,
      hostname: cfg.hostname,
      pause,
      shmMounted,
    };
    await writeJson(join(dir, 'sandbox.json'), rec);
    return publicSandbox(rec);
  }

  /** Stops what a sandbox holds (pause, shm, network); its containers must be gone. */
  private async releaseSandbox(rec: SandboxRecord): Promise<void> {
    stopPause(rec.pause);
    await unmount(join(rec.dir, 'shm'));
    if (rec.netnsPath && this.o.network) await this.o.network.tearDown(rec.podUid);
  }

  async removeSandbox(sandboxId: string): Promise<void> {
    const rec = await this.sandboxRecord(sandboxId);
    if (!rec) return;
    // Containers go with their pod, whatever the agent forgot.
    await Promise.all((await this.records()).filter((c) => c.sandboxId === sandboxId).map((c) => this.remove(c.id)));
    await this.releaseSandbox(rec);
    removeCgroup(this.cgroups, podCgroup(rec.podUid));
    await rm(rec.dir, { recursive: true, force: true });
  }

  async listSandboxes(): Promise<Sandbox[]> {
    const out: Sandbox[] = [];
    for (const id of await readdir(join(this.root, 'sandboxes')).catch(() => [] as string[])) {
      const rec = await this.sandboxRecord(id);
      if (rec) out.push(publicSandbox(rec));
    }
    return out;
  }

  private sandboxRecord(id: string): Promise<SandboxRecord | undefined> {
    return readJson<SandboxRecord>(join(this.sdir(id), 'sandbox.json'));
  }

  // ---- containers ----

  async createAndStart(sandbox: Sandbox, cfg: ContainerConfig): Promise<ContainerInfo> {
    const sb = await this.sandboxRecord(sandbox.id);
    if (!sb) throw new Error(`sandbox ${sandbox.id} not found`);
    if (!pauseAlive(sb.pause)) throw new Error(`sandbox ${sandbox.id} has lost its namespaces (pause process gone): recreate it`);
    const imageId = cfg.oci?.imageId;
    if (!imageId) throw new Error('the oci runtime needs an image (ContainerConfig.oci.imageId)');
    if (!cfg.argv.length) throw new Error('no command specified: the image has no ENTRYPOINT or CMD and the pod gives no command');
    const id = newContainerId(cfg.name, cfg.attempt);
    const dir = this.cdir(id);
    await Promise.all([mkdir(dir, { recursive: true }), mkdir(dirname(cfg.logPath), { recursive: true })]);
    let rootfsMode: RootfsMode | undefined;
    try {
      rootfsMode = await prepareRootfs(await this.images.layers(imageId), dir);
      const sec = cfg.oci?.security ?? {};
      const user = await this.userOf(join(dir, 'rootfs'), cfg);
      if (sec.runAsNonRoot && user.uid === 0) throw new Error('container has runAsNonRoot and image will run as root');
      const cgroupsPath = containerCgroup(sandbox.podUid, id);
      const spec = buildSpec({
        argv: cfg.argv,
        env: cfg.env,
        ...(cfg.workingDir ? { cwd: cfg.workingDir } : {}),
        tty: cfg.tty,
        user: { ...user, additionalGids: [...(sec.supplementalGroups ?? []), ...(sec.fsGroup !== undefined ? [sec.fsGroup] : [])] },
        hostname: sb.hostname,
        security: sec,
        mounts: cfg.mounts,
        podFiles: {
          hosts: join(sb.dir, 'hosts'),
          resolv: join(sb.dir, 'resolv.conf'),
          hostname: join(sb.dir, 'hostname'),
          ...(sb.shmMounted ? { shm: join(sb.dir, 'shm') } : {}),
        },
        ...(sb.netnsPath ? { netnsPath: sb.netnsPath } : {}),
        ipcNsPath: `/proc/${sb.pause.holder}/ns/ipc`,
        ...(sb.pause.sharePid ? { pidNsPath: `/proc/${sb.pause.holder}/ns/pid` } : {}),
        cgroupsPath,
        ...(cfg.limits ? { limits: cfg.limits } : {}),
        ...(cfg.oci?.cpuRequestMillis !== undefined ? { cpuRequestMillis: cfg.oci.cpuRequestMillis } : {}),
        ...(sec.privileged ? { hostDevices: hostDevices() } : {}),
      });
      await writeFile(join(dir, 'config.json'), JSON.stringify(spec));
      // A tty always reads a FIFO (held open read-write, so never at EOF): `script` would turn the EOF of
      // /dev/null into input for the container's terminal. Attach writes to it only when the pod asked for stdin.
      let stdinFifo: string | undefined;
      if (cfg.stdin || cfg.tty) {
        stdinFifo = join(dir, 'stdin');
        await run('mkfifo', [stdinFifo]);
      }
      const rec = await this.startShim(id, dir, cfg, sandbox, { stdinFifo, cgroupsPath, rootfs: rootfsMode });
      return await this.info(rec);
    } catch (e) {
      await this.cleanup(id, dir).catch(() => undefined);
      throw e;
    }
  }

  /** uid/gid: ContainerConfig.user, then securityContext, then the image's user name, else root. */
  private async userOf(rootfs: string, cfg: ContainerConfig): Promise<{ uid: number; gid: number }> {
    const sec = cfg.oci?.security ?? {};
    let uid = cfg.user?.uid ?? sec.runAsUser;
    let gid = cfg.user?.gid ?? sec.runAsGroup;
    const name = cfg.oci?.userName;
    if (uid === undefined && name) {
      const r = await resolveUser(rootfs, name);
      uid = r.uid;
      gid ??= r.gid;
    }
    // A numeric user without a group takes its passwd group where the image has one.
    if (uid !== undefined && gid === undefined) gid = (await resolveUser(rootfs, String(uid)).catch(() => ({ gid: 0 }))).gid;
    return { uid: uid ?? 0, gid: gid ?? 0 };
  }

  private async startShim(
    id: string,
    dir: string,
    cfg: ContainerConfig,
    sandbox: Sandbox,
    o: { stdinFifo: string | undefined; cgroupsPath: string; rootfs: RootfsMode },
  ): Promise<ContainerRecord> {
    const pidFile = join(dir, 'pid');
    // --keep (runc): the stopped container and its cgroup stay for the OOM check until remove(). crun has no --keep.
    const runArgs = this.rt('run', ...(this.isRunc ? ['--keep'] : []), '--bundle', dir, '--pid-file', pidFile, id);
    // With a tty, runc copies between its own stdin/stdout and the container's console: `script` gives it a
    // terminal to copy from, and a resize of that terminal reaches runc as SIGWINCH, which resizes the console.
    // 80x24 until an attach session sends its size.
    const argv = cfg.tty ? ptyArgv(runArgs, { width: 80, height: 24 }) : runArgs;
    const startedAt = new Date();
    const shim = launchShim(
      {
        shimPath: this.shimPath,
        dir,
        logPath: cfg.logPath,
        logMaxBytes: this.o.logMaxBytes,
        logKeep: this.o.logKeep,
        stdin: o.stdinFifo ? { fifo: o.stdinFifo, once: cfg.stdin && cfg.stdinOnce } : undefined,
        argv,
        cwd: dir,
        env: process.env,
      },
      () => {
        this.children.delete(id);
        void this.exits.report(id);
      },
    );
    const { child } = shim;
    let shimGone = false;
    this.children.set(id, child);
    child.once('exit', () => (shimGone = true));
    const pid = await shim.pid;
    child.unref();
    // Running once runc has written the init's pid (after the user process was exec'd), or failed once it exits.
    let initPid = 0;
    for (let waited = 0; ; waited += 3) {
      const txt = await readFile(pidFile, 'utf8').catch(() => '');
      if (txt.trim()) {
        initPid = Number(txt.trim());
        break;
      }
      if (shimGone || existsSync(join(dir, 'exit'))) {
        // A quick container (`echo hi`) may have started, written its pid and exited since the read above:
        // that is a start followed by an exit, not a failed start.
        const late = (await readFile(pidFile, 'utf8').catch(() => '')).trim();
        if (late) {
          initPid = Number(late);
          break;
        }
        const why = await this.startError(cfg.logPath);
        this.children.delete(id);
        throw new Error(`${this.binary} failed to start the container: ${why}`);
      }
      if (waited > 60_000) throw new Error(`${this.binary} did not start the container within 60 s`);
      await realClock.sleep(3);
    }
    const rec: ContainerRecord = {
      id,
      sandboxId: sandbox.id,
      podUid: sandbox.podUid,
      name: cfg.name,
      attempt: cfg.attempt,
      logPath: cfg.logPath,
      ...(sandbox.netnsPath ? { netnsPath: sandbox.netnsPath } : {}),
      ...(o.stdinFifo && cfg.stdin ? { stdinFifo: o.stdinFifo, ...(cfg.stdinOnce ? { stdinOnce: true } : {}) } : {}),
      tty: cfg.tty,
      pid,
      pidStart: procStartTime(pid),
      initPid,
      cgroupsPath: o.cgroupsPath,
      rootfs: o.rootfs,
      startedAt: startedAt.toISOString(),
    };
    await writeJson(join(dir, 'state.json'), rec);
    shim.recorded();
    return rec;
  }

  /** runc's complaint, from the last lines of the container log (where the shim put runc's stderr). */
  private async startError(logPath: string): Promise<string> {
    for (let i = 0; i < 50; i++) {
      const text = await readFile(logPath, 'utf8').catch(() => '');
      const lines = text.trim().split('\n').filter(Boolean).map((l) => l.split(' ').slice(3).join(' '));
      const last = lines.filter((l) => /error|fail|not found|denied/i.test(l)).pop() ?? lines.pop();
      if (last) return last;
      await realClock.sleep(10);
    }
    return 'unknown error (no output)';
  }

  private async cleanup(id: string, dir: string, cgroupsPath?: string): Promise<void> {
    await run(this.binary, ['--root', this.runcRoot, 'delete', '--force', id]).catch(() => undefined);
    await unmount(join(dir, 'rootfs'));
    if (cgroupsPath) removeCgroup(this.cgroups, cgroupsPath);
    // The shim may still be writing its exit file: retry a directory that is not empty yet.
    await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 20 });
  }

  protected override async stateOf(rec: ContainerRecord): Promise<ContainerState> {
    const exit = await readExitFile(this.cdir(rec.id));
    const startedAt = new Date(rec.startedAt);
    if (exit) {
      const { exitCode, signal, finishedAt } = exit;
      const reason = await this.exitReason(rec, exitCode);
      return {
        state: 'exited',
        exitCode,
        ...(signal !== undefined ? { signal: `SIG${signal}` } : exitCode === 137 ? { signal: 'SIGKILL' } : {}),
        reason,
        startedAt,
        finishedAt,
      };
    }
    if (this.children.has(rec.id) || isSameProcess(rec.pid, rec.pidStart)) return { state: 'running', pid: rec.initPid, startedAt };
    // No shim and no exit file (the shim was killed, or a reboot): ask runc.
    const st = await this.runcState(rec.id);
    if (st?.status === 'running' && st.pid) return { state: 'running', pid: st.pid, startedAt };
    return { state: 'exited', exitCode: 255, reason: 'Error', startedAt, finishedAt: new Date() };
  }

  /** OOMKilled when the kernel's OOM killer fired in the container's cgroup (read once, then kept on disk). */
  private async exitReason(rec: ContainerRecord, exitCode: number): Promise<'Completed' | 'Error' | 'OOMKilled'> {
    const file = join(this.cdir(rec.id), 'reason');
    const kept = await readFile(file, 'utf8').catch(() => undefined);
    if (kept === 'OOMKilled' || kept === 'Error' || kept === 'Completed') return kept;
    const reason = oomKills(this.cgroups, rec.cgroupsPath) > 0 ? 'OOMKilled' : exitCode === 0 ? 'Completed' : 'Error';
    await writeFile(file, reason).catch(() => undefined);
    return reason;
  }

  private async runcState(id: string): Promise<{ status: string; pid: number } | undefined> {
    try {
      return JSON.parse(await run(this.binary, ['--root', this.runcRoot, 'state', id])) as { status: string; pid: number };
    } catch {
      return undefined;
    }
  }

  /** CPU and memory of a container from its cgroup (for the agent's resource metrics). */
  async usage(containerId: string): Promise<CgroupUsage | undefined> {
    const rec = await this.record(containerId);
    return rec ? cgroupUsage(this.cgroups, rec.cgroupsPath) : undefined;
  }

  async stop(containerId: string, gracePeriodMs: number): Promise<void> {
    const rec = await this.record(containerId);
    if (!rec) return;
    const exited = async () => (await this.stateOf(rec)).state === 'exited';
    if (!(await exited())) {
      if (gracePeriodMs > 0) {
        await this.kill(rec, 'TERM');
        await waitUntil(exited, gracePeriodMs);
      }
      if (!(await exited())) await this.kill(rec, 'KILL');
      await waitUntil(exited, 5000);
    }
    this.execs.killAll(containerId);
    await this.exits.report(containerId);
  }

  /** Signals the container through runc; --all for KILL, so a shared PID namespace leaves no stragglers. */
  private async kill(rec: ContainerRecord, sig: 'TERM' | 'KILL'): Promise<void> {
    const all = sig === 'KILL' ? ['--all'] : [];
    await run(this.binary, ['--root', this.runcRoot, 'kill', ...all, rec.id, sig]).catch((e: Error) => {
      this.log.debug('kill failed', { id: rec.id, err: e });
      // runc no longer knows it: its init pid is all we have (only when it is still the process we started).
      if (rec.initPid && procStartTime(rec.initPid) !== undefined && isSameProcess(rec.pid, rec.pidStart)) {
        try {
          process.kill(rec.initPid, `SIG${sig}`);
        } catch {
          /* gone */
        }
      }
    });
  }

  async remove(containerId: string): Promise<void> {
    const rec = await this.record(containerId);
    if (rec && (await this.stateOf(rec)).state === 'running') await this.stop(containerId, 0);
    this.execs.killAll(containerId);
    this.exits.forget(containerId);
    await this.cleanup(containerId, this.cdir(containerId), rec?.cgroupsPath);
  }

  // ---- streams ----

  async exec(containerId: string, argv: string[], streams: StreamSet): Promise<number> {
    const rec = await this.record(containerId);
    if (!rec) throw new Error(`container ${containerId} not found`);
    if (!argv.length) throw new Error('exec needs a command');
    const inner = this.rt('exec', ...(streams.tty ? ['-t'] : []), containerId, ...argv);
    // With a tty, runc exec -t copies between the pty `script` gives it and the container's own console; resizing
    // script's pty sends runc SIGWINCH, and runc resizes the container's console to match.
    return execChild({
      containerId,
      argv: inner,
      streams,
      sessions: this.execs,
      ttyStdinPipe: true,
      // The client went away: runc forwards SIGTERM to the process it runs in the container.
      hangupSignal: 'SIGTERM',
      signalExitCode: (signal) => (signal === 'SIGKILL' ? 137 : signal === 'SIGTERM' ? 143 : 1),
    });
  }

  /** An attach session's resizes go to runc's terminal (the pty `script` gives it). */
  protected override attachTtyPid(rec: ContainerRecord): number | undefined {
    return rec.tty ? rec.pid : undefined;
  }

  /** Pipes the stream to 127.0.0.1:port inside the pod (a relay started in its network namespace). */
  async portForward(sandboxId: string, port: number, stream: Duplex): Promise<void> {
    const sb = await this.sandboxRecord(sandboxId);
    if (!sb) throw new Error(`sandbox ${sandboxId} not found`);
    await forwardToPod({ netnsPath: sb.netnsPath, port, stream });
  }
}

/** The host's device nodes directly under /dev, for a privileged container (as Docker/containerd hand them). */
function hostDevices(): OciDevice[] {
  const out: OciDevice[] = [];
  for (const n of readdirSync('/dev')) {
    try {
      const s = statSync(join('/dev', n));
      const type = s.isCharacterDevice() ? 'c' : s.isBlockDevice() ? 'b' : undefined;
      if (!type) continue;
      // The container's own /dev/console, tty and pts stay its own.
      if (n === 'console' || n === 'tty' || n === 'ptmx') continue;
      const rdev = Number(s.rdev);
      out.push({ path: `/dev/${n}`, type, major: Math.floor(rdev / 256) & 0xfff, minor: (rdev & 0xff) | ((rdev >> 12) & 0xfff00), fileMode: s.mode & 0o7777, uid: s.uid, gid: s.gid });
    } catch {
      /* vanished */
    }
  }
  return out;
}

function onPath(name: string): boolean {
  return (process.env.PATH ?? '/usr/bin:/bin').split(':').some((d) => existsSync(join(d, name)));
}
