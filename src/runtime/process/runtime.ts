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
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, openSync, closeSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, symlink, writeFile, unlink } from 'node:fs/promises';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import type { Duplex, Readable } from 'node:stream';
import { silentLogger, type Logger } from '../../util/logger.js';
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
import { followLog, lineText } from './cri-log.js';
import { isSameProcess, procStartTime } from './proc-stat.js';
import { firstWithin, ptyArgv, ptyOf, resizePty } from './pty.js';
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
interface ContainerRecord {
  id: string;
  sandboxId: string;
  podUid: string;
  name: string;
  attempt: number;
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  logPath: string;
  netnsPath?: string;
  stdinFifo?: string;
  stdinOnce?: boolean;
  pid: number;
  pidStart?: string;
  startedAt: string;
}

interface SandboxRecord extends Sandbox {
  podDir: string;
  hostNetwork: boolean;
}

export function mountEnvName(containerPath: string): string {
  return `TUG_MOUNT_${containerPath.replace(/^\/+|\/+$/g, '').replace(/[^A-Za-z0-9]/g, '_').toUpperCase()}`;
}

const NSENTER = '/usr/bin/nsenter';

export class ProcessRuntime implements ContainerRuntime, SandboxLister {
  readonly name = 'process' as const;
  private readonly log: Logger;
  private readonly shimPath: string;
  private readonly listeners: ((info: ContainerInfo) => void)[] = [];
  /** Shims we spawned: their exit event tells us when the container is gone. */
  private readonly children = new Map<string, ChildProcess>();
  /** Containers running that we did not spawn (adopted after a restart): polled for exit. */
  private readonly adopted = new Set<string>();
  private readonly reported = new Set<string>();
  /** exec processes per container, killed with it. */
  private readonly execs = new Map<string, Set<ChildProcess>>();
  private poller?: NodeJS.Timeout;

  constructor(private readonly o: ProcessRuntimeOptions) {
    this.log = (o.logger ?? silentLogger).child('process-runtime');
    mkdirSync(join(o.root, 'containers'), { recursive: true });
    mkdirSync(join(o.root, 'sandboxes'), { recursive: true });
    this.shimPath = join(o.root, 'tug-shim.pl');
    writeFileSync(this.shimPath, SHIM_SCRIPT);
  }

  private cdir(id: string): string {
    return join(this.o.root, 'containers', id);
  }

  // ---- sandboxes ----

  async createSandbox(cfg: SandboxConfig): Promise<Sandbox> {
    const id = `sb-${cfg.podUid}`;
    const file = join(this.o.root, 'sandboxes', `${id}.json`);
    const existing = await readJson<SandboxRecord>(file);
    if (existing && (!existing.netnsPath || existsSync(existing.netnsPath))) {
      // Found again after an agent restart: the pod's /etc files are put back should they have gone.
      if (existing.netnsPath) await writePodEtc(existing.netnsPath, existing.ip, cfg.extras);
      return strip(existing);
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
    return strip(rec);
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
      if (rec) out.push(strip(rec));
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
    const id = `${cfg.name}-${cfg.attempt}-${randomBytes(4).toString('hex')}`;
    const dir = this.cdir(id);
    await Promise.all([mkdir(dir, { recursive: true }), mkdir(dirname(cfg.logPath), { recursive: true })]);
    let stdinFifo: string | undefined;
    if (cfg.stdin) {
      stdinFifo = join(dir, 'stdin');
      await run('mkfifo', [stdinFifo]);
    }
    const argv = sandbox.netnsPath ? [...enterPod(sandbox.netnsPath), prog, ...cfg.argv.slice(1)] : [prog, ...cfg.argv.slice(1)];
    const shimErr = openSync(join(dir, 'shim.log'), 'a');
    const child = spawn(
      'perl',
      [this.shimPath, cfg.logPath, String(this.o.logMaxBytes ?? 10 * 1024 * 1024), String(this.o.logKeep ?? 5), join(dir, 'exit'), stdinFifo ? `${cfg.stdinOnce ? 'once:' : ''}${stdinFifo}` : '-', '--', ...argv],
      // detached: a session of its own, so neither the agent's death nor its terminal's signals reach it.
      { cwd, env, detached: true, stdio: ['ignore', 'pipe', shimErr] },
    );
    closeSync(shimErr);
    // The exit may come before state.json is written (a command that ends at once): report it once it is.
    let stateWritten!: () => void;
    const written = new Promise<void>((r) => (stateWritten = r));
    this.children.set(id, child);
    child.once('exit', () => {
      void written.then(() => {
        this.children.delete(id);
        void this.reportExit(id);
      });
    });
    const pid = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const nl = out.indexOf('\n');
        if (nl >= 0) resolve(Number(out.slice(0, nl)));
      });
      child.once('error', reject);
      child.once('close', () => reject(new Error(`shim exited early; see ${join(dir, 'shim.log')}`)));
    });
    child.stdout!.destroy();
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
    stateWritten();
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

  private async record(id: string): Promise<ContainerRecord | undefined> {
    return readJson<ContainerRecord>(join(this.cdir(id), 'state.json'));
  }

  private async stateOf(rec: ContainerRecord): Promise<ContainerState> {
    const exit = await readFile(join(this.cdir(rec.id), 'exit'), 'utf8').catch(() => undefined);
    const startedAt = new Date(rec.startedAt);
    if (exit) {
      const [code, sig, at] = exit.trim().split(' ');
      const exitCode = Number(code);
      return {
        state: 'exited',
        exitCode,
        ...(sig && sig !== '-' ? { signal: signalName(Number(sig)) } : {}),
        reason: exitCode === 0 ? 'Completed' : 'Error',
        startedAt,
        finishedAt: new Date(Number(at)),
      };
    }
    if (isSameProcess(rec.pid, rec.pidStart) || this.children.has(rec.id)) return { state: 'running', pid: rec.pid, startedAt };
    // Neither running nor an exit file: the shim was killed with it (e.g. a reboot). Its code is unknown.
    return { state: 'exited', exitCode: 255, reason: 'Error', startedAt, finishedAt: new Date() };
  }

  private async info(rec: ContainerRecord): Promise<ContainerInfo> {
    return { id: rec.id, sandboxId: rec.sandboxId, podUid: rec.podUid, name: rec.name, attempt: rec.attempt, status: await this.stateOf(rec) };
  }

  async status(containerId: string): Promise<ContainerInfo | undefined> {
    const rec = await this.record(containerId);
    return rec ? this.info(rec) : undefined;
  }

  async list(): Promise<ContainerInfo[]> {
    const out: ContainerInfo[] = [];
    for (const id of await readdir(join(this.o.root, 'containers')).catch(() => [] as string[])) {
      const rec = await this.record(id);
      if (!rec) continue;
      const info = await this.info(rec);
      out.push(info);
      if (info.status.state === 'running' && !this.children.has(id)) this.adopt(id);
    }
    return out;
  }

  /** Watches a container we did not spawn (found after a restart) for its exit. */
  private adopt(id: string): void {
    this.adopted.add(id);
    if (this.poller) return;
    this.poller = setInterval(() => void this.pollAdopted(), this.o.pollMs ?? 500);
    this.poller.unref();
  }

  private async pollAdopted(): Promise<void> {
    for (const id of [...this.adopted]) {
      const info = await this.status(id);
      if (!info || info.status.state === 'exited') {
        this.adopted.delete(id);
        if (info) await this.reportExit(id);
      }
    }
    if (!this.adopted.size && this.poller) {
      clearInterval(this.poller);
      this.poller = undefined;
    }
  }

  private async reportExit(id: string): Promise<void> {
    if (this.reported.has(id)) return;
    const info = await this.status(id);
    if (!info || info.status.state !== 'exited') return;
    this.reported.add(id);
    for (const l of this.listeners) {
      try {
        l(info);
      } catch (e) {
        this.log.error('exit listener failed', { err: e });
      }
    }
  }

  onExit(listener: (info: ContainerInfo) => void): void {
    this.listeners.push(listener);
  }

  async stop(containerId: string, gracePeriodMs: number): Promise<void> {
    const rec = await this.record(containerId);
    if (!rec) return;
    const exited = async () => (await this.stateOf(rec)).state === 'exited';
    if (!(await exited())) {
      signalGroup(rec, 'SIGTERM');
      const deadline = Date.now() + gracePeriodMs;
      while (Date.now() < deadline && !(await exited())) await delay(Math.min(20, Math.max(1, deadline - Date.now())));
      if (!(await exited())) signalGroup(rec, 'SIGKILL');
      for (let i = 0; i < 200 && !(await exited()); i++) await delay(20);
    }
    for (const c of this.execs.get(containerId) ?? []) killGroup(c);
    // Listeners hear of the exit before stop resolves, whoever notices first.
    await this.reportExit(containerId);
  }

  async remove(containerId: string): Promise<void> {
    const rec = await this.record(containerId);
    if (rec && (await this.stateOf(rec)).state === 'running') await this.stop(containerId, 0);
    for (const c of this.execs.get(containerId) ?? []) killGroup(c);
    this.adopted.delete(containerId);
    this.reported.delete(containerId);
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
    // With a tty the command runs on a real pty (through `script`), sized from the first resize message.
    const resizes = streams.tty && streams.resize ? streams.resize[Symbol.asyncIterator]() : undefined;
    const first = resizes ? await firstWithin(resizes, 200) : {};
    const full = streams.tty ? ptyArgv(inner, first.value) : inner;
    const child = spawn(full[0]!, full.slice(1), {
      cwd: existsSync(rec.cwd) ? rec.cwd : '/',
      env: rec.env,
      stdio: [streams.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      // A group of its own, so everything it starts can be killed with it.
      detached: true,
    });
    // An exec lives no longer than its session (the client went away: its output streams close) or its
    // container (stop kills the container's execs, as they would die with a container's PID namespace).
    const execs = this.execs.get(containerId) ?? new Set<ChildProcess>();
    this.execs.set(containerId, execs);
    execs.add(child);
    const killExec = () => killGroup(child);
    streams.stdout?.once('close', killExec);
    streams.stderr?.once('close', killExec);
    child.once('exit', () => {
      execs.delete(child);
      if (!execs.size) this.execs.delete(containerId);
      streams.stdout?.off('close', killExec);
      streams.stderr?.off('close', killExec);
    });
    if (streams.stdin && child.stdin) {
      streams.stdin.pipe(child.stdin);
      child.stdin.on('error', () => undefined);
    }
    if (resizes && child.pid) void followResizes(child, resizes, first.pending);
    // Under a pty the terminal already merges stderr into stdout; `script`'s own stderr goes the same way.
    const errOut = streams.tty ? streams.stdout : streams.stderr;
    child.stdout!.on('data', (d: Buffer) => streams.stdout?.write(d));
    child.stderr!.on('data', (d: Buffer) => errOut?.write(d));
    return new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, signal) => {
        streams.stdin?.unpipe();
        resolve(code ?? (signal ? 128 + (signalNumber(signal) ?? 0) : 1));
      });
    });
  }

  /** Follows the container's output from now on; stdin goes to its FIFO when it was started with stdin. */
  async attach(containerId: string, streams: StreamSet): Promise<void> {
    const rec = await this.record(containerId);
    if (!rec) throw new Error(`container ${containerId} not found`);
    if (streams.stdin && rec.stdinFifo) this.attachStdin(rec.stdinFifo, rec.stdinOnce === true, streams.stdin);
    let done = false;
    const stopWhenExited = setInterval(() => {
      void this.stateOf(rec).then((s) => {
        if (s.state === 'exited') done = true;
      });
    }, 200);
    const closed = () => (done = true);
    streams.stdout?.once('close', closed);
    try {
      await followLog(
        rec.logPath,
        (l) => {
          const out = l.stream === 'stderr' && !streams.tty ? streams.stderr : streams.stdout;
          out?.write(lineText(l));
        },
        { stop: () => done },
      );
    } finally {
      clearInterval(stopWhenExited);
    }
  }

  /**
   * Writes an attach session's stdin to the container's FIFO, in order. With stdinOnce the first session's end
   * closes the container's stdin for good (the shim drops its writer when FIFO.closed appears); later sessions
   * get no stdin, as in Kubernetes.
   */
  private attachStdin(fifo: string, once: boolean, stdin: Readable): void {
    if (once && existsSync(`${fifo}.closed`)) return;
    // r+ (read-write) never blocks opening a FIFO, even when the container is gone.
    const ws = createWriteStream(fifo, { flags: 'r+' });
    ws.on('error', () => undefined);
    stdin.pipe(ws, { end: false });
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      stdin.unpipe(ws);
      ws.end(() => {
        if (once) void writeFile(`${fifo}.closed`, '').catch(() => undefined);
      });
    };
    stdin.once('end', end);
    stdin.once('close', end);
  }

  /** Pipes the stream to 127.0.0.1:port inside the pod (through nsenter and a tiny relay when it has a netns). */
  async portForward(sandboxId: string, port: number, stream: Duplex): Promise<void> {
    const sb = await this.sandboxRecord(sandboxId);
    if (!sb) throw new Error(`sandbox ${sandboxId} not found`);
    if (!sb.netnsPath) {
      const sock = connect(port, '127.0.0.1');
      await new Promise<void>((resolve, reject) => {
        sock.once('connect', resolve);
        sock.once('error', reject);
      });
      stream.pipe(sock).pipe(stream);
      await new Promise<void>((resolve) => {
        sock.once('close', () => resolve());
        sock.on('error', () => undefined);
        stream.once('close', () => sock.destroy());
      });
      return;
    }
    const relay =
      "const s=require('net').connect(+process.argv[1],'127.0.0.1');" +
      "s.on('connect',()=>process.stderr.write('+'));s.on('error',e=>{process.stderr.write(e.message);process.exit(1)});" +
      'process.stdin.pipe(s);s.pipe(process.stdout);s.on(\'close\',()=>process.exit(0))';
    const child = spawn(NSENTER, [`--net=${sb.netnsPath}`, '--', process.execPath, '-e', relay, String(port)], { stdio: ['pipe', 'pipe', 'pipe'] });
    await new Promise<void>((resolve, reject) => {
      let err = '';
      child.stderr.on('data', (d: Buffer) => {
        const s = d.toString();
        if (s.startsWith('+')) resolve();
        else err += s;
      });
      child.once('exit', () => reject(new Error(err || `cannot connect to port ${port} in the pod`)));
      child.once('error', reject);
    });
    stream.pipe(child.stdin);
    child.stdout.pipe(stream);
    child.stdin.on('error', () => undefined);
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      stream.once('close', () => child.kill('SIGTERM'));
    });
  }
}

/** Applies later terminal size changes to the exec's pty until the exec ends. */
async function followResizes(
  child: ChildProcess,
  it: AsyncIterator<{ width: number; height: number }>,
  pending?: Promise<IteratorResult<{ width: number; height: number }>>,
): Promise<void> {
  const done = new Promise<'done'>((r) => child.once('close', () => r('done')));
  let next = pending ?? it.next();
  for (;;) {
    const r = await Promise.race([next.catch(() => 'done' as const), done]);
    if (r === 'done' || r.done) return;
    const pts = await ptyOf(child.pid!);
    if (pts) await resizePty(pts, r.value);
    next = it.next();
  }
}

function killGroup(c: ChildProcess): void {
  if (c.exitCode !== null || c.signalCode !== null || !c.pid) return;
  try {
    process.kill(-c.pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

function strip(r: SandboxRecord): Sandbox {
  return { id: r.id, podUid: r.podUid, ip: r.ip, ...(r.netnsPath ? { netnsPath: r.netnsPath } : {}) };
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

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

async function writeJson(file: string, v: unknown): Promise<void> {
  await writeFile(`${file}.tmp`, JSON.stringify(v));
  await rename(`${file}.tmp`, file);
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, args, { stdio: 'ignore' });
    c.once('error', reject);
    c.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited ${code}`))));
  });
}
