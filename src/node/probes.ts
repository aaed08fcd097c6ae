// Running one probe (http, tcp, exec, grpc) and the per-container loop that applies the timing fields
// (initialDelaySeconds, periodSeconds, timeoutSeconds, successThreshold, failureThreshold), as kubelet's prober.
import type { Probe } from 'kubernetes-types/core/v1.js';
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import type { Container } from 'kubernetes-types/core/v1.js';

export interface ProbeResult {
  ok: boolean;
  message: string;
}

export interface ProbeTarget {
  /** The pod's IP (probes go there; 127.0.0.1 on the host network). */
  ip: string;
  container: Container;
  exec(argv: string[], timeoutMs: number): Promise<{ code: number; output: string }>;
}

function portOf(port: number | string | undefined, c: Container): number {
  if (typeof port === 'number') return port;
  const named = c.ports?.find((p) => p.name === port);
  return named?.containerPort ?? Number(port);
}

export async function runProbe(p: Probe, t: ProbeTarget): Promise<ProbeResult> {
  const timeoutMs = (p.timeoutSeconds ?? 1) * 1000;
  if (p.exec) {
    const r = await t.exec(p.exec.command ?? [], timeoutMs).catch((e: Error) => ({ code: -1, output: e.message }));
    return r.code === 0 ? { ok: true, message: '' } : { ok: false, message: r.output.trim() || `command exited with ${r.code}` };
  }
  if (p.httpGet) {
    const g = p.httpGet;
    const port = portOf(g.port, t.container);
    const host = g.host ?? t.ip;
    const scheme = (g.scheme ?? 'HTTP').toUpperCase();
    const path = g.path ?? '/';
    const url = `${scheme.toLowerCase()}://${host}:${port}${path}`;
    return new Promise((resolve) => {
      const headers: Record<string, string> = { 'User-Agent': 'kube-probe/1.33', Accept: '*/*' };
      for (const h of g.httpHeaders ?? []) headers[h.name] = h.value;
      const req = (scheme === 'HTTPS' ? httpsRequest : request)({ host, port, path, method: 'GET', headers, timeout: timeoutMs, rejectUnauthorized: false }, (res) => {
        res.resume();
        const code = res.statusCode ?? 0;
        resolve(code >= 200 && code < 400 ? { ok: true, message: '' } : { ok: false, message: `HTTP probe failed with statuscode: ${code}` });
      });
      req.on('timeout', () => {
        req.destroy();
        resolve({ ok: false, message: `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)` });
      });
      req.on('error', (e) => resolve({ ok: false, message: `Get "${url}": ${dialMessage(e, host, port)}` }));
      req.end();
    });
  }
  if (p.tcpSocket) {
    const port = portOf(p.tcpSocket.port, t.container);
    const host = p.tcpSocket.host ?? t.ip;
    return new Promise((resolve) => {
      const s = connect({ host, port, timeout: timeoutMs });
      s.once('connect', () => {
        s.destroy();
        resolve({ ok: true, message: '' });
      });
      s.once('timeout', () => {
        s.destroy();
        resolve({ ok: false, message: `dial tcp ${host}:${port}: i/o timeout` });
      });
      s.once('error', (e) => resolve({ ok: false, message: dialMessage(e, host, port) }));
    });
  }
  if (p.grpc) {
    // No gRPC client here: a TCP connect stands in for the health check (documented limitation).
    return runProbe({ ...p, grpc: undefined, tcpSocket: { port: p.grpc.port } }, t);
  }
  return { ok: true, message: '' };
}

function dialMessage(e: Error & { code?: string }, host: string, port: number): string {
  if (e.code === 'ECONNREFUSED') return `dial tcp ${host}:${port}: connect: connection refused`;
  return `dial tcp ${host}:${port}: ${e.message}`;
}

export type ProbeKind = 'liveness' | 'readiness' | 'startup';

export interface ProberOptions {
  kind: ProbeKind;
  probe: Probe;
  target: ProbeTarget;
  /** Called when the probe's verdict changes (after the thresholds). */
  onResult(ok: boolean, message: string): void;
  /** Startup probes hold liveness and readiness back until they succeed. */
  gate?: () => boolean;
}

/** Runs one probe on its period until stop() is called. */
export class Prober {
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private successes = 0;
  private failures = 0;
  verdict: boolean | undefined;

  constructor(private readonly o: ProberOptions) {
    const delay = (o.probe.initialDelaySeconds ?? 0) * 1000;
    this.timer = setTimeout(() => void this.tick(), delay);
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    if (!this.o.gate || this.o.gate()) {
      const r = await runProbe(this.o.probe, this.o.target).catch((e: Error) => ({ ok: false, message: e.message }));
      if (this.stopped) return;
      if (r.ok) {
        this.failures = 0;
        this.successes++;
        const need = this.o.kind === 'readiness' ? (this.o.probe.successThreshold ?? 1) : 1;
        if (this.successes >= need && this.verdict !== true) {
          this.verdict = true;
          this.o.onResult(true, '');
        }
      } else {
        this.successes = 0;
        this.failures++;
        if (this.failures >= (this.o.probe.failureThreshold ?? 3) && this.verdict !== false) {
          this.verdict = false;
          this.o.onResult(false, r.message);
        } else if (this.o.kind === 'readiness' && this.verdict === undefined && this.failures === 1) {
          this.verdict = false;
          this.o.onResult(false, r.message);
        }
      }
    }
    // A startup probe stops once it has succeeded.
    if (this.o.kind === 'startup' && this.verdict === true) return;
    this.timer = setTimeout(() => void this.tick(), (this.o.probe.periodSeconds ?? 10) * 1000);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }
}

/** A Writable that collects what a probe or hook command prints. */
export function collector(): { stream: Writable; text: () => string } {
  let s = '';
  const stream = new Writable({
    write(chunk: Buffer, _e, cb) {
      if (s.length < 10240) s += chunk.toString();
      cb();
    },
  });
  return { stream, text: () => s };
}
