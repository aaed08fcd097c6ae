// Starts `tug server --sim-nodes N` through the real CLI as a child process, for the workload end-to-end tests
// (and with `agent: true`, the node agent running real pods on this machine):
// extra flags, a data dir that survives the process (so a restart test can start again on it), and stop with
// SIGTERM or SIGKILL. The data dir is removed only by remove().
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clientFromKubeconfig, type RestClient } from '../../src/client/index.js';
import { repoRoot } from './tug-server.js';

export interface TugCluster {
  kubeconfig: string;
  url: string;
  dataDir: string;
  pid: number;
  /** Everything the server wrote so far (for failure messages). */
  output(): string;
  /** Sends the signal (SIGTERM unless told) and resolves with how the process ended. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Removes the data dir (after stop). */
  remove(): void;
}

export interface TugClusterOptions {
  /** Reuse this data dir (a restart); a fresh temp dir otherwise. */
  dataDir?: string;
  /** 0 picks a free port. */
  port?: number;
  simNodes?: number;
  /** Run the node agent for this machine too (off unless asked: pods go to the simulated nodes only). */
  agent?: boolean;
  /**
   * With the agent: also run the node services (proxy, cluster DNS on 10.43.0.10, ingress). Off unless asked:
   * they hold machine-wide addresses and ports that parallel test servers would fight over.
   */
  services?: boolean;
  /** More flags for `tug server`, e.g. ['--node-grace-period', '15']. */
  args?: string[];
  timeoutMs?: number;
}

/** Flags that keep a test server's agent from running the proxy, DNS and ingress. */
export const NO_NODE_SERVICES = ['--proxy-mode', 'none', '--no-dns', '--no-ingress'];

export async function startTugCluster(o: TugClusterOptions = {}): Promise<TugCluster> {
  const dataDir = o.dataDir ?? mkdtempSync(join(tmpdir(), 'tug-cluster-'));
  const args = [
    join(repoRoot, 'bin/tug.js'),
    'server',
    '--data-dir',
    dataDir,
    '--listen',
    `127.0.0.1:${o.port ?? 0}`,
    '--store',
    'sqlite',
    '--sim-nodes',
    String(o.simNodes ?? 3),
    // Pods go to the simulated nodes only unless asked: a real node agent would take some and run them.
    ...(o.agent ? [] : ['--no-agent']),
    ...(o.agent && !o.services ? NO_NODE_SERVICES : []),
    ...(o.args ?? []),
    // Suites run host commands as containers: the process runtime unless the caller names one (auto would
    // pick oci as root with runc).
    ...(o.agent && !(o.args ?? []).some((a) => a === '--runtime' || a.startsWith('--runtime=')) ? ['--runtime', 'process'] : []),
  ];
  const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    child.on('exit', (code, signal) => res({ code, signal })),
  );
  const timeoutMs = o.timeoutMs ?? 30_000;
  const ready = new Promise<{ url: string; kubeconfig: string }>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`tug server not ready after ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /ready at (https:\/\/\S+); kubeconfig written to (\S+)\n/.exec(out);
      if (m) {
        clearTimeout(timer);
        res({ url: m[1]!, kubeconfig: m[2]! });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then((e) => {
      clearTimeout(timer);
      rej(new Error(`tug server exited early (${e.code ?? e.signal}):\n${out}`));
    });
  });
  let r: { url: string; kubeconfig: string };
  try {
    r = await ready;
  } catch (e) {
    child.kill('SIGKILL');
    if (!o.dataDir) rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }
  return {
    ...r,
    dataDir,
    pid: child.pid ?? -1,
    output: () => out,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
    remove() {
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The port of an https://host:port URL. */
export function portOf(url: string): number {
  return Number(new URL(url).port);
}

/**
 * SIGTERM, then the data dir removed; asserts the server exited 0 of itself (the tail of its output in the
 * message). keepOutput sees all of the output first (to save it for debugging).
 */
export async function stopCleanly(server: TugCluster, o: { keepOutput?: (out: string) => void } = {}): Promise<void> {
  const exit = await server.stop('SIGTERM');
  const out = server.output();
  o.keepOutput?.(out);
  server.remove();
  assert.deepEqual(exit, { code: 0, signal: null }, out.slice(-3000));
}

/** A cluster for restart tests: started again on the same data dir and port, with a client that follows it. */
export interface RestartableCluster {
  /** The server as last started (throws before the first start). */
  readonly server: TugCluster;
  /** A client of that server: a new one after every start, the previous one closed. */
  readonly api: RestClient;
  /** Starts the server: the first time on a fresh data dir and a free port, after that on the same ones. */
  start(): Promise<void>;
  /** SIGKILL (asserted to be how it ended), pauseMs of nothing, start; resolves with how long it was down. */
  killAndRestart(pauseMs?: number): Promise<number>;
  /** Closes the client and, when started, stopCleanly. */
  stop(): Promise<void>;
}

export function restartableCluster(o: Omit<TugClusterOptions, 'dataDir' | 'port'>): RestartableCluster {
  let server: TugCluster | undefined;
  let api: RestClient | undefined;
  const start = async () => {
    server = await startTugCluster({ ...o, ...(server ? { dataDir: server.dataDir, port: portOf(server.url) } : {}) });
    api?.close();
    api = clientFromKubeconfig(server.kubeconfig);
  };
  const started = <T>(x: T | undefined): T => {
    if (x === undefined) throw new Error('the cluster was not started');
    return x;
  };
  return {
    get server() {
      return started(server);
    },
    get api() {
      return started(api);
    },
    start,
    async killAndRestart(pauseMs = 0) {
      const s = started(server);
      const exit = await s.stop('SIGKILL');
      assert.equal(exit.signal, 'SIGKILL', s.output());
      const down = Date.now();
      if (pauseMs) await new Promise((r) => setTimeout(r, pauseMs));
      await start();
      return Date.now() - down;
    },
    async stop() {
      api?.close();
      if (server) await stopCleanly(server);
    },
  };
}
