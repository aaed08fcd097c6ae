// exec and attach sessions (the remotecommand protocols), whatever carries them: SPDY streams named by their
// streamType header, or WebSocket channels (0 stdin, 1 stdout, 2 stderr, 3 error, 4 resize; v5 adds 255 to close
// a channel). Both become a StreamSet for the target and a status written on the error stream at the end.
import { PassThrough, type Readable, Writable } from 'node:stream';
import type { WebSocket } from 'ws';
import type { StreamSet } from '../../runtime/types.js';
import { errorStatus, exitStatus, statusText, successStatus } from './exec-status.js';
import { header } from './spdy-frames.js';
import type { SpdySession, SpdyStream } from './spdy-session.js';

export const CHANNEL_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];

export interface CommandOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** The opened channels of one session, whichever transport. */
export interface CommandChannels {
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
  resize?: Readable;
  writeStatus(status: object): Promise<void>;
  close(): void;
}

const truthy = (v: string | null) => v === '1' || v === 'true';

/** Reads stdin/stdout/stderr/tty from the query (kubectl sends true/false, the kubelet API 1/0). */
export function commandOptions(q: URLSearchParams): CommandOptions {
  const tty = truthy(q.get('tty'));
  const o = { stdin: truthy(q.get('stdin')), stdout: truthy(q.get('stdout')), stderr: truthy(q.get('stderr')) && !tty, tty };
  if (!o.stdin && !o.stdout && !o.stderr) throw new Error('you must specify at least 1 of stdin, stdout, stderr');
  return o;
}

/** "v4.channel.k8s.io" -> 4; "channel.k8s.io" -> 1. */
export function protocolVersion(p: string): number {
  const m = /^v(\d+)\./.exec(p);
  return m ? Number(m[1]) : 1;
}

/** Terminal sizes from the resize stream: a run of JSON objects {"Width":w,"Height":h}. */
export async function* terminalSizes(r: Readable): AsyncGenerator<{ width: number; height: number }> {
  let buf = '';
  for await (const chunk of r) {
    buf += (chunk as Buffer).toString('utf8');
    let end: number;
    while ((end = buf.indexOf('}')) >= 0) {
      const text = buf.slice(buf.indexOf('{'), end + 1);
      buf = buf.slice(end + 1);
      try {
        const s = JSON.parse(text) as { Width?: number; Height?: number };
        yield { width: s.Width ?? 0, height: s.Height ?? 0 };
      } catch {
        // A garbled size is skipped, as the kubelet does.
      }
    }
  }
}

/** Runs the session: the target gets the streams; then outputs end and the status goes on the error stream. */
export async function runCommand(ch: CommandChannels, opts: CommandOptions, argv: string[] | undefined, run: (s: StreamSet) => Promise<number | void>): Promise<void> {
  const streams: StreamSet = { tty: opts.tty };
  if (ch.stdin) streams.stdin = ch.stdin;
  if (ch.stdout) streams.stdout = ch.stdout;
  if (ch.stderr) streams.stderr = ch.stderr;
  if (ch.resize) streams.resize = terminalSizes(ch.resize);
  let status: object;
  try {
    const code = await run(streams);
    status = typeof code === 'number' && code !== 0 ? exitStatus(argv ?? [], code) : successStatus();
  } catch (e) {
    status = errorStatus(e);
  }
  await Promise.all([endWritable(ch.stdout), endWritable(ch.stderr)]);
  await ch.writeStatus(status);
  ch.close();
}

function endWritable(w: Writable | undefined): Promise<void> {
  if (!w || w.destroyed) return Promise.resolve();
  if (w.writableFinished) return Promise.resolve();
  return new Promise((resolve) => {
    w.once('finish', resolve);
    w.once('close', resolve);
    w.once('error', () => resolve());
    if (!w.writableEnded) w.end();
  });
}

/** Collects the client's SPDY streams (error first, then the asked-for ones) until all have arrived. */
export function spdyCommandChannels(session: SpdySession, streams: AsyncIterable<SpdyStream>, opts: CommandOptions, protocol: string, timeoutMs = 30_000): Promise<CommandChannels> {
  const version = protocolVersion(protocol);
  const expected = 1 + Number(opts.stdin) + Number(opts.stdout) + Number(opts.stderr) + Number(opts.tty && version >= 3);
  return new Promise((resolve, reject) => {
    const got: Partial<Record<string, SpdyStream>> = {};
    let count = 0;
    const timer = setTimeout(() => reject(new Error('timed out waiting for client to create streams')), timeoutMs);
    void (async () => {
      for await (const s of streams) {
        const type = header(s.headers, 'streamtype') ?? '';
        if (!['error', 'stdin', 'stdout', 'stderr', 'resize'].includes(type)) {
          s.reset();
          continue;
        }
        got[type] = s;
        if (++count < expected) continue;
        clearTimeout(timer);
        const err = got['error'];
        // The client writes nothing on output streams and the error stream: our read side of them is done.
        for (const t of ['stdout', 'stderr', 'error']) got[t]?.resume();
        resolve({
          stdin: got['stdin'],
          stdout: got['stdout'],
          stderr: got['stderr'],
          resize: got['resize'],
          writeStatus: (status) =>
            new Promise<void>((done) => {
              if (!err) return done();
              const text = version >= 4 ? JSON.stringify(status) : statusText(status);
              if (text) err.write(text);
              err.end(() => done());
            }),
          close: () => session.close(),
        });
        return;
      }
      reject(new Error('connection closed before all streams were created'));
    })();
  });
}

/** A WebSocket session on the channel protocol: binary messages, first byte the channel. */
export function wsCommandChannels(ws: WebSocket, opts: CommandOptions, protocol: string): CommandChannels {
  const version = protocolVersion(protocol);
  const stdin = opts.stdin ? new PassThrough() : undefined;
  const resize = opts.tty ? new PassThrough() : undefined;
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (!isBinary || data.length === 0) return;
    const ch = data[0]!;
    const body = data.subarray(1);
    if (ch === 0) stdin?.write(body);
    else if (ch === 4) resize?.write(body);
    else if (ch === 255 && version >= 5 && body[0] === 0) stdin?.end();
  });
  const outputs: Writable[] = [];
  ws.on('close', () => {
    stdin?.end();
    resize?.end();
    // The client is gone: closing the outputs tells the target (an exec's process is killed, an attach ends).
    for (const w of outputs) w.destroy();
  });
  const channel = (id: number) => {
    const w = new Writable({
      write(chunk: Buffer, _enc, cb) {
        if (ws.readyState !== ws.OPEN) return cb(new Error('websocket closed'));
        ws.send(Buffer.concat([Buffer.from([id]), chunk]), { binary: true }, (e) => cb(e ?? null));
      },
    });
    // A write after the client left fails and closes the channel (which ends an attach); it must not be an
    // unhandled 'error' that takes the agent down.
    w.on('error', () => undefined);
    outputs.push(w);
    return w;
  };
  return {
    stdin,
    resize,
    stdout: opts.stdout ? channel(1) : undefined,
    stderr: opts.stderr ? channel(2) : undefined,
    writeStatus: (status) =>
      new Promise<void>((done) => {
        const text = version >= 4 ? JSON.stringify(status) : statusText(status);
        if (!text || ws.readyState !== ws.OPEN) return done();
        ws.send(Buffer.concat([Buffer.from([3]), Buffer.from(text)]), { binary: true }, () => done());
      }),
    close: () => ws.close(1000),
  };
}

/** Turns a session's onStream callbacks into an async iterable. */
export function streamQueue(): { push(s: SpdyStream): void; end(): void; iterable: AsyncIterable<SpdyStream> } {
  const items: SpdyStream[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  return {
    push(s) {
      items.push(s);
      wake?.();
    },
    end() {
      ended = true;
      wake?.();
    },
    iterable: {
      async *[Symbol.asyncIterator]() {
        for (;;) {
          const s = items.shift();
          if (s) {
            yield s;
            continue;
          }
          if (ended) return;
          await new Promise<void>((r) => (wake = r));
          wake = undefined;
        }
      },
    },
  };
}

