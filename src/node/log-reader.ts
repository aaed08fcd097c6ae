// Reading a container's CRI log file (and its rotated predecessors log.N ... log.1) for `kubectl logs`: since,
// tail, timestamps and limitBytes applied as kubelet does, and following the file while the container runs.
import { readFile } from 'node:fs/promises';
import { PassThrough, Readable } from 'node:stream';
import { followLog, parseCriLine, type LogLine } from '../runtime/process/cri-log.js';
import type { LogOptions } from './streams/target.js';

/** One line as a reader sees it: partial (P) pieces of a stream joined with the piece that ends them. */
interface Entry {
  time: string;
  text: string;
  /** A partial piece nothing ended (the container's last output had no newline): printed as is, as kubelet does. */
  open?: boolean;
}

/** Joins partial lines per stream (stdout and stderr interleave in one file). */
class Joiner {
  private readonly pending = new Map<string, Entry>();
  push(l: LogLine): Entry | undefined {
    const p = this.pending.get(l.stream);
    const e = p ? { time: p.time, text: p.text + l.text } : { time: l.time, text: l.text };
    if (!l.full) {
      this.pending.set(l.stream, e);
      return undefined;
    }
    this.pending.delete(l.stream);
    return e;
  }

  /** The pieces still waiting for their end, oldest first, marked open; the joiner forgets them. */
  flush(): Entry[] {
    const out = [...this.pending.values()].map((e) => ({ ...e, open: true })).sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
    this.pending.clear();
    return out;
  }
}

function format(e: Entry, timestamps: boolean): string {
  const nl = e.open ? '' : '\n';
  return timestamps ? `${e.time} ${e.text}${nl}` : `${e.text}${nl}`;
}

function sinceMs(o: LogOptions, now: number): number | undefined {
  if (o.sinceTime) return o.sinceTime.getTime();
  if (o.sinceSeconds !== undefined) return now - o.sinceSeconds * 1000;
  return undefined;
}

/** RFC3339Nano to ms; the fraction beyond ms does not matter for since. */
function timeMs(t: string): number {
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? 0 : ms;
}

/** What is in the files now: the formatted entries and the byte offset reached in the newest file. */
async function readAll(path: string, keep: number, o: LogOptions, now: number): Promise<{ entries: Entry[]; offset: number }> {
  const joiner = new Joiner();
  const since = sinceMs(o, now);
  const entries: Entry[] = [];
  let offset = 0;
  const files = [...Array.from({ length: keep }, (_, i) => `${path}.${keep - i}`), path];
  for (const f of files) {
    const buf = await readFile(f).catch(() => undefined);
    if (!buf) continue;
    // Only whole lines: a line being written now is picked up by the follower.
    const end = buf.lastIndexOf(0x0a) + 1;
    if (f === path) offset = end;
    for (const raw of buf.subarray(0, end).toString('utf8').split('\n')) {
      const l = raw ? parseCriLine(raw) : undefined;
      const e = l && joiner.push(l);
      if (e && (since === undefined || timeMs(e.time) >= since)) entries.push(e);
    }
  }
  // A piece no line ended yet is shown as it is (a follower prints the rest when it comes).
  for (const e of joiner.flush()) if (since === undefined || timeMs(e.time) >= since) entries.push(e);
  return { entries, offset };
}

export interface ContainerLogSource {
  path: string;
  /** Whether the container still runs (a follower stops once it does not). */
  running(): Promise<boolean>;
}

/** Rotated files kept by the process runtime's shim (log.1 ... log.5). */
const ROTATED = 5;

export async function containerLogStream(src: ContainerLogSource, o: LogOptions, now = Date.now()): Promise<Readable> {
  const { entries, offset } = await readAll(src.path, ROTATED, o, now);
  const picked = o.tailLines !== undefined ? entries.slice(Math.max(0, entries.length - o.tailLines)) : entries;
  let budget = o.limitBytes ?? Infinity;
  // Cuts text to what limitBytes still allows; true once the limit is reached.
  const take = (s: string): [Buffer, boolean] => {
    const b = Buffer.from(s);
    if (b.length < budget) {
      budget -= b.length;
      return [b, false];
    }
    const cut = b.subarray(0, budget);
    budget = 0;
    return [cut, true];
  };
  const [first, full] = take(picked.map((e) => format(e, o.timestamps)).join(''));
  if (!o.follow || full || !(await src.running())) return Readable.from(first.length ? [first] : []);

  const out = new PassThrough();
  if (first.length) out.write(first);
  let closed = false;
  out.on('close', () => (closed = true));
  let exited = false;
  const joiner = new Joiner();
  const since = sinceMs(o, now);
  const watcher = setInterval(() => {
    void src.running().then((r) => (exited = !r), () => (exited = true));
  }, 250);
  void followLog(
    src.path,
    (l) => {
      if (closed || budget === 0) return;
      const e = joiner.push(l);
      if (!e || (since !== undefined && timeMs(e.time) < since)) return;
      const [b, done] = take(format(e, o.timestamps));
      out.write(b);
      if (done) closed = true;
    },
    { from: offset, pollMs: 100, stop: () => closed || exited },
  )
    .catch(() => undefined)
    .finally(() => {
      clearInterval(watcher);
      // The container ended on a piece without a newline: it is still its output.
      if (!closed && budget > 0) for (const e of joiner.flush()) if (since === undefined || timeMs(e.time) >= since) out.write(take(format(e, o.timestamps))[0]);
      out.end();
    });
  return out;
}
