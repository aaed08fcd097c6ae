// A StreamTarget for tests: exec runs the command on this host, logs come from lines the test appends, attach
// echoes stdin, port-forward connects to 127.0.0.1:port. The node agent's real target uses its runtime.
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { PassThrough, Readable, type Duplex } from 'node:stream';
import { errors } from '../../api/errors.js';
import type { StreamSet } from '../../runtime/types.js';
import type { LogOptions, PodRef, StreamTarget } from './target.js';

interface LogLine {
  time: Date;
  text: string;
}

export class FakeTarget implements StreamTarget {
  private readonly lines = new Map<string, LogLine[]>();
  private readonly followers = new Map<string, Set<PassThrough>>();
  private readonly followTimestamps = new WeakMap<PassThrough, boolean>();
  readonly calls: { kind: string; pod: PodRef; container?: string; argv?: string[]; port?: number }[] = [];

  appendLog(container: string, text: string, time = new Date()): void {
    const l = { time, text };
    const all = this.lines.get(container) ?? [];
    all.push(l);
    this.lines.set(container, all);
    for (const f of this.followers.get(container) ?? []) f.write(this.format(l, this.followTimestamps.get(f) ?? false));
  }

  private format(l: LogLine, timestamps: boolean): string {
    return timestamps ? `${l.time.toISOString()} ${l.text}\n` : `${l.text}\n`;
  }

  async logs(pod: PodRef, container: string, opts: LogOptions): Promise<Readable> {
    this.calls.push({ kind: 'logs', pod, container });
    const all = this.lines.get(container);
    if (!all) throw errors.badRequest(`container "${container}" in pod "${pod.name}" is waiting to start: ContainerCreating`);
    let picked = opts.tailLines !== undefined ? all.slice(Math.max(0, all.length - opts.tailLines)) : all;
    if (opts.sinceSeconds !== undefined) picked = picked.filter((l) => l.time.getTime() >= Date.now() - opts.sinceSeconds! * 1000);
    const text = picked.map((l) => this.format(l, opts.timestamps)).join('');
    if (!opts.follow) return Readable.from([Buffer.from(text)]);
    const out = new PassThrough();
    this.followTimestamps.set(out, opts.timestamps);
    out.write(text);
    const set = this.followers.get(container) ?? new Set();
    set.add(out);
    this.followers.set(container, set);
    out.on('close', () => set.delete(out));
    return out;
  }

  exec(pod: PodRef, container: string, argv: string[], s: StreamSet): Promise<number> {
    this.calls.push({ kind: 'exec', pod, container, argv });
    return new Promise((resolve, reject) => {
      const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
      child.on('error', (e) => reject(errors.internal(`exec failed: ${e.message}`)));
      child.stdin.on('error', () => {});
      if (s.stdin) s.stdin.pipe(child.stdin);
      else child.stdin.end();
      if (s.stdout) child.stdout.pipe(s.stdout, { end: false });
      else child.stdout.resume();
      // With a tty there is one output stream, as a terminal merges them.
      const errOut = s.tty ? s.stdout : s.stderr;
      if (errOut) child.stderr.pipe(errOut, { end: false });
      else child.stderr.resume();
      child.on('close', (code, signal) => {
        s.stdin?.unpipe(child.stdin);
        resolve(code ?? (signal ? 128 + 9 : 1));
      });
    });
  }

  async attach(pod: PodRef, container: string, s: StreamSet): Promise<void> {
    this.calls.push({ kind: 'attach', pod, container });
    s.stdout?.write(`attached to ${container}\n`);
    if (!s.stdin) return;
    for await (const chunk of s.stdin) s.stdout?.write(chunk as Buffer);
  }

  portForward(pod: PodRef, port: number, stream: Duplex): Promise<void> {
    this.calls.push({ kind: 'portForward', pod, port });
    return new Promise((resolve, reject) => {
      const sock = connect(port, '127.0.0.1');
      sock.once('error', (e) => {
        stream.resume();
        reject(e);
      });
      sock.once('connect', () => {
        stream.pipe(sock);
        sock.pipe(stream);
        sock.once('close', () => resolve());
      });
    });
  }
}
