// Starts a throwaway single-member etcd for tests: loopback-only ports, a fresh temp data dir, and a stop() that
// kills exactly the process it started (by PID) and removes the dir. kill9() and restart() let tests simulate a
// crash and a recovery on the same ports and data.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exited, freePort, killAtExit } from './child-server.js';

export const ETCD_BIN = '/usr/bin/etcd';

export interface EtcdServer {
  /** The client URL, e.g. http://127.0.0.1:40123. */
  endpoint: string;
  /** PID of the current etcd process (changes after restart). */
  readonly pid: number;
  dataDir: string;
  /** SIGKILL the process and wait for it to exit; the data dir stays, for restart(). */
  kill9(): Promise<void>;
  /** Start etcd again on the same ports and data dir (after kill9). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface StartOptions {
  bin?: string;
  /** How long to wait for etcd to answer /health. */
  readyTimeoutMs?: number;
}

async function waitHealthy(endpoint: string, child: ChildProcess, log: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`etcd exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${log()}`);
    }
    try {
      const res = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1000) });
      const body = (await res.json()) as { health?: string };
      if (res.ok && body.health === 'true') return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`etcd at ${endpoint} not healthy after ${timeoutMs} ms:\n${log()}`);
}

function launch(bin: string, dataDir: string, clientPort: number, peerPort: number): { child: ChildProcess; log: () => string } {
  const client = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const child = spawn(
    bin,
    [
      '--name=tug-test',
      `--data-dir=${dataDir}`,
      `--listen-client-urls=${client}`,
      `--advertise-client-urls=${client}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=tug-test=${peer}`,
      '--initial-cluster-state=new',
      '--logger=zap',
      '--log-level=error',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  // Keep the tail of etcd's output for error messages only.
  let out = '';
  const keep = (chunk: Buffer) => (out = (out + chunk.toString()).slice(-8192));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  killAtExit(child);
  return { child, log: () => out };
}

export async function startEtcd(opts: StartOptions = {}): Promise<EtcdServer> {
  const bin = opts.bin ?? ETCD_BIN;
  const readyMs = opts.readyTimeoutMs ?? 20_000;
  const dataDir = mkdtempSync(join(tmpdir(), 'tug-etcd-'));
  let clientPort = 0;
  let peerPort = 0;
  let child: ChildProcess | undefined;

  const boot = async (): Promise<void> => {
    const l = launch(bin, dataDir, clientPort, peerPort);
    child = l.child;
    try {
      await waitHealthy(`http://127.0.0.1:${clientPort}`, l.child, l.log, readyMs);
    } catch (err) {
      l.child.kill('SIGKILL');
      await exited(l.child);
      throw err;
    }
  };

  // Ports can be taken between freePort() and etcd's bind: try a few times with fresh ports (and a fresh dir,
  // since a failed first boot may have written a member dir naming the old peer URL).
  for (let attempt = 1; ; attempt++) {
    clientPort = await freePort('127.0.0.1');
    peerPort = await freePort('127.0.0.1');
    if (peerPort === clientPort) continue;
    try {
      await boot();
      break;
    } catch (err) {
      rmSync(join(dataDir, 'member'), { recursive: true, force: true });
      if (attempt >= 3) {
        rmSync(dataDir, { recursive: true, force: true });
        throw err;
      }
    }
  }

  const kill = async (signal: NodeJS.Signals): Promise<void> => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    process.kill(c.pid!, signal); // by PID, never by name
    const timer = setTimeout(() => c.exitCode === null && c.signalCode === null && process.kill(c.pid!, 'SIGKILL'), 5000);
    await exited(c);
    clearTimeout(timer);
  };

  return {
    endpoint: `http://127.0.0.1:${clientPort}`,
    get pid() {
      return child?.pid ?? -1;
    },
    dataDir,
    kill9: () => kill('SIGKILL'),
    restart: async () => {
      await kill('SIGKILL');
      await boot();
    },
    stop: async () => {
      await kill('SIGTERM');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
