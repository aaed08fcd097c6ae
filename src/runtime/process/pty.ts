// A pseudo-terminal for `exec -t` without native modules: util-linux `script` (bsdutils, always on Debian) owns the
// pty master and runs the command on the slave side; we talk to it through plain pipes.
import { readFile, readdir, readlink } from 'node:fs/promises';
import { spawn } from 'node:child_process';

export const SCRIPT = '/usr/bin/script';

/** Single-quotes each word for `sh -c`. */
export function shellQuote(argv: string[]): string {
  return argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
}

/** argv that runs `inner` under a pty of the given initial size; `script -e` passes the exit code through. */
export function ptyArgv(inner: string[], size?: { width: number; height: number }): string[] {
  const stty = size && size.width > 0 && size.height > 0 ? `stty cols ${size.width} rows ${size.height} 2>/dev/null; ` : '';
  return [SCRIPT, '-q', '-e', '-f', '-c', `${stty}exec ${shellQuote(inner)}`, '/dev/null'];
}

/** The pty slave of the command `script` started (its child's stdin), found through /proc. */
export async function ptyOf(scriptPid: number): Promise<string | undefined> {
  try {
    const tasks = await readdir(`/proc/${scriptPid}/task`);
    for (const t of tasks) {
      const kids = (await readFile(`/proc/${scriptPid}/task/${t}/children`, 'utf8')).trim().split(/\s+/).filter(Boolean);
      for (const k of kids) {
        const p = await readlink(`/proc/${k}/fd/0`).catch(() => '');
        if (p.startsWith('/dev/pts/')) return p;
      }
    }
  } catch {
    /* gone */
  }
  return undefined;
}

/** Sets a pty's size; the kernel then sends SIGWINCH to its foreground process group. */
export function resizePty(pts: string, size: { width: number; height: number }): Promise<void> {
  return new Promise((resolve) => {
    const c = spawn('stty', ['-F', pts, 'cols', String(size.width), 'rows', String(size.height)], { stdio: 'ignore' });
    c.once('error', () => resolve());
    c.once('exit', () => resolve());
  });
}

/** The first value of an async iterable, or undefined after `ms`; the iterator stays usable for the rest. */
export async function firstWithin<T>(it: AsyncIterator<T>, ms: number): Promise<{ value?: T; pending?: Promise<IteratorResult<T>> }> {
  const next = it.next();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), ms)));
  const r = await Promise.race([next, timeout]);
  clearTimeout(timer);
  if (r === 'timeout') return { pending: next };
  return r.done ? {} : { value: r.value };
}
