// Test fixture: a bridge of its own with a few network namespaces on it (veth pairs, addresses in one /24 of
// the pod CIDR), tiny HTTP servers answering their own name inside them, and the host claims a pod network makes
// (routes for the cluster and service CIDRs, ip_forward). Everything made is recorded and undone by cleanup().
import { spawn, type ChildProcess } from 'node:child_process';
import { runTool } from './exec.js';

export interface TestNet {
  bridge: string;
  gateway: string;
  /** Namespace name -> its address. */
  ips: Map<string, string>;
  /** Runs a node script inside a namespace; resolves to its stdout. */
  nodeIn(ns: string, script: string, timeoutMs?: number): Promise<string>;
  /** Starts `http.createServer` answering `name` (or at /ip the client's address) on port inside ns. */
  serve(ns: string, port: number, name?: string): Promise<void>;
  /** Starts a UDP server inside ns answering every datagram with `name`. */
  serveUdp(ns: string, port: number, name?: string): Promise<void>;
  cleanup(): Promise<void>;
}

const undoneLeftover = (what: string) => process.stderr.write(`testing-net: removed ${what} left by an earlier run\n`);

async function must(cmd: string, args: string[], input?: string): Promise<string> {
  const r = await runTool(cmd, args, input);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr.trim()}`);
  return r.stdout;
}

/** prefix: 3 octets inside 10.42.0.0/16, e.g. '10.42.250'; the bridge gets .1, namespaces .10 upward. */
export async function createTestNet(o: { bridge: string; prefix: string; namespaces: string[] }): Promise<TestNet> {
  const undo: (() => Promise<unknown>)[] = [];
  const procs = new Set<ChildProcess>();
  const gateway = `${o.prefix}.1`;
  const ips = new Map<string, string>();
  const cleanup = async () => {
    for (const p of procs) if (p.pid) p.kill('SIGKILL');
    for (const u of undo.reverse()) await u().catch(() => undefined);
    undo.length = 0;
  };
  // Leftovers of a run that was killed before its cleanup: these names are this fixture's own.
  for (const ns of o.namespaces) if ((await runTool('ip', ['netns', 'del', ns])).code === 0) undoneLeftover(ns);
  if ((await runTool('ip', ['link', 'del', o.bridge])).code === 0) undoneLeftover(o.bridge);
  try {
    await must('ip', ['link', 'add', o.bridge, 'type', 'bridge']);
    undo.push(() => runTool('ip', ['link', 'del', o.bridge]));
    await must('ip', ['addr', 'add', `${gateway}/24`, 'dev', o.bridge]);
    await must('ip', ['link', 'set', o.bridge, 'up']);
    let n = 10;
    for (const ns of o.namespaces) {
      const ip = `${o.prefix}.${n}`;
      const host = `${o.bridge.slice(0, 8)}h${n}`;
      n++;
      await must('ip', ['netns', 'add', ns]);
      undo.push(() => runTool('ip', ['netns', 'del', ns]));
      await must('ip', ['link', 'add', host, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      undo.push(() => runTool('ip', ['link', 'del', host]));
      await must('ip', ['link', 'set', host, 'master', o.bridge, 'up']);
      // As the CNI bridge plugin's hairpinMode: a pod reaching itself through a service comes back out its port.
      await must('ip', ['link', 'set', 'dev', host, 'type', 'bridge_slave', 'hairpin', 'on']);
      await must('ip', ['-n', ns, 'addr', 'add', `${ip}/24`, 'dev', 'eth0']);
      await must('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
      await must('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      await must('ip', ['-n', ns, 'route', 'add', 'default', 'via', gateway]);
      ips.set(ns, ip);
    }
  } catch (e) {
    await cleanup();
    throw e;
  }
  const nodeIn = async (ns: string, script: string, timeoutMs = 10_000) => {
    const r = await runTool('timeout', [`${timeoutMs / 1000}`, 'ip', 'netns', 'exec', ns, process.execPath, '-e', script]);
    if (r.code !== 0) throw new Error(`script in ${ns} failed (${r.code}): ${r.stderr.trim()}`);
    return r.stdout;
  };
  const start = async (ns: string, script: string) => {
    const p = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    procs.add(p);
    p.once('exit', () => procs.delete(p));
    await new Promise((resolve, reject) => {
      p.stdout?.once('data', resolve);
      p.once('exit', (c) => reject(new Error(`server in ${ns} exited ${c}`)));
    });
  };
  const serve = (ns: string, port: number, name = ns) =>
    start(ns, `require('http').createServer((q,r)=>r.end(q.url==='/ip'?q.socket.remoteAddress:${JSON.stringify(name)})).listen(${port},()=>console.log('up'))`);
  const serveUdp = (ns: string, port: number, name = ns) =>
    start(ns, `const s=require('dgram').createSocket('udp4');s.on('message',(m,r)=>s.send(${JSON.stringify(name)},r.port,r.address));s.bind(${port},()=>console.log('up'))`);
  return { bridge: o.bridge, gateway, ips, nodeIn, serve, serveUdp, cleanup };
}

/** A node script sending one UDP datagram to ip:port and printing the reply (or `timeout`). */
export function udpScript(ip: string, port: number): string {
  return `const s=require('dgram').createSocket('udp4');s.on('message',m=>{console.log(String(m));process.exit(0)});
s.send('q',${port},${JSON.stringify(ip)});setTimeout(()=>{console.log('timeout');process.exit(0)},2000)`;
}

/** A node script counting which backend answered each of n fresh-connection GETs; prints JSON counts. */
export function countScript(url: string, n: number): string {
  return `const http=require('http');const c={};let left=${n};
const one=()=>new Promise(r=>{const q=http.get(${JSON.stringify(url)},{agent:false},s=>{let b='';s.on('data',d=>b+=d);s.on('end',()=>{c[b]=(c[b]||0)+1;r()})});q.on('error',e=>{c['error:'+e.code]=(c['error:'+e.code]||0)+1;r()});q.setTimeout(2000,()=>q.destroy(Object.assign(new Error('t'),{code:'TIMEOUT'})))});
(async()=>{for(let i=0;i<${n};i++)await one();console.log(JSON.stringify(c))})()`;
}
