// Starting a container's shim (process/shim-script.ts), for both runtimes: it runs detached, owns the CRI log,
// the stdin FIFO and the exit file, and prints the pid of the process it started as its first line.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';

export interface ShimOptions {
  shimPath: string;
  /** The container's directory: the shim writes `exit` and `shim.log` there. */
  dir: string;
  logPath: string;
  /** Log rotation: rotate past this many bytes (default 10 MiB), keep this many old files (default 5). */
  logMaxBytes?: number | undefined;
  logKeep?: number | undefined;
  /** The stdin FIFO; `once`: the first attach session's end closes the container's stdin. */
  stdin?: { fifo: string; once: boolean } | undefined;
  /** What the shim runs. */
  argv: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export interface ShimStart {
  child: ChildProcess;
  /** The pid of the process the shim started, once it has said so. */
  pid: Promise<number>;
  /** Call once the container's state is on disk: the shim's exit is handed to onGone only then. */
  recorded(): void;
}

/**
 * Spawns the shim. onGone runs after both the shim's exit and recorded(): a command that ends at once may exit
 * before its state is written, and its exit must be reported from that state.
 */
export function launchShim(o: ShimOptions, onGone: () => void): ShimStart {
  const stdinArg = o.stdin ? `${o.stdin.once ? 'once:' : ''}${o.stdin.fifo}` : '-';
  const shimErr = openSync(join(o.dir, 'shim.log'), 'a');
  const child = spawn(
    'perl',
    [o.shimPath, o.logPath, String(o.logMaxBytes ?? 10 * 1024 * 1024), String(o.logKeep ?? 5), join(o.dir, 'exit'), stdinArg, '--', ...o.argv],
    // detached: a session of its own, so neither the agent's death nor its terminal's signals reach it.
    { cwd: o.cwd, env: o.env, detached: true, stdio: ['ignore', 'pipe', shimErr] },
  );
  closeSync(shimErr);
  let recorded!: () => void;
  const written = new Promise<void>((r) => (recorded = r));
  child.once('exit', () => void written.then(onGone));
  const pid = new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(Number(out.slice(0, nl)));
    });
    child.once('error', reject);
    child.once('close', () => reject(new Error(`shim exited early; see ${join(o.dir, 'shim.log')}`)));
  }).then((n) => {
    child.stdout!.destroy();
    return n;
  });
  return { child, pid, recorded };
}
