// Starts the real `docker-registry` (distribution 2.x, the Debian package) for tests: loopback only, storage in a
// temp dir, optional htpasswd basic auth and TLS with a throwaway CA. stop() kills exactly the process it started
// (by PID) and removes the dir.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { makeCert } from '../../src/apiserver/pki/certs.js';
import { exited, freePort, killAtExit } from './child-server.js';

export const REGISTRY_BIN = '/usr/bin/docker-registry';

export interface RegistryOptions {
  auth?: { username: string; password: string };
  tls?: boolean;
  bin?: string;
  readyTimeoutMs?: number;
}

export interface TestRegistry {
  /** 127.0.0.1:PORT */
  host: string;
  /** PEM of the CA that signed the serving certificate (tls only). */
  caFile?: string;
  /** The base URL, http:// or https://. */
  url: string;
  pid: number;
  /** Where the registry keeps its blobs (tests may corrupt or inspect them). */
  storageDir: string;
  stop(): Promise<void>;
}

/** Any HTTP answer on /v2/ (200 or 401) means the registry serves. */
function probe(url: string, ca: string | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    const u = new URL('/v2/', url);
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(u, { method: 'GET', ca, timeout: 1000 }, (res) => {
      res.resume();
      resolve((res.statusCode ?? 0) > 0);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

function configYaml(o: { storage: string; addr: string; htpasswd?: string; cert?: string; key?: string }): string {
  const lines = [
    'version: 0.1',
    'log:',
    '  level: warn',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${o.storage}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: ${o.addr}`,
  ];
  if (o.cert && o.key) lines.push('  tls:', `    certificate: ${o.cert}`, `    key: ${o.key}`);
  if (o.htpasswd) lines.push('auth:', '  htpasswd:', '    realm: tugboat-test', `    path: ${o.htpasswd}`);
  return lines.join('\n') + '\n';
}

export async function startRegistry(opts: RegistryOptions = {}): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'tug-registry-'));
  const storageDir = join(dir, 'storage');
  const files: { htpasswd?: string; cert?: string; key?: string } = {};
  let caFile: string | undefined;
  let caPem: string | undefined;
  if (opts.auth) {
    // distribution's htpasswd accepts bcrypt hashes only.
    files.htpasswd = join(dir, 'htpasswd');
    writeFileSync(files.htpasswd, `${opts.auth.username}:${bcrypt.hashSync(opts.auth.password, 5)}\n`);
  }
  if (opts.tls) {
    const ca = makeCert({ commonName: 'tugboat-test-registry-ca', usage: 'ca', days: 1 });
    const serving = makeCert({ commonName: '127.0.0.1', sans: ['127.0.0.1', 'localhost'], usage: 'server', days: 1 }, ca);
    caFile = join(dir, 'ca.crt');
    caPem = ca.cert;
    writeFileSync(caFile, ca.cert);
    files.cert = join(dir, 'tls.crt');
    files.key = join(dir, 'tls.key');
    writeFileSync(files.cert, serving.cert);
    writeFileSync(files.key, serving.key, { mode: 0o600 });
  }
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 10_000);
  for (let attempt = 0; ; attempt++) {
    const port = await freePort('127.0.0.1');
    const host = `127.0.0.1:${port}`;
    const configFile = join(dir, 'config.yml');
    writeFileSync(configFile, configYaml({ storage: storageDir, addr: host, ...files }));
    const child = spawn(opts.bin ?? REGISTRY_BIN, ['serve', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    killAtExit(child);
    let log = '';
    const keep = (b: Buffer) => {
      log = (log + b.toString()).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.on('error', (e) => keep(Buffer.from(String(e))));
    const url = `${opts.tls ? 'https' : 'http'}://${host}`;
    let ready = false;
    while (Date.now() < deadline && child.exitCode === null && child.signalCode === null) {
      if (await probe(url, caPem)) {
        ready = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    if (ready && child.pid) {
      const pid = child.pid;
      return {
        host,
        url,
        pid,
        storageDir,
        ...(caFile ? { caFile } : {}),
        async stop() {
          if (child.exitCode === null && child.signalCode === null) process.kill(pid, 'SIGKILL');
          await exited(child);
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    if (child.exitCode === null && child.signalCode === null && child.pid) child.kill('SIGKILL');
    await exited(child);
    // A lost race for the port: try another, until the deadline.
    if (/address already in use/.test(log) && attempt < 3 && Date.now() < deadline) continue;
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`docker-registry did not become ready at ${url}:\n${log}`);
  }
}
