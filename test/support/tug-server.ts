// Starts a Tugboat API server for end-to-end tests (in process, on a free port, with a temp data dir and the
// memory store) and runs real kubectl against it with its own discovery cache.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApiServer } from '../../src/apiserver/index.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';

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
    child.stdin.end(opts.input ?? '');
  });
}
