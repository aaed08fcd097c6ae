// Names outside the cluster go to the configured upstreams as they came (same bytes, same ID): UDP first, TCP when
// the answer comes back truncated or the client itself asked over TCP; the next upstream on a timeout. No
// caching: the upstream's answer is relayed as it is.
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';

export interface Upstream {
  host: string;
  port: number;
}

/** "host", "host:port", "[v6]:port" or "v6". */
export function parseUpstream(s: string): Upstream {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (v6) return { host: v6[1]!, port: Number(v6[2] ?? 53) };
  const parts = s.split(':');
  if (parts.length === 2) return { host: parts[0]!, port: Number(parts[1]) };
  return { host: s, port: 53 };
}

const isTruncated = (msg: Buffer) => msg.length >= 4 && (msg[2]! & 0x02) !== 0;

export function queryUdp(u: Upstream, query: Buffer, timeoutMs: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const sock = createSocket(u.host.includes(':') ? 'udp6' : 'udp4');
    const done = (v: Buffer | undefined) => {
      clearTimeout(timer);
      sock.close();
      resolve(v);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    sock.on('error', () => done(undefined));
    sock.on('message', (msg, rinfo) => {
      // Only the upstream's answer to this query counts (same ID).
      if (rinfo.port === u.port && msg.length >= 2 && msg.readUInt16BE(0) === query.readUInt16BE(0)) done(msg);
    });
    sock.send(query, u.port, u.host, (err) => err && done(undefined));
  });
}

export function queryTcp(u: Upstream, query: Buffer, timeoutMs: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const sock = connect({ host: u.host, port: u.port });
    let buf = Buffer.alloc(0);
    const done = (v: Buffer | undefined) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    sock.on('error', () => done(undefined));
    sock.on('close', () => done(undefined));
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) done(buf.subarray(2, 2 + buf.readUInt16BE(0)));
    });
    const len = Buffer.alloc(2);
    len.writeUInt16BE(query.length);
    sock.write(Buffer.concat([len, query]));
  });
}

export interface ForwardOptions {
  upstreams: Upstream[];
  /** Per upstream and protocol (default 2 s). */
  timeoutMs?: number;
}

/** The upstream's answer, or undefined when none answered. tcp: the client asked over TCP. */
export async function forward(query: Buffer, o: ForwardOptions, tcp: boolean): Promise<Buffer | undefined> {
  const timeout = o.timeoutMs ?? 2000;
  for (const u of o.upstreams) {
    if (tcp) {
      const r = await queryTcp(u, query, timeout);
      if (r) return r;
      continue;
    }
    const r = await queryUdp(u, query, timeout);
    if (!r) continue;
    if (!isTruncated(r)) return r;
    return (await queryTcp(u, query, timeout)) ?? r;
  }
  return undefined;
}
