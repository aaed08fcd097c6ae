// Data-plane worker processes, seen from the controller's process. It keeps the listening sockets (opened paused, so
// it never reads a byte) and hands each accepted connection to a worker in turn; workers get the route table and
// TLS material after every rebuild. A connection is served in-process instead while no worker has the current
// table (starting, restarting, just after a change), so routing never lags behind the controller.
import { fork, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../util/logger.js';
import type { ListenerInfo } from './proxy.js';
import type { RouteTable } from './routes.js';
import type { CertSnapshot } from './tls.js';

export type ListenerName = 'http' | 'https';

export type ToWorker =
  | { t: 'init'; fake: { key: string; cert: string }; rawHttp: boolean; http?: ListenerInfo; https?: ListenerInfo }
  | { t: 'state'; generation: number; routes: RouteTable; certs: CertSnapshot }
  | { t: 'conn'; l: ListenerName };

export type FromWorker =
  | { t: 'ready'; generation: number }
  | { t: 'log'; level: 'error' | 'warn' | 'info'; msg: string; fields: Record<string, unknown> };

export interface WorkerPoolOptions {
  count: number;
  log: Logger;
  fake: { key: string; cert: string };
  /** Plain HTTP/1.1 through the raw data path. */
  rawHttp: boolean;
  http?: ListenerInfo;
  https?: ListenerInfo;
  /** The current table and certificates, sent whole after each rebuild. */
  state(): { routes: RouteTable; certs: CertSnapshot };
  /** Serves a connection in this process. */
  local(sock: Socket, l: ListenerName): void;
}

interface Worker {
  child: ChildProcess;
  /** The last table generation it confirmed (-1: none yet). */
  generation: number;
}

const RESPAWN_DELAY_MS = 1000;
const WORKER_FILE = fileURLToPath(new URL('./worker.js', import.meta.url));

export class WorkerPool {
  private readonly workers: Worker[] = [];
  private generation = 0;
  private next = 0;
  private closing = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Connections handed to a worker so far (for tests and logs). */
  handedOver = 0;

  constructor(private readonly o: WorkerPoolOptions) {}

  start(): void {
    for (let i = 0; i < this.o.count; i++) this.spawn();
  }

  /** Workers serving the current table (for tests and logs). */
  current(): number {
    return this.workers.filter((w) => w.generation === this.generation).length;
  }

  /** The workers' process ids. */
  pids(): number[] {
    return this.workers.flatMap((w) => (w.child.pid === undefined ? [] : [w.child.pid]));
  }

  /** Sends the current table to every worker; until one confirms, its share of new connections stays here. */
  push(): void {
    this.generation++;
    for (const w of this.workers) this.sendState(w);
  }

  dispatch(sock: Socket, l: ListenerName): void {
    const n = this.workers.length;
    for (let i = 0; i < n; i++) {
      const w = this.workers[this.next++ % n]!;
      if (this.next >= 1 << 30) this.next = 0;
      if (w.generation !== this.generation || !w.child.connected) continue;
      w.child.send({ t: 'conn', l } satisfies ToWorker, sock, (err) => {
        // Not handed over (the worker died meanwhile): the socket is still ours.
        if (!err) this.handedOver++;
        else if (!sock.destroyed) this.o.local(sock, l);
      });
      return;
    }
    this.o.local(sock, l);
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const t of this.timers) clearTimeout(t);
    await Promise.all(
      this.workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.child.exitCode !== null || w.child.signalCode !== null) return resolve();
            w.child.once('exit', () => resolve());
            w.child.kill();
          }),
      ),
    );
  }

  private spawn(): void {
    // No inherited flags: a test runner's or profiler's options are not meant for the workers.
    const child = fork(WORKER_FILE, [], { serialization: 'advanced', execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const w: Worker = { child, generation: -1 };
    this.workers.push(w);
    child.on('message', (m: FromWorker) => {
      if (m.t === 'ready') w.generation = m.generation;
      else this.o.log[m.level](m.msg, m.fields);
    });
    child.on('error', (err) => this.o.log.warn('ingress worker error', { err: err.message }));
    child.once('exit', (code, signal) => {
      const i = this.workers.indexOf(w);
      if (i >= 0) this.workers.splice(i, 1);
      if (this.closing) return;
      this.o.log.warn('ingress worker exited, restarting', { pid: child.pid, code, signal });
      const t = setTimeout(() => {
        this.timers.delete(t);
        if (!this.closing) this.spawn();
      }, RESPAWN_DELAY_MS);
      this.timers.add(t);
    });
    const init: ToWorker = { t: 'init', fake: this.o.fake, rawHttp: this.o.rawHttp };
    if (this.o.http) init.http = this.o.http;
    if (this.o.https) init.https = this.o.https;
    child.send(init);
    this.sendState(w);
  }

  private sendState(w: Worker): void {
    if (!w.child.connected) return;
    const { routes, certs } = this.o.state();
    w.child.send({ t: 'state', generation: this.generation, routes, certs } satisfies ToWorker);
  }
}
