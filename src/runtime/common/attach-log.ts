// `attach` for both runtimes: every container runs under the shim, which writes its output to the CRI log and
// reads its stdin from a FIFO. Attaching is following that log from now on and writing to that FIFO.
import { createWriteStream, existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { StreamSet } from '../types.js';
import { followLog, lineText } from '../process/cri-log.js';
import { ptyOf, resizePty } from '../process/pty.js';

export interface AttachOptions {
  logPath: string;
  /** The container's stdin FIFO, when it was started with stdin; `once`: stdinOnce. */
  stdin?: { fifo: string; once: boolean } | undefined;
  streams: StreamSet;
  /** Polled every 200 ms: the session ends once the container has exited. */
  exited(): Promise<boolean>;
  /** A tty container: the pid of the `script` whose pty the session's resizes go to. */
  ttyPid?: number | undefined;
}

/** Follows the container's output until it exits or the client goes away; stdin goes to its FIFO. */
export async function attachToLog(o: AttachOptions): Promise<void> {
  const { streams } = o;
  if (streams.stdin && o.stdin) attachStdin(o.stdin.fifo, o.stdin.once, streams.stdin);
  let done = false;
  if (o.ttyPid !== undefined && streams.resize) void followAttachResizes(o.ttyPid, streams.resize, () => done);
  const stopWhenExited = setInterval(() => {
    void o.exited().then((exited) => {
      if (exited) done = true;
    });
  }, 200);
  const closed = () => (done = true);
  streams.stdout?.once('close', closed);
  try {
    await followLog(
      o.logPath,
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

async function followAttachResizes(pid: number, resize: AsyncIterable<{ width: number; height: number }>, done: () => boolean): Promise<void> {
  for await (const size of resize) {
    if (done()) return;
    const pts = await ptyOf(pid);
    if (pts) await resizePty(pts, size);
  }
}

/**
 * Writes an attach session's stdin to the container's FIFO, in order. With stdinOnce the first session's end
 * closes the container's stdin for good (the shim drops its writer when FIFO.closed appears); later sessions
 * get no stdin, as in Kubernetes.
 */
function attachStdin(fifo: string, once: boolean, stdin: Readable): void {
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
