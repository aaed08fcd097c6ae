// A tiny DNS server on loopback that stands in for "the internet's resolver" in tests: it answers a few fixed
// names (A records) and REFUSED for everything else, over UDP and TCP on one port. The cluster DNS is pointed at
// it with --dns-upstream, so no query ever leaves the machine; every question it gets is recorded.
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server } from 'node:net';

export interface DnsUpstream {
  port: number;
  /** Every question asked so far, as "name type" (name lower-case, no trailing dot; type as a number). */
  questions: { name: string; type: number }[];
  close(): Promise<void>;
}

const RCODE_REFUSED = 5;
const TYPE_A = 1;
const CLASS_IN = 1;

/** Reads the first question of a DNS message: its name, type, and where the question section ends. */
export function readQuestion(msg: Buffer): { name: string; type: number; end: number } | undefined {
  if (msg.length < 12 || msg.readUInt16BE(4) < 1) return undefined;
  const labels: string[] = [];
  let i = 12;
  for (;;) {
    const len = msg[i];
    if (len === undefined || len > 63) return undefined; // compression is never used in a question we accept
    i++;
    if (len === 0) break;
    if (i + len > msg.length) return undefined;
    labels.push(msg.subarray(i, i + len).toString('latin1'));
    i += len;
  }
  if (i + 4 > msg.length) return undefined;
  return { name: labels.join('.').toLowerCase(), type: msg.readUInt16BE(i), end: i + 4 };
}

/** The reply to query: the A records of records[name] for an A question, NOERROR-empty for other types of a known name, REFUSED otherwise. */
export function answer(query: Buffer, records: Record<string, string[]>): Buffer | undefined {
  const q = readQuestion(query);
  if (!q) return undefined;
  const known = records[q.name];
  const ips = known && (q.type === TYPE_A || q.type === 255) ? known : [];
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2); // id
  const rd = query[2]! & 0x01;
  header[2] = 0x80 | 0x04 | rd; // QR, AA, RD copied
  header[3] = 0x80 | (known ? 0 : RCODE_REFUSED); // RA
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(ips.length, 6);
  const question = query.subarray(12, q.end);
  const rrs = ips.map((ip) => {
    const rr = Buffer.alloc(16);
    rr.writeUInt16BE(0xc00c, 0); // pointer to the question's name
    rr.writeUInt16BE(TYPE_A, 2);
    rr.writeUInt16BE(CLASS_IN, 4);
    rr.writeUInt32BE(30, 6);
    rr.writeUInt16BE(4, 10);
    ip.split('.').forEach((o, k) => rr.writeUInt8(Number(o), 12 + k));
    return rr;
  });
  return Buffer.concat([header, question, ...rrs]);
}

/** Starts the server on 127.0.0.1 (UDP and TCP on the same free port). */
export async function startDnsUpstream(records: Record<string, string[]> = { 'outside.test': ['127.0.0.9'] }): Promise<DnsUpstream> {
  const questions: DnsUpstream['questions'] = [];
  const note = (msg: Buffer) => {
    const q = readQuestion(msg);
    if (q) questions.push({ name: q.name, type: q.type });
  };
  // A free port for both: take one for UDP, then TCP on it; retry if TCP finds it taken.
  for (let attempt = 0; ; attempt++) {
    const udp: Socket = createSocket('udp4');
    udp.on('message', (msg, from) => {
      note(msg);
      const reply = answer(msg, records);
      if (reply) udp.send(reply, from.port, from.address);
    });
    await new Promise<void>((res) => udp.bind(0, '127.0.0.1', res));
    const port = udp.address().port;
    const conns = new Set<import('node:net').Socket>();
    const tcp: Server = createServer((conn) => {
      conns.add(conn);
      conn.on('close', () => conns.delete(conn));
      let buf = Buffer.alloc(0);
      conn.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
          buf = buf.subarray(2 + msg.length);
          note(msg);
          const reply = answer(msg, records);
          if (!reply) continue;
          const len = Buffer.alloc(2);
          len.writeUInt16BE(reply.length);
          conn.write(Buffer.concat([len, reply]));
        }
      });
      conn.on('error', () => conn.destroy());
    });
    const ok = await new Promise<boolean>((res) => {
      tcp.once('error', () => res(false));
      tcp.listen(port, '127.0.0.1', () => res(true));
    });
    if (!ok) {
      udp.close();
      if (attempt < 5) continue;
      throw new Error('dns-upstream: no port free for both UDP and TCP');
    }
    return {
      port,
      questions,
      close: async () => {
        await new Promise<void>((res) => udp.close(() => res()));
        for (const c of conns) c.destroy();
        await new Promise<void>((res) => tcp.close(() => res()));
      },
    };
  }
}
