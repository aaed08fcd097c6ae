// kubectl logs/exec/attach/cp/port-forward end to end, with real kubectl 1.27 (SPDY), 1.30 and 1.33 (WebSockets;
// port-forward over SPDY-in-WebSocket from 1.31), through the API server's relay to an agent stream server whose
// target is a fake (exec runs on this host, port-forward reaches 127.0.0.1).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startStreamCluster, type StreamCluster } from './support/stream-cluster.js';
import { kubectl, kubectlPath, type KubectlOptions } from './support/tug-server.js';

const VERSIONS = ['1.27', '1.30', '1.33'].filter((v) => existsSync(kubectlPath(v)));

function httpGet(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/hello' }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

describe('kubectl streams', () => {
  let c: StreamCluster;
  let web: Server;
  let webPort = 0;
  let work: string;
  const k = (v: string, args: string[], o: KubectlOptions = {}) => kubectl(v, args, { kubeconfig: c.kubeconfig, timeoutMs: 30_000, ...o });

  before(async () => {
    c = await startStreamCluster();
    c.target.appendLog('main', 'first line', new Date('2026-01-01T10:00:00Z'));
    c.target.appendLog('main', 'second line', new Date('2026-01-01T10:00:01Z'));
    c.target.appendLog('main', 'third line', new Date('2026-01-01T10:00:02Z'));
    web = createServer((req, res) => res.end(`hello from ${req.url}`));
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', () => r()));
    webPort = (web.address() as AddressInfo).port;
    work = mkdtempSync(join(tmpdir(), 'kubectl-cp-'));
  });
  after(async () => {
    await c.stop();
    web.close();
    rmSync(work, { recursive: true, force: true });
  });

  for (const v of VERSIONS) {
    describe(`kubectl ${v}`, () => {
      it('logs, --tail, --timestamps', async () => {
        const all = await k(v, ['logs', 'web']);
        assert.equal(all.code, 0, all.stderr);
        // Earlier versions' -f runs append lines after these three.
        assert.ok(all.stdout.startsWith('first line\nsecond line\nthird line\n'), all.stdout);
        const tail = await k(v, ['logs', 'web', '--tail=1', '--timestamps']);
        assert.match(tail.stdout, /^\d{4}-\d\d-\d\dT[\d:.]+Z (third line|followed line [\d.]+)\n$/);
        const bad = await k(v, ['logs', 'web', '-c', 'nope']);
        assert.notEqual(bad.code, 0);
        assert.match(bad.stderr, /container nope is not valid for pod web/);
      });

      it('logs -f streams new lines', async () => {
        const child = spawn(kubectlPath(v), ['--kubeconfig', c.kubeconfig, 'logs', '-f', 'web', '--tail=0'], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        const seen = new Promise<void>((resolve) => {
          child.stdout.on('data', (d: Buffer) => {
            out += d.toString();
            if (out.includes('followed line')) resolve();
          });
        });
        // The request is open once the agent has a follower; then the new line must arrive.
        const deadline = Date.now() + 10_000;
        while (!c.target.calls.some((x) => x.kind === 'logs' && x.container === 'main') || Date.now() < deadline - 9_500) {
          if (Date.now() > deadline) break;
          await new Promise((r) => setTimeout(r, 50));
        }
        c.target.appendLog('main', `followed line ${v}`);
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await seen;
        clearTimeout(timer);
        child.kill('SIGTERM');
        assert.match(out, new RegExp(`followed line ${v}`));
      });

      it('exec: output and exit code', async () => {
        const r = await k(v, ['exec', 'web', '--', 'sh', '-c', 'echo hi; echo oops >&2; exit 3']);
        assert.equal(r.code, 3);
        assert.equal(r.stdout, 'hi\n');
        assert.match(r.stderr, /oops\ncommand terminated with exit code 3/);
        const ok = await k(v, ['exec', 'web', '--', 'true']);
        assert.equal(ok.code, 0, ok.stderr);
      });

      it('exec -i passes stdin', async () => {
        const r = await k(v, ['exec', '-i', 'web', '--', 'sh', '-c', 'tr a-z A-Z'], { input: 'shout this\n' });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, 'SHOUT THIS\n');
      });

      it('exec -t (no terminal on our side: kubectl falls back, output still arrives)', async () => {
        const r = await k(v, ['exec', '-t', 'web', '--', 'sh', '-c', 'echo tty-out; echo tty-err >&2']);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /tty-out/);
        assert.match(r.stdout + r.stderr, /tty-err/);
      });

      it('attach -i echoes stdin', async () => {
        const r = await k(v, ['attach', '-i', 'web'], { input: 'ping\n' });
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /attached to main\nping\n/);
      });

      it('cp both ways', async () => {
        const src = join(work, `up-${v}.txt`);
        writeFileSync(src, `payload ${v}\n`.repeat(2000));
        const remote = join(work, `remote-${v}.txt`);
        const up = await k(v, ['cp', src, `web:${remote}`]);
        assert.equal(up.code, 0, up.stderr);
        assert.equal(readFileSync(remote, 'utf8'), readFileSync(src, 'utf8'));
        const back = join(work, `back-${v}.txt`);
        const down = await k(v, ['cp', `web:${remote}`, back]);
        assert.equal(down.code, 0, down.stderr);
        assert.equal(readFileSync(back, 'utf8'), readFileSync(src, 'utf8'));
      });

      it('port-forward serves an HTTP request', async () => {
        const child = spawn(kubectlPath(v), ['--kubeconfig', c.kubeconfig, 'port-forward', 'pod/web', `0:${webPort}`], { stdio: ['ignore', 'pipe', 'pipe'] });
        try {
          const local = await new Promise<number>((resolve, reject) => {
            let out = '';
            const timer = setTimeout(() => reject(new Error(`no forwarding line: ${out}`)), 15_000);
            child.stdout.on('data', (d: Buffer) => {
              out += d.toString();
              const m = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(out);
              if (m) {
                clearTimeout(timer);
                resolve(Number(m[1]));
              }
            });
          });
          assert.equal(await httpGet(local), 'hello from /hello');
          assert.equal(await httpGet(local), 'hello from /hello');
        } finally {
          child.kill('SIGTERM');
        }
      });
    });
  }
});
