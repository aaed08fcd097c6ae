// Reading CRI log files ("<RFC3339Nano> stdout|stderr F|P <text>"): parsing lines and following a file as it
// grows (attach, logs -f).
import { open, stat } from 'node:fs/promises';

export interface LogLine {
  time: string;
  stream: 'stdout' | 'stderr';
  /** false for a partial line (P): the text continues on the next line of the same stream. */
  full: boolean;
  text: string;
}

export function parseCriLine(line: string): LogLine | undefined {
  const a = line.indexOf(' ');
  const b = line.indexOf(' ', a + 1);
  const c = line.indexOf(' ', b + 1);
  if (a < 0 || b < 0) return undefined;
  const stream = line.slice(a + 1, b);
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  const tag = c < 0 ? line.slice(b + 1) : line.slice(b + 1, c);
  return { time: line.slice(0, a), stream, full: tag !== 'P', text: c < 0 ? '' : line.slice(c + 1) };
}

/** The text a reader sees for a log line: the line plus a newline unless it was partial. */
export function lineText(l: LogLine): string {
  return l.full ? `${l.text}\n` : l.text;
}

/**
 * Follows a log file from byte offset `from` (default: its current end), calling onLine for each complete line,
 * polling every pollMs until stop() is true. A rotated file (smaller than our offset) is read again from 0.
 */
export async function followLog(
  path: string,
  onLine: (l: LogLine) => void,
  opts: { from?: number; pollMs?: number; stop: () => boolean; signal?: AbortSignal },
): Promise<void> {
  let offset = opts.from ?? (await stat(path).then((s) => s.size).catch(() => 0));
  let pending = '';
  const pollMs = opts.pollMs ?? 100;
  for (;;) {
    const size = await stat(path).then((s) => s.size).catch(() => -1);
    if (size >= 0 && size < offset) offset = 0;
    if (size > offset) {
      const fh = await open(path, 'r');
      try {
        const buf = Buffer.alloc(size - offset);
        const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
        offset += bytesRead;
        pending += buf.subarray(0, bytesRead).toString('utf8');
      } finally {
        await fh.close();
      }
      let i: number;
      while ((i = pending.indexOf('\n')) >= 0) {
        const l = parseCriLine(pending.slice(0, i));
        pending = pending.slice(i + 1);
        if (l) onLine(l);
      }
      continue;
    }
    if (opts.stop() || opts.signal?.aborted) return;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
