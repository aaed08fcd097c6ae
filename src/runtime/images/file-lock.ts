// A lock between processes on one machine (the agent inside `tug server` and `tug images` both write DATA/images):
// a file created with O_EXCL that names its holder (pid and the process's start time). A waiter takes the lock
// over when that holder is gone, so a killed process never wedges the store; otherwise it gives up after a
// timeout with an error naming the holder.
import { linkSync, openSync, readFileSync, renameSync, unlinkSync, writeSync, closeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';

export interface FileLockOptions {
  /** Give up after this long (default 30 s: a removal deleting large layer trees holds the lock a while). */
  timeoutMs?: number;
  /** First wait between attempts; doubles up to 50 ms. */
  pollMs?: number;
}

export class LockTimeoutError extends Error {
  constructor(
    readonly file: string,
    readonly holderPid: number | undefined,
    waitedMs: number,
  ) {
    super(`${file} is held by pid ${holderPid ?? 'unknown'}: gave up after ${waitedMs} ms (delete the file if that process is not a tug)`);
    this.name = 'LockTimeoutError';
  }
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks): tells a reused pid from the holder. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing one.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

interface Holder {
  pid: number;
  start?: string;
}

function parseHolder(text: string): Holder | undefined {
  const [pid, start] = text.trim().split(/\s+/);
  const n = Number(pid);
  if (!Number.isInteger(n) || n <= 0) return undefined;
  return start ? { pid: n, start } : { pid: n };
}

export function holderAlive(h: Holder): boolean {
  try {
    process.kill(h.pid, 0);
  } catch (e) {
    // EPERM: it exists but belongs to another user.
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const now = startTime(h.pid);
  return !(h.start && now && now !== h.start);
}

function readHolder(file: string): Holder | undefined {
  try {
    return parseHolder(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** One attempt: true when this process now holds the lock. */
function tryCreate(file: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    writeSync(fd, `${process.pid} ${startTime(process.pid) ?? ''}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * Removes a lock whose holder is gone. The file is first renamed to a private name and read again there, so two
 * waiters taking over at once cannot both delete: the second one finds the first one's fresh lock (alive) and
 * puts it back with link(), which refuses to replace a lock made meanwhile.
 */
function takeOver(file: string): void {
  const mine = `${file}.stale-${process.pid}-${randomBytes(3).toString('hex')}`;
  try {
    renameSync(file, mine);
  } catch {
    return; // gone already: someone else took it over or released it
  }
  const h = readHolder(mine);
  if (h && holderAlive(h)) {
    try {
      linkSync(mine, file);
    } catch {
      // a third process made a new lock in the instant between: nothing better to do than leave it
    }
  }
  try {
    unlinkSync(mine);
  } catch {
    // already removed
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs fn holding the lock file; releases it whatever fn does. */
export async function withFileLock<T>(file: string, fn: () => Promise<T> | T, o: FileLockOptions = {}): Promise<T> {
  const timeoutMs = o.timeoutMs ?? 30_000;
  let wait = o.pollMs ?? 2;
  const started = Date.now();
  // A file that names no holder is being written right now (open, then write) or was left half-made by a crash:
  // give it a moment before treating it as stale.
  let unnamedSince: number | undefined;
  while (!tryCreate(file)) {
    const h = readHolder(file);
    if (h) {
      unnamedSince = undefined;
      if (!holderAlive(h)) {
        takeOver(file);
        continue;
      }
    } else {
      unnamedSince ??= Date.now();
      if (Date.now() - unnamedSince > 1000) {
        takeOver(file);
        unnamedSince = undefined;
        continue;
      }
    }
    const waited = Date.now() - started;
    if (waited >= timeoutMs) throw new LockTimeoutError(file, h?.pid, waited);
    await sleep(wait);
    wait = Math.min(wait * 2, 50);
  }
  try {
    return await fn();
  } finally {
    try {
      unlinkSync(file);
    } catch {
      // removed by hand: nothing to release
    }
  }
}
