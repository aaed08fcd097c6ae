// `portForward` for both runtimes: a pod on the host network is reached on the host's loopback; a pod with a
// network namespace through a tiny Node relay started inside it with nsenter.
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';

// Writes '+' on stderr once connected (or the error), then copies stdin/stdout to the socket.
const RELAY =
  "const s=require('net').connect(+process.argv[1],'127.0.0.1');" +
  "s.on('connect',()=>process.stderr.write('+'));s.on('error',e=>{process.stderr.write(e.message);process.exit(1)});" +
  "process.stdin.pipe(s);s.pipe(process.stdout);s.on('close',()=>process.exit(0))";

/** Pipes the stream to 127.0.0.1:port in the pod's network until either side closes. */
export async function forwardToPod(o: { netnsPath: string | undefined; port: number; stream: Duplex; nsenter?: string }): Promise<void> {
  const { port, stream } = o;
  if (!o.netnsPath) {
    const sock = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      sock.once('connect', resolve);
      sock.once('error', reject);
    });
    stream.pipe(sock).pipe(stream);
    await new Promise<void>((resolve) => {
      sock.once('close', () => resolve());
      sock.on('error', () => undefined);
      stream.once('close', () => sock.destroy());
    });
    return;
  }
  const child = spawn(o.nsenter ?? 'nsenter', [`--net=${o.netnsPath}`, '--', process.execPath, '-e', RELAY, String(port)], { stdio: ['pipe', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      const s = d.toString();
      if (s.startsWith('+')) resolve();
      else err += s;
    });
    child.once('exit', () => reject(new Error(err || `cannot connect to port ${port} in the pod`)));
    child.once('error', reject);
  });
  stream.pipe(child.stdin);
  child.stdout.pipe(stream);
  child.stdin.on('error', () => undefined);
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    stream.once('close', () => child.kill('SIGTERM'));
  });
}
