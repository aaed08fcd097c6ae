// DNS over UDP and TCP on one address: cluster names answered by the Resolver, everything else relayed to the
// upstreams, SERVFAIL when none is configured or none answers. UDP answers larger than the client can take (512
// bytes, or its EDNS size) go out truncated so the client retries over TCP.
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server } from 'node:net';
import dnsPacket, { type Answer, type DecodedPacket, type Packet } from 'dns-packet';
import type { Logger } from '../util/logger.js';
import { forward, type Upstream } from './forward.js';
import type { Resolver } from './resolve.js';

const RCODES = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4 } as const;
/** The EDNS payload size we advertise and honour at most (the 2020 DNS flag day's figure). */
const EDNS_SIZE = 1232;

export interface Handler {
  resolver: Resolver;
  upstreams: Upstream[];
  timeoutMs?: number;
  logger: Logger;
}

function errorReply(query: Buffer, rcode: number): Buffer {
  // Header only: the ID, QR set, opcode and RD kept, the rcode.
  const out = Buffer.alloc(12);
  query.copy(out, 0, 0, Math.min(4, query.length));
  out[2] = (query.length > 2 ? query[2]! & 0x79 : 0) | 0x80;
  out[3] = 0x80 | rcode;
  return out;
}

/** The answer bytes for one query; maxSize: the client's UDP limit (undefined over TCP). */
export async function answer(h: Handler, query: Buffer, maxSize: number | undefined): Promise<Buffer | undefined> {
  if (query.length < 12) return undefined;
  let q: DecodedPacket;
  try {
    q = dnsPacket.decode(query);
  } catch {
    return errorReply(query, RCODES.FORMERR);
  }
  if (q.type !== 'query') return undefined;
  if (((q.flags ?? 0) >> 11) & 0xf) return errorReply(query, RCODES.NOTIMP);
  const question = q.questions?.[0];
  if (!question) return errorReply(query, RCODES.FORMERR);
  const opt = q.additionals?.find((a) => a.type === 'OPT') as { udpPayloadSize?: number } | undefined;
  const limit = maxSize === undefined ? undefined : opt ? Math.max(512, Math.min(opt.udpPayloadSize ?? 512, EDNS_SIZE)) : 512;

  const reply = h.resolver.resolve(question.name, question.type);
  if (!reply) {
    if (h.upstreams.length === 0) return errorReply(query, RCODES.SERVFAIL);
    const relayed = await forward(query, { upstreams: h.upstreams, ...(h.timeoutMs ? { timeoutMs: h.timeoutMs } : {}) }, maxSize === undefined).catch((e: Error) => {
      h.logger.debug('forward failed', { name: question.name, err: e });
      return undefined;
    });
    if (!relayed) return errorReply(query, RCODES.SERVFAIL);
    // A TCP answer too big for the client's datagram: the truncated form, so it asks again over TCP.
    if (limit !== undefined && relayed.length > limit) return truncate(relayed);
    return relayed;
  }
  await chaseExternal(h, reply.answers, question.type);
  const rd = (q.flags ?? 0) & dnsPacket.RECURSION_DESIRED;
  const packet: Packet = {
    type: 'response',
    id: q.id ?? 0,
    flags: dnsPacket.AUTHORITATIVE_ANSWER | dnsPacket.RECURSION_AVAILABLE | rd | RCODES[reply.rcode],
    questions: [question],
    answers: reply.answers,
    authorities: reply.authorities,
    additionals: [...reply.additionals, ...(opt ? [{ type: 'OPT', name: '.', udpPayloadSize: EDNS_SIZE, flags: 0 } as unknown as Answer] : [])],
  };
  const out = dnsPacket.encode(packet);
  if (limit !== undefined && out.length > limit) {
    return dnsPacket.encode({ ...packet, flags: (packet.flags ?? 0) | dnsPacket.TRUNCATED_RESPONSE, answers: [], authorities: [], additionals: [] });
  }
  return out;
}

/**
 * An ExternalName's CNAME to a name outside the cluster: its records are looked up upstream and appended, as
 * CoreDNS does, so a stub resolver (which does not chase CNAMEs itself) gets an address.
 */
async function chaseExternal(h: Handler, answers: Answer[], qtype: string): Promise<void> {
  const last = answers[answers.length - 1];
  if (!last || last.type !== 'CNAME' || qtype === 'CNAME' || h.upstreams.length === 0) return;
  const target = String(last.data);
  const query = dnsPacket.encode({ type: 'query', id: Math.floor(Math.random() * 65536), flags: dnsPacket.RECURSION_DESIRED, questions: [{ name: target, type: qtype as 'A' }] });
  const got = await forward(query, { upstreams: h.upstreams, ...(h.timeoutMs ? { timeoutMs: h.timeoutMs } : {}) }, false).catch(() => undefined);
  if (!got) return;
  try {
    answers.push(...(dnsPacket.decode(got).answers ?? []));
  } catch {
    // an upstream answer we cannot read: the CNAME alone
  }
}

/** The header and question of a message, TC set. */
function truncate(msg: Buffer): Buffer {
  try {
    const d = dnsPacket.decode(msg);
    return dnsPacket.encode({ type: 'response', id: d.id ?? 0, flags: (d.flags ?? 0) | dnsPacket.TRUNCATED_RESPONSE, questions: d.questions ?? [] });
  } catch {
    const out = Buffer.from(msg.subarray(0, 12));
    out[2] = out[2]! | 0x02;
    out.fill(0, 4);
    return out;
  }
}

export interface Listener {
  host: string;
  port: number;
  close(): Promise<void>;
}

/** Binds UDP and TCP on host:port (port 0: one free port for both). */
export async function listen(h: Handler, host: string, port: number): Promise<Listener> {
  for (let attempt = 0; ; attempt++) {
    // A large receive buffer (the kernel caps it at net.core.rmem_max): this socket shares the server's event
    // loop, and with the default ~200 KB a pause of a few hundred ms under a burst of lookups drops queries, which
    // a pod's resolver only retries after 5 s.
    const udp = createSocket({ type: host.includes(':') ? 'udp6' : 'udp4', recvBufferSize: 4 << 20 });
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(port, host, () => resolve());
    });
    const bound = udp.address().port;
    const tcp = createServer({ pauseOnConnect: false });
    const ok = await new Promise<boolean>((resolve, reject) => {
      tcp.once('error', (e: NodeJS.ErrnoException) => (e.code === 'EADDRINUSE' && port === 0 && attempt < 5 ? resolve(false) : reject(e)));
      tcp.listen(bound, host, () => resolve(true));
    }).catch((e: Error) => {
      udp.close();
      throw e;
    });
    if (!ok) {
      udp.close();
      continue;
    }
    serveUdp(h, udp);
    serveTcp(h, tcp);
    return {
      host,
      port: bound,
      close: () =>
        new Promise<void>((resolve) => {
          udp.close();
          tcp.close(() => resolve());
          // Open TCP connections end with the server.
          for (const s of sockets.get(tcp) ?? []) s.destroy();
        }),
    };
  }
}

function serveUdp(h: Handler, udp: Socket): void {
  udp.on('error', (e) => h.logger.warn('dns udp error', { err: e }));
  udp.on('message', (msg, rinfo) => {
    void answer(h, msg, 512).then(
      (out) => out && udp.send(out, rinfo.port, rinfo.address),
      (e: Error) => h.logger.warn('dns answer failed', { err: e }),
    );
  });
}

const sockets = new WeakMap<Server, Set<import('node:net').Socket>>();

function serveTcp(h: Handler, tcp: Server): void {
  const open = new Set<import('node:net').Socket>();
  sockets.set(tcp, open);
  tcp.on('connection', (sock) => {
    open.add(sock);
    sock.on('close', () => open.delete(sock));
    sock.on('error', () => sock.destroy());
    sock.setTimeout(10_000, () => sock.destroy());
    let buf = Buffer.alloc(0);
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      // Several queries may arrive on one connection (pipelined): answer each as it completes.
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
        buf = buf.subarray(2 + msg.length);
        void answer(h, Buffer.from(msg), undefined).then(
          (out) => {
            if (!out || sock.destroyed) return;
            const len = Buffer.alloc(2);
            len.writeUInt16BE(out.length);
            sock.write(Buffer.concat([len, out]));
          },
          (e: Error) => h.logger.warn('dns answer failed', { err: e }),
        );
      }
    });
  });
}
