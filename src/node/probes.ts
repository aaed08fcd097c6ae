// Running one probe (http, tcp, exec, grpc) and the per-container loop that applies the timing fields
// (initialDelaySeconds, periodSeconds, timeoutSeconds, successThreshold, failureThreshold), as kubelet's prober.
import type { Probe } from 'kubernetes-types/core/v1.js';
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as http2Connect, constants as h2 } from 'node:http2';
import { connect, isIPv6 } from 'node:net';
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
    return grpcHealthCheck({ host: t.ip, port: p.grpc.port, service: p.grpc.service ?? '', timeoutMs });
  }
  return { ok: true, message: '' };
}

// gRPC health checking (grpc.health.v1.Health/Check) over plain-text HTTP/2, worded as kubelet's grpc prober.
const servingStatus = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];
const grpcCodes = ['OK', 'Canceled', 'Unknown', 'InvalidArgument', 'DeadlineExceeded', 'NotFound', 'AlreadyExists', 'PermissionDenied',
  'ResourceExhausted', 'FailedPrecondition', 'Aborted', 'OutOfRange', 'Unimplemented', 'Internal', 'Unavailable', 'DataLoss', 'Unauthenticated'];

/** Go's time.Duration.String() for whole seconds, as kubelet prints the timeout ("1s", "1m30s"). */
export function goSeconds(sec: number): string {
  if (sec < 60) return `${sec}s`;
  const h = Math.floor(sec / 3600);
  const m = Math.floor((sec % 3600) / 60);
  return `${h ? `${h}h` : ''}${m}m${sec % 60}s`;
}

/** The 5-byte gRPC message header (no compression) around a HealthCheckRequest {1: service}. */
export function healthCheckRequest(service: string): Buffer {
  const name = Buffer.from(service, 'utf8');
  const body: number[] = [];
  if (name.length) {
    body.push(0x0a);
    for (let n = name.length; ; n >>>= 7) {
      if (n < 0x80) { body.push(n); break; }
      body.push((n & 0x7f) | 0x80);
    }
  }
  const msg = Buffer.concat([Buffer.from(body), name]);
  const head = Buffer.alloc(5);
  head.writeUInt32BE(msg.length, 1);
  return Buffer.concat([head, msg]);
}

/** The status enum of a framed HealthCheckResponse (0 = UNKNOWN when absent); undefined if malformed. */
export function parseHealthCheckResponse(frame: Buffer): number | undefined {
  if (frame.length < 5 || frame[0] !== 0) return undefined;
  const len = frame.readUInt32BE(1);
  const msg = frame.subarray(5, 5 + len);
  if (msg.length !== len) return undefined;
  let status = 0;
  let i = 0;
  const varint = (): number => {
    let v = 0;
    for (let shift = 0; i < msg.length; shift += 7) {
      const b = msg[i++] ?? 0;
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
    }
    throw new Error('truncated varint');
  };
  try {
    while (i < msg.length) {
      const key = varint();
      const wire = key & 7;
      if (key >>> 3 === 1 && wire === 0) status = varint();
      else if (wire === 0) varint();
      else if (wire === 2) i += varint();
      else if (wire === 1) i += 8;
      else if (wire === 5) i += 4;
      else return undefined;
    }
  } catch {
    return undefined;
  }
  return status;
}

export interface GrpcCheck {
  host: string;
  port: number;
  service: string;
  timeoutMs: number;
}

export function grpcHealthCheck(c: GrpcCheck): Promise<ProbeResult> {
  const addr = isIPv6(c.host) ? `[${c.host}]:${c.port}` : `${c.host}:${c.port}`;
  const within = goSeconds(Math.round(c.timeoutMs / 1000));
  return new Promise((resolve) => {
    let done = false;
    let connected = false;
    const session = http2Connect(`http://${addr}`);
    const finish = (r: ProbeResult): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      session.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => finish({ ok: false, message: connected
      ? `timeout: health rpc did not complete within ${within}`
      : `timeout: failed to connect service "${addr}" within ${within}: context deadline exceeded` }), c.timeoutMs);
    // kubelet dials blocking until its deadline, so an unreachable service reads as a connect timeout;
    // we answer at once with the same words instead of spinning until the deadline.
    session.on('error', () => {
      if (!connected) finish({ ok: false, message: `timeout: failed to connect service "${addr}" within ${within}: context deadline exceeded` });
      else finish({ ok: false, message: 'error: health rpc probe failed: rpc error: code = Unavailable desc = connection closed' });
    });
    session.once('connect', () => {
      connected = true;
      const req = session.request({
        [h2.HTTP2_HEADER_METHOD]: 'POST',
        [h2.HTTP2_HEADER_PATH]: '/grpc.health.v1.Health/Check',
        [h2.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc',
        [h2.HTTP2_HEADER_TE]: 'trailers',
        [h2.HTTP2_HEADER_USER_AGENT]: 'kube-probe/1.33',
      });
      const chunks: Buffer[] = [];
      let httpStatus = 0;
      let grpcStatus: string | undefined;
      let grpcMessage = '';
      const takeStatus = (h: Record<string, unknown>): void => {
        if (h['grpc-status'] !== undefined) grpcStatus = String(h['grpc-status']);
        if (h['grpc-message'] !== undefined) grpcMessage = decodeURIComponent(String(h['grpc-message']));
      };
      req.on('response', (h) => {
        httpStatus = Number(h[h2.HTTP2_HEADER_STATUS] ?? 0);
        takeStatus(h);
      });
      req.on('trailers', (h) => takeStatus(h));
      req.on('data', (b: Buffer) => chunks.push(b));
      req.on('error', (e) => finish({ ok: false, message: `error: health rpc probe failed: rpc error: code = Unavailable desc = ${e.message}` }));
      req.on('end', () => {
        if (httpStatus !== 200) {
          return finish({ ok: false, message: `error: health rpc probe failed: rpc error: code = Unknown desc = unexpected HTTP status code received from server: ${httpStatus}` });
        }
        const code = Number(grpcStatus ?? 2);
        if (code !== 0) {
          const name = grpcCodes[code] ?? `Code(${code})`;
          if (name === 'Unimplemented') {
            return finish({ ok: false, message: `error: this server does not implement the grpc health protocol (grpc.health.v1.Health): ${grpcMessage}` });
          }
          if (name === 'DeadlineExceeded') return finish({ ok: false, message: `timeout: health rpc did not complete within ${within}` });
          return finish({ ok: false, message: `error: health rpc probe failed: rpc error: code = ${name} desc = ${grpcMessage}` });
        }
        const status = parseHealthCheckResponse(Buffer.concat(chunks));
        if (status === undefined) {
          return finish({ ok: false, message: 'error: health rpc probe failed: rpc error: code = Internal desc = malformed HealthCheckResponse' });
        }
        if (status !== 1) {
          return finish({ ok: false, message: `service unhealthy (responded with "${servingStatus[status] ?? String(status)}")` });
        }
        finish({ ok: true, message: 'service healthy' });
      });
      // A stream reset or a connection dropped mid-call ends without 'end' (after it, finish is a no-op).
      req.on('close', () => finish({ ok: false, message: 'error: health rpc probe failed: rpc error: code = Unavailable desc = stream closed before a response' }));
      req.end(healthCheckRequest(c.service));
    });
  });
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
