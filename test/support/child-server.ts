// What a test needs to run a server binary of its own (etcd, docker-registry) or to hand a port to one: a port
// the kernel just gave out, the child killed by PID should the test process end without stopping it, and a
// wait for its exit.
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/**
 * A port the kernel just gave out on host (every address when none is named); free unless someone races us for
 * it, so callers that bind it later retry on "address already in use".
 */
export function freePort(host?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

const alive = new Set<ChildProcess>();
// A test process that dies without stopping its servers must not leave them running behind it.
process.once('exit', () => {
  for (const child of alive) if (child.pid) process.kill(child.pid, 'SIGKILL');
});

/** Kills child (by PID) if this process exits while it still runs. */
export function killAtExit(child: ChildProcess): void {
  alive.add(child);
  child.once('exit', () => alive.delete(child));
}

export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}
