// The userspace proxy, for nodes without root or nft: NodePorts (and LoadBalancer ports on this node's own
// addresses) are served by TCP and UDP relays in this process, each connection or UDP client sent to a random
// endpoint that takes new connections. ClusterIPs are not reachable this way (nothing owns those addresses).
import { createServer, connect, type Server, type Socket } from 'node:net';
import { createSocket, type Socket as UdpSocket, type RemoteInfo } from 'node:dgram';
import type { Logger } from '../util/logger.js';
import type { Backend, ServicePortEntry } from './model.js';

/** How long a UDP client's relay socket lives without traffic. */
const UDP_IDLE_MS = 30_000;

export interface Listener {
  key: string;
  protocol: 'TCP' | 'UDP';
  ip: string;
  port: number;
  backends: Backend[];
}

/** The listeners a set of entries asks for on these addresses. */
export function desiredListeners(entries: ServicePortEntry[], nodeIPs: string[]): Map<string, Listener> {
  const out = new Map<string, Listener>();
  const add = (e: ServicePortEntry, ip: string, port: number) => {
    if (e.protocol === 'SCTP') return;
    const backends = e.externalLocal ? e.local : e.cluster;
    const key = `${e.protocol}/${ip}:${port}`;
    // Two services on one address and port (a misconfiguration): the first by name keeps it.
    if (!out.has(key)) out.set(key, { key, protocol: e.protocol, ip, port, backends });
  };
  for (const e of entries) {
    if (e.nodePort !== undefined) for (const ip of nodeIPs) add(e, ip, e.nodePort);
    for (const ip of [...e.loadBalancerIPs, ...e.externalIPs]) if (nodeIPs.includes(ip)) add(e, ip, e.port);
  }
  return out;
}

const pick = (b: Backend[]): Backend | undefined => b[Math.floor(Math.random() * b.length)];

interface Open {
  l: Listener;
  close(): Promise<void>;
}

export class UserspaceRelay {
  private readonly open = new Map<string, Open>();
  constructor(private readonly log: Logger) {}

  get keys(): string[] {
    return [...this.open.keys()].sort();
  }

  /** Opens, updates and closes listeners to match; a port that cannot be bound is retried on the next sync. */
  async reconcile(want: Map<string, Listener>): Promise<void> {
    for (const [key, o] of this.open) {
      if (!want.has(key)) {
        this.open.delete(key);
        await o.close();
      }
    }
    for (const [key, l] of want) {
      const have = this.open.get(key);
      if (have) {
        have.l.backends = l.backends; // live connections keep their backend; new ones see the new list
        continue;
      }
      try {
        this.open.set(key, l.protocol === 'TCP' ? await this.tcp(l) : await this.udp(l));
      } catch (e) {
        this.log.warn('cannot listen for service port', { listener: key, err: e });
      }
    }
  }

  async close(): Promise<void> {
    const all = [...this.open.values()];
    this.open.clear();
    await Promise.all(all.map((o) => o.close()));
  }

  private async tcp(l: Listener): Promise<Open> {
    const conns = new Set<Socket>();
    const server: Server = createServer((client) => {
      const b = pick(l.backends);
      if (!b) return client.resetAndDestroy(); // as the nft path rejects: no endpoint, connection refused
      const up = connect({ host: b.ip, port: b.port });
      conns.add(client).add(up);
      const end = () => {
        conns.delete(client);
        conns.delete(up);
      };
      client.on('close', end);
      up.on('close', end);
      client.on('error', () => up.destroy());
      up.on('error', () => client.resetAndDestroy());
      client.pipe(up).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: l.ip, port: l.port, exclusive: true }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (e) => this.log.warn('relay listener error', { listener: l.key, err: e }));
    return {
      l,
      close: () =>
        new Promise<void>((resolve) => {
          for (const c of conns) c.destroy();
          server.close(() => resolve());
        }),
    };
  }

  private async udp(l: Listener): Promise<Open> {
    const sock: UdpSocket = createSocket('udp4');
    const sessions = new Map<string, { up: UdpSocket; to: Backend; timer: NodeJS.Timeout }>();
    const drop = (k: string) => {
      const s = sessions.get(k);
      if (!s) return;
      sessions.delete(k);
      clearTimeout(s.timer);
      s.up.close();
    };
    sock.on('message', (msg: Buffer, from: RemoteInfo) => {
      const k = `${from.address}:${from.port}`;
      let s = sessions.get(k);
      if (s) s.timer.refresh();
      else {
        const to = pick(l.backends);
        if (!to) return;
        // One upstream socket per client, so replies find their way back to the client that asked.
        const up = createSocket('udp4');
        up.on('message', (reply) => sock.send(reply, from.port, from.address));
        up.on('error', () => drop(k));
        s = { up, to, timer: setTimeout(() => drop(k), UDP_IDLE_MS) };
        sessions.set(k, s);
      }
      s.up.send(msg, s.to.port, s.to.ip);
    });
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind({ address: l.ip, port: l.port, exclusive: true }, () => {
        sock.off('error', reject);
        resolve();
      });
    });
    sock.on('error', (e) => this.log.warn('relay listener error', { listener: l.key, err: e }));
    return {
      l,
      close: async () => {
        for (const k of [...sessions.keys()]) drop(k);
        await new Promise<void>((resolve) => sock.close(() => resolve()));
      },
    };
  }
}
