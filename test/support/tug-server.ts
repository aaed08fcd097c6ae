// Starts a Tugboat API server for end-to-end tests (in process with the memory store, or as a `tug server`
// child process with sqlite), on a free port with a temp data dir, and runs real kubectl against it with its
// own discovery cache.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startApiServer } from '../../src/apiserver/index.js';
import { shellQuote } from '../../src/runtime/process/pty.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';
import type { Tool } from './require-tool.js';

export interface TugServer {
  kubeconfig: string;
  url: string;
  dataDir: string;
  adminToken: string;
  stop(): Promise<void>;
}

export async function startTugServer(): Promise<TugServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tug-e2e-'));
  const store = new MemoryStore();
  const api = await startApiServer({ dataDir, listen: { host: '127.0.0.1', port: 0 }, store });
  return {
    kubeconfig: api.kubeconfigPath,
    url: api.url,
    dataDir,
    adminToken: api.adminToken,
    async stop() {
      await api.close();
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** kubectl binaries on this machine by minor version: 1.32 is /usr/bin/kubectl, the rest the SDK's. */
export function kubectlPath(version: string): string {
  if (version === '1.32') return '/usr/bin/kubectl';
  return `/usr/lib/google-cloud-sdk/bin/kubectl.${version}`;
}

/** kubectl VERSION with its install hint, for requireRootAndTools and haveAllTools. */
export function kubectlTool(version: string): Tool {
  return [kubectlPath(version), `gcloud components install kubectl (${version})`];
}

export interface KubectlResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface KubectlOptions {
  input?: string;
  env?: Record<string, string>;
  /** Use this kubeconfig (set by the suite for the server it started). */
  kubeconfig?: string;
  cacheDir?: string;
  timeoutMs?: number;
}

/** Runs kubectl VERSION with args against opts.kubeconfig, with a per-run --cache-dir. */
export function kubectl(version: string, args: string[], opts: KubectlOptions = {}): Promise<KubectlResult> {
  const cacheDir = opts.cacheDir ?? mkdtempSync(join(tmpdir(), 'kubectl-cache-'));
  const full = [...(opts.kubeconfig ? ['--kubeconfig', opts.kubeconfig] : []), '--cache-dir', cacheDir, ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(kubectlPath(version), full, {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? tmpdir(), ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (!opts.cacheDir) rmSync(cacheDir, { recursive: true, force: true });
      resolve({ stdout, stderr, code: code ?? -1 });
    });
    // kubectl may exit without reading its input (a command that takes none): EPIPE there is not an error.
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

/** The repository root (this file runs from dist/test/support/). */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

export interface TugProcess {
  kubeconfig: string;
  url: string;
  dataDir: string;
  pid: number;
  /** Everything the server wrote to stdout and stderr so far (for failure messages). */
  output(): string;
  /** SIGTERM, then the exit code (null with the signal name when it died of a signal instead). */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts `tug server` through the real CLI as a child process (sqlite store, temp data dir, port 0 unless
 * given) and resolves once it prints its ready line, which names the URL and the kubeconfig.
 */
export async function startTugProcess(o: { port?: number; timeoutMs?: number } = {}): Promise<TugProcess> {
  // The same child-process starter as the cluster suites, with no simulated nodes and no node agent (these
  // suites test the API; an agent would register this machine and run pods for real). Loaded lazily:
  // tug-cluster imports this module.
  const { startTugCluster } = await import('./tug-cluster.js');
  const c = await startTugCluster({ simNodes: 0, ...(o.port !== undefined ? { port: o.port } : {}), ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}) });
  return {
    kubeconfig: c.kubeconfig,
    url: c.url,
    dataDir: c.dataDir,
    pid: c.pid,
    output: c.output,
    async stop() {
      const e = await c.stop();
      c.remove();
      return e;
    },
  };
}

export interface KubectlStream {
  /** Resolves with all stdout (or stderr) so far once it matches re; rejects after ms with what was seen. */
  waitFor(re: RegExp, ms?: number, from?: 'stdout' | 'stderr'): Promise<string>;
  /** Kills kubectl and resolves with its output. */
  stop(): Promise<KubectlResult>;
}

/** Runs a long-lived kubectl (get -w, wait) whose output the test reads as it comes. */
export function kubectlStream(version: string, args: string[], opts: KubectlOptions = {}): KubectlStream {
  const cacheDir = opts.cacheDir ?? mkdtempSync(join(tmpdir(), 'kubectl-cache-'));
  const full = [...(opts.kubeconfig ? ['--kubeconfig', opts.kubeconfig] : []), '--cache-dir', cacheDir, ...args];
  const child = spawn(kubectlPath(version), full, {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? tmpdir(), ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    for (const l of listeners) l();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    for (const l of listeners) l();
  });
  const closed = new Promise<number>((res) => child.on('close', (code) => res(code ?? -1)));
  const hardStop = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
  return {
    waitFor(re, ms = 15_000, from = 'stdout') {
      return new Promise((res, rej) => {
        const check = () => {
          const text = from === 'stdout' ? stdout : stderr;
          if (!re.test(text)) return;
          done();
          res(text);
        };
        const timer = setTimeout(() => {
          done();
          rej(new Error(`kubectl ${args.join(' ')}: no ${re} within ${ms} ms; stdout:\n${stdout}\nstderr:\n${stderr}`));
        }, ms);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const code = await closed;
      clearTimeout(hardStop);
      if (!opts.cacheDir) rmSync(cacheDir, { recursive: true, force: true });
      return { stdout, stderr, code };
    },
  };
}

export interface KubectlTtyOptions {
  kubeconfig: string;
  cacheDir: string;
  /** kubectl's HOME. */
  home: string;
  /** Typed once kubectl had time to set its terminal up; EOF follows. */
  input?: string;
  /** The terminal's size (80x24 unless told), which kubectl sends on and the pod's pty must take. */
  cols?: number;
  rows?: number;
}

/**
 * Runs kubectl VERSION args on a terminal of its own: kubectl only asks for a tty when its stdin is one, so it runs
 * under util-linux `script`. Resolves with the exit code and everything it wrote (one stream, as on a terminal).
 */
export function kubectlOnTty(version: string, args: string[], o: KubectlTtyOptions): Promise<{ code: number; out: string }> {
  const cmd = `stty cols ${o.cols ?? 80} rows ${o.rows ?? 24}; exec ` + shellQuote([kubectlPath(version), '--kubeconfig', o.kubeconfig, '--cache-dir', o.cacheDir, ...args]);
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-q', '-e', '-c', cmd, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: o.home, TERM: 'dumb' } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, out });
    });
    child.stdin.on('error', () => undefined);
    // Give kubectl time to set its terminal up before typing into it; EOF after that ends script's input.
    setTimeout(() => child.stdin.end(o.input ?? ''), 1500);
  });
}
