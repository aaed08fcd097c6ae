// What every area of the kubectl suite gets: one kubectl version, the `tug server` process it drives, a
// per-version discovery cache and temp dir, and small assertion helpers.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubectl, kubectlStream, repoRoot, type KubectlResult, type KubectlStream, type TugProcess } from './support/tug-server.js';

export interface SuiteCtx {
  /** kubectl minor version, e.g. '1.30'. */
  v: string;
  server: TugProcess;
  /** A temp dir for files the areas write (removed at the end). */
  dir: string;
  /** kubectl's discovery cache for this version's runs. */
  cacheDir: string;
  /** Runs kubectl with the admin kubeconfig. */
  k(args: string[], o?: { input?: string; env?: Record<string, string> }): Promise<KubectlResult>;
  /** Runs kubectl, asserts exit code 0 and an empty stderr, returns stdout. */
  ok(args: string[], o?: { input?: string; env?: Record<string, string> }): Promise<string>;
  /** Runs kubectl, asserts it failed with code, returns stderr. */
  fails(args: string[], code?: number, o?: { input?: string }): Promise<string>;
  /** A long-running kubectl (get -w). */
  stream(args: string[], o?: { env?: Record<string, string> }): KubectlStream;
  /** Writes a file into the temp dir and returns its path. */
  file(name: string, text: string): string;
  close(): void;
}

export const fixture = (p: string) => join(repoRoot, 'test/fixtures', p);

/**
 * Creates a namespace and waits until it holds kube-root-ca.crt, as every namespace of a settled cluster does (the
 * root CA publisher writes it just after): listings then show what they show on Kubernetes.
 */
export async function settledNamespace(c: SuiteCtx, ns: string): Promise<void> {
  await c.ok(['create', 'namespace', ns]);
  const deadline = Date.now() + 10_000;
  while ((await c.k(['-n', ns, 'get', 'configmap', 'kube-root-ca.crt', '-o', 'name'])).code !== 0) {
    assert.ok(Date.now() < deadline, `kube-root-ca.crt never appeared in namespace ${ns}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function suiteCtx(v: string, server: TugProcess): SuiteCtx {
  const dir = mkdtempSync(join(tmpdir(), `kubectl-suite-${v}-`));
  const cacheDir = join(dir, 'cache');
  const k: SuiteCtx['k'] = (args, o = {}) => kubectl(v, args, { kubeconfig: server.kubeconfig, cacheDir, ...o });
  const show = (args: string[], r: KubectlResult) => `kubectl ${v} ${args.join(' ')} -> ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
  return {
    v,
    server,
    dir,
    cacheDir,
    k,
    async ok(args, o) {
      const r = await k(args, o);
      assert.equal(r.code, 0, show(args, r));
      assert.equal(r.stderr, '', show(args, r));
      return r.stdout;
    },
    async fails(args, code = 1, o) {
      const r = await k(args, o);
      assert.equal(r.code, code, show(args, r));
      return r.stderr;
    },
    stream: (args, o = {}) => kubectlStream(v, args, { kubeconfig: server.kubeconfig, cacheDir, ...o }),
    file(name, text) {
      const p = join(dir, name);
      writeFileSync(p, text);
      return p;
    },
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A namespace name unique to the version and area (namespaces are shared by nothing else). */
export const nsName = (v: string, area: string) => `${area}-${v.replace('.', '-')}`;
