// The `process` runtime: every container is a host process (tree) in its own process group, started through a
// small shim (shim-script.ts) that outlives the agent. What a container is lives on disk under
// <root>/containers/<id>/ (state.json written by us, `exit` written by the shim), so list() finds containers again
// after the agent restarts, and pid + /proc start time tell a live container from a reused pid.
//
// Mounts: without namespaces nothing can be bind-mounted. Each mount is handed to the container as
//   - an environment variable TUG_MOUNT_<PATH> (containerPath upper-cased, non-alphanumerics as '_'; e.g.
//     /etc/config -> TUG_MOUNT_ETC_CONFIG) holding the host path, and
//   - a symlink <podDir>/mounts/<container>/<containerPath> -> hostPath.
// Real mounts come with the OCI runtime.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { mkdir, readdir, rm, symlink, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Duplex } from 'node:stream';
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
  Sandbox,
  SandboxConfig,
  SandboxLister,
  SandboxNetwork,
  StreamSet,
} from '../types.js';
import { isSameProcess, procStartTime } from './proc-stat.js';
import { resolveProgram } from './resolve-path.js';
import { enterPod, removePodEtc, writePodEtc } from './pod-etc.js';
import { SHIM_SCRIPT } from './shim-script.js';

export interface ProcessRuntimeOptions {
  /** Where container state and the shim live (e.g. <dataDir>/runtime/process). */
  root: string;
  /** Pod networking; without it every sandbox is on the host network. */
  network?: SandboxNetwork;
  /** The node's address, the pod IP on the host network. */
  hostIP?: string;
  logger?: Logger;
  /** Log rotation: rotate past this many bytes (default 10 MiB), keep this many old files (default 5). */
  logMaxBytes?: number;
  logKeep?: number;
  /** How often containers started before an agent restart are checked for exit (default 500 ms). */
  pollMs?: number;
}

/** What we keep on disk per container. */
interface ContainerRecord extends ShimContainerRecord {
  argv: string[];
  env: Record<string, string>;
  cwd: string;
}

interface SandboxRecord extends Sandbox {
  podDir: string;
  hostNetwork: boolean;
}

export function mountEnvName(containerPath: string): string {
  return `TUG_MOUNT_${containerPath.replace(/^\/+|\/+$/g, '').replace(/[^A-Za-z0-9]/g, '_').toUpperCase()}`;
}

const NSENTER = '/usr/bin/nsenter';

export class ProcessRuntime extends ShimRuntimeBase<ContainerRecord> implements ContainerRuntime, SandboxLister {
  readonly name = 'process' as const;
  private readonly shimPath: string;

  constructor(private readonly o: ProcessRuntimeOptions) {
    super((o.logger ?? silentLogger).child('process-runtime'), join(o.root, 'containers'), o.pollMs);
    mkdirSync(join(o.root, 'containers'), { recursive: true });
    mkdirSync(join(o.root, 'sandboxes'), { recursive: true });
    this.shimPath = join(o.root, 'tug-shim.pl');
    writeFileSync(this.shimPath, SHIM_SCRIPT);
  }

  // ---- sandboxes ----

  async createSandbox(cfg: SandboxConfig): Promise<Sandbox> {
    const id = `sb-${cfg.podUid}`;
    const file = join(this.o.root, 'sandboxes', `${id}.json`);
    const existing = await readJson<SandboxRecord>(file);
    if (existing && (!existing.netnsPath || existsSync(existing.netnsPath))) {
      // Found again after an agent restart: the pod's /etc files are put back should they have gone.
      if (existing.netnsPath) await writePodEtc(existing.netnsPath, existing.ip, cfg.extras);
      return publicSandbox(existing);
    }
    await mkdir(cfg.podDir, { recursive: true });
    let ip = this.o.hostIP ?? '127.0.0.1';
    let netnsPath: string | undefined;
    if (!cfg.hostNetwork && this.o.network && this.o.network.mode !== 'host') {
      const r = await this.o.network.setUp(cfg);
      ip = r.ip;
      netnsPath = r.netnsPath;
    }
    // resolv.conf and hosts only for pods with a network of their own: the host network keeps the host's.
    if (netnsPath) await writePodEtc(netnsPath, ip, cfg.extras);
    const rec: SandboxRecord = { id, podUid: cfg.podUid, ip, ...(netnsPath ? { netnsPath } : {}), podDir: cfg.podDir, hostNetwork: !netnsPath };
    await writeJson(file, rec);
    return publicSandbox(rec);
  }

  async removeSandbox(sandboxId: string): Promise<void> {
    const file = join(this.o.root, 'sandboxes', `${sandboxId}.json`);
    const rec = await readJson<SandboxRecord>(file);
    if (!rec) return;
    if (rec.netnsPath && this.o.network) await this.o.network.tearDown(rec.podUid);
    if (rec.netnsPath) await removePodEtc(rec.netnsPath);
    await rm(file, { force: true });
  }

  async listSandboxes(): Promise<Sandbox[]> {
    const dir = join(this.o.root, 'sandboxes');
    const out: Sandbox[] = [];
    for (const f of await readdir(dir).catch(() => [] as string[])) {
      if (!f.endsWith('.json')) continue;
      const rec = await readJson<SandboxRecord>(join(dir, f));
      if (rec) out.push(publicSandbox(rec));
    }
    return out;
  }

  private async sandboxRecord(id: string): Promise<SandboxRecord | undefined> {
    return readJson<SandboxRecord>(join(this.o.root, 'sandboxes', `${id}.json`));
  }

  // ---- containers ----

  async createAndStart(sandbox: Sandbox, cfg: ContainerConfig): Promise<ContainerInfo> {
    const sb = await this.sandboxRecord(sandbox.id);
    const podDir = sb?.podDir ?? this.o.root;
    const cwd = cfg.workingDir ?? podDir;
    if (!cfg.argv.length) throw new Error('the process runtime needs a command: the image entrypoint needs the OCI runtime');
    const env: Record<string, string> = { ...cfg.env };
    for (const m of cfg.mounts) env[mountEnvName(m.containerPath)] = m.hostPath;
    await this.linkMounts(podDir, cfg);
    if (cfg.workingDir) await mkdir(cfg.workingDir, { recursive: true }).catch(() => undefined);
    const prog = resolveProgram(cfg.argv[0]!, env, cwd);
    if (prog instanceof Error) throw prog;
    const id = newContainerId(cfg.name, cfg.attempt);
    const dir = this.cdir(id);
    await Promise.all([mkdir(dir, { recursive: true }), mkdir(dirname(cfg.logPath), { recursive: true })]);
    let stdinFifo: string | undefined;
    if (cfg.stdin) {
      stdinFifo = join(dir, 'stdin');
      await run('mkfifo', [stdinFifo]);
    }
    const argv = sandbox.netnsPath ? [...enterPod(sandbox.netnsPath), prog, ...cfg.argv.slice(1)] : [prog, ...cfg.argv.slice(1)];
    const shim = launchShim(
      {
        shimPath: this.shimPath,
        dir,
        logPath: cfg.logPath,
        logMaxBytes: this.o.logMaxBytes,
        logKeep: this.o.logKeep,
        stdin: stdinFifo ? { fifo: stdinFifo, once: cfg.stdinOnce } : undefined,
        argv,
        cwd,
        env,
      },
      () => {
        this.children.delete(id);
        void this.exits.report(id);
      },
    );
    const { child } = shim;
    this.children.set(id, child);
    const pid = await shim.pid;
    const rec: ContainerRecord = {
      id,
      sandboxId: sandbox.id,
      podUid: sandbox.podUid,
      name: cfg.name,
      attempt: cfg.attempt,
      argv: cfg.argv,
      env,
      cwd,
      logPath: cfg.logPath,
      ...(sandbox.netnsPath ? { netnsPath: sandbox.netnsPath } : {}),
      ...(stdinFifo ? { stdinFifo, ...(cfg.stdinOnce ? { stdinOnce: true } : {}) } : {}),
      pid,
      pidStart: procStartTime(pid),
      startedAt: new Date().toISOString(),
    };
    await writeJson(join(dir, 'state.json'), rec);
    shim.recorded();
    child.unref();
    // From the record in hand: reading state.json back would only cost a file read on the pod's start path.
    return this.info(rec);
  }

  private async linkMounts(podDir: string, cfg: ContainerConfig): Promise<void> {
    for (const m of cfg.mounts) {
      const link = join(podDir, 'mounts', cfg.name, m.containerPath);
      await mkdir(dirname(link), { recursive: true });
      await unlink(link).catch(() => undefined);
      await symlink(m.hostPath, link).catch((e: Error) => this.log.warn('mount link failed', { link, err: e }));
    }
  }

  protected override async stateOf(rec: ContainerRecord): Promise<ContainerState> {
    const exit = await readExitFile(this.cdir(rec.id));
    const startedAt = new Date(rec.startedAt);
    if (exit) {
      const { exitCode, signal, finishedAt } = exit;
      return {
        state: 'exited',
        exitCode,
        ...(signal !== undefined ? { signal: signalName(signal) } : {}),
        reason: exitCode === 0 ? 'Completed' : 'Error',
        startedAt,
        finishedAt,
      };
    }
    if (isSameProcess(rec.pid, rec.pidStart) || this.children.has(rec.id)) return { state: 'running', pid: rec.pid, startedAt };
    // Neither running nor an exit file: the shim was killed with it (e.g. a reboot). Its code is unknown.
    return { state: 'exited', exitCode: 255, reason: 'Error', startedAt, finishedAt: new Date() };
  }

  async stop(containerId: string, gracePeriodMs: number): Promise<void> {
    const rec = await this.record(containerId);
    if (!rec) return;
    const exited = async () => (await this.stateOf(rec)).state === 'exited';
    if (!(await exited())) {
      signalGroup(rec, 'SIGTERM');
      await waitUntil(exited, gracePeriodMs);
      if (!(await exited())) signalGroup(rec, 'SIGKILL');
      await waitUntil(exited, 4000);
    }
    this.execs.killAll(containerId);
    // Listeners hear of the exit before stop resolves, whoever notices first.
    await this.exits.report(containerId);
  }

  async remove(containerId: string): Promise<void> {
    const rec = await this.record(containerId);
    if (rec && (await this.stateOf(rec)).state === 'running') await this.stop(containerId, 0);
    this.execs.killAll(containerId);
    this.exits.forget(containerId);
    await rm(this.cdir(containerId), { recursive: true, force: true });
  }

  // ---- streams ----

  async exec(containerId: string, argv: string[], streams: StreamSet): Promise<number> {
    const rec = await this.record(containerId);
    if (!rec) throw new Error(`container ${containerId} not found`);
    if (!argv.length) throw new Error('exec needs a command');
    const prog = resolveProgram(argv[0]!, rec.env, rec.cwd);
    if (prog instanceof Error) {
      streams.stderr?.write(`${prog.message}\n`);
      return 127;
    }
    const inner = rec.netnsPath ? [...enterPod(rec.netnsPath), prog, ...argv.slice(1)] : [prog, ...argv.slice(1)];
    // An exec lives no longer than its session or its container (stop kills the container's execs, as they
    // would die with a container's PID namespace).
    return execChild({
      containerId,
      argv: inner,
      streams,
      sessions: this.execs,
      cwd: existsSync(rec.cwd) ? rec.cwd : '/',
      env: rec.env,
      hangupSignal: 'SIGKILL',
      signalExitCode: (signal) => 128 + (signalNumber(signal) ?? 0),
    });
  }

  /** Pipes the stream to 127.0.0.1:port inside the pod (through nsenter and a tiny relay when it has a netns). */
  async portForward(sandboxId: string, port: number, stream: Duplex): Promise<void> {
    const sb = await this.sandboxRecord(sandboxId);
    if (!sb) throw new Error(`sandbox ${sandboxId} not found`);
    await forwardToPod({ netnsPath: sb.netnsPath, port, stream, nsenter: NSENTER });
  }
}

function signalGroup(rec: ContainerRecord, sig: NodeJS.Signals): void {
  // Only when the leader is still ours: a reused pid must never be signalled.
  if (!isSameProcess(rec.pid, rec.pidStart)) {
    // The leader may have exited while group members live on; the group id stays valid while any does.
    try {
      process.kill(-rec.pid, 0);
    } catch {
      return;
    }
  }
  try {
    process.kill(-rec.pid, sig);
  } catch {
    /* already gone */
  }
}

const SIGNALS: Record<number, string> = { 1: 'SIGHUP', 2: 'SIGINT', 3: 'SIGQUIT', 6: 'SIGABRT', 9: 'SIGKILL', 11: 'SIGSEGV', 13: 'SIGPIPE', 15: 'SIGTERM' };
function signalName(n: number): string {
  return SIGNALS[n] ?? `SIG${n}`;
}
function signalNumber(name: string): number | undefined {
  const e = Object.entries(SIGNALS).find(([, v]) => v === name);
  return e ? Number(e[0]) : undefined;
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, args, { stdio: 'ignore' });
    c.once('error', reject);
    c.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited ${code}`))));
  });
}
