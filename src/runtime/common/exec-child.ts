// `exec` over a spawned child, for both runtimes: the process runtime spawns the command itself (through
// nsenter or `ip netns exec` into the pod), the OCI runtime spawns `runc exec`. Everything around the spawn is
// the same: a pty through `script` with a tty, resizes, stdio wiring, and ending the child with its session.
import { spawn, type ChildProcess } from 'node:child_process';
import type { StreamSet } from '../types.js';
import { firstWithin, ptyArgv, ptyOf, resizePty } from '../process/pty.js';

export interface ExecChildOptions {
  containerId: string;
  /** The command line before any pty wrapping. */
  argv: string[];
  streams: StreamSet;
  /** Where the runtime keeps the container's live execs (stopping the container ends them). */
  sessions: ExecSessions;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** A tty exec gets a stdin pipe even without a stdin stream (`script` turns EOF on /dev/null into input). */
  ttyStdinPipe?: boolean;
  /** What the child's process group gets when the client goes away (its output streams close). */
  hangupSignal: NodeJS.Signals;
  /** The exit code reported for a child that died of a signal. */
  signalExitCode(signal: NodeJS.Signals): number;
}

/** Runs the exec to its end; resolves to its exit code. */
export async function execChild(o: ExecChildOptions): Promise<number> {
  const { streams } = o;
  // With a tty the command runs on a real pty (through `script`), sized from the first resize message.
  const resizes = streams.tty && streams.resize ? streams.resize[Symbol.asyncIterator]() : undefined;
  const first = resizes ? await firstWithin(resizes, 200) : {};
  const full = streams.tty ? ptyArgv(o.argv, first.value) : o.argv;
  const stdinPipe = streams.stdin || (streams.tty && o.ttyStdinPipe);
  const child = spawn(full[0]!, full.slice(1), {
    ...(o.cwd !== undefined ? { cwd: o.cwd } : {}),
    ...(o.env ? { env: o.env } : {}),
    stdio: [stdinPipe ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    // A group of its own, so everything it starts can be signalled with it.
    detached: true,
  });
  o.sessions.add(o.containerId, child);
  // An exec lives no longer than its session: the client went away when its output streams close.
  const hangUp = () => killGroup(child, o.hangupSignal);
  streams.stdout?.once('close', hangUp);
  streams.stderr?.once('close', hangUp);
  child.once('exit', () => {
    streams.stdout?.off('close', hangUp);
    streams.stderr?.off('close', hangUp);
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
      resolve(code ?? (signal ? o.signalExitCode(signal) : 1));
    });
  });
}

/** The exec children of each container, so that stopping or removing a container ends its execs too. */
export class ExecSessions {
  private readonly byContainer = new Map<string, Set<ChildProcess>>();

  add(containerId: string, child: ChildProcess): void {
    const set = this.byContainer.get(containerId) ?? new Set<ChildProcess>();
    this.byContainer.set(containerId, set);
    set.add(child);
    child.once('exit', () => {
      set.delete(child);
      if (!set.size && this.byContainer.get(containerId) === set) this.byContainer.delete(containerId);
    });
  }

  killAll(containerId: string, sig: NodeJS.Signals = 'SIGKILL'): void {
    for (const c of this.byContainer.get(containerId) ?? []) killGroup(c, sig);
  }
}

/** Signals a child's whole process group, unless it has already exited. */
export function killGroup(c: ChildProcess, sig: NodeJS.Signals): void {
  if (c.exitCode !== null || c.signalCode !== null || !c.pid) return;
  try {
    process.kill(-c.pid, sig);
  } catch {
    /* already gone */
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
