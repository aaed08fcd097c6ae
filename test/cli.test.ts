// The `tug` command as users meet it: help on every subcommand with TUG_* twins, and bad input (a corrupt
// database, an unusable data dir, an unreachable etcd) ending in one clear line, exit 1, and nothing overwritten.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clientFromKubeconfig, nodes } from '../src/client/index.js';
import { startTugProcess } from './support/tug-server.js';

const tug = new URL('../../bin/tug.js', import.meta.url).pathname;

function run(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [tug, ...args], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

describe('tug command line', () => {
  it('has --help on every subcommand, naming the TUG_* twin of each flag', () => {
    const top = run(['--help']);
    assert.equal(top.code, 0);
    for (const sub of ['server', 'up', 'kubeconfig']) {
      assert.match(top.stdout, new RegExp(`\\n\\s+${sub}\\b`));
      const h = run([sub, '--help']);
      assert.equal(h.code, 0, h.stderr);
      assert.match(h.stdout, /--data-dir <dir>[\s\S]*env:\s+TUG_DATA_DIR/);
    }
    assert.match(run(['server', '--help']).stdout, /--store <backend>[\s\S]*env:\s+TUG_STORE/);
  });

  it('takes flags from their TUG_* environment twins', () => {
    const r = run(['server', '--no-agent'], { TUG_LISTEN: 'not-an-address', TUG_DATA_DIR: tmpdir() });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--listen "not-an-address" is not HOST:PORT/);
  });

  it('refuses a corrupt database in one line, exit 1, without touching the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tug-cli-'));
    try {
      mkdirSync(join(dir, 'db'));
      const db = join(dir, 'db', 'state.db');
      writeFileSync(db, randomBytes(20_000));
      const before = sha(db);
      const r = run(['server', '--data-dir', dir, '--listen', '127.0.0.1:0', '--no-agent']);
      assert.equal(r.code, 1);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, /^tug: error: database .*state\.db is corrupt .*: restore it from a backup or move it aside/);
      assert.equal(sha(db), before);
      assert.deepEqual(readdirSync(join(dir, 'db')), ['state.db']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a data dir it cannot create, and an unreachable etcd, saying what to do', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tug-cli-'));
    try {
      writeFileSync(join(dir, 'file'), 'x');
      const bad = run(['server', '--data-dir', join(dir, 'file', 'sub'), '--listen', '127.0.0.1:0', '--no-agent']);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /^tug: error: cannot create .* \(ENOTDIR\): choose a --data-dir you can write to\n$/);
      const etcd = run(['server', '--data-dir', dir, '--store', 'etcd', '--etcd-endpoints', 'http://127.0.0.1:1', '--listen', '127.0.0.1:0', '--no-agent']);
      assert.equal(etcd.code, 1);
      assert.match(etcd.stderr, /^tug: error: cannot reach etcd at http:\/\/127\.0\.0\.1:1: check --etcd-endpoints and that etcd is running/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('tells the user to start a server when there is no kubeconfig yet', () => {
    const r = run(['kubeconfig', '--data-dir', join(tmpdir(), 'tug-none-here')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no kubeconfig at .*: start `tug server --data-dir .*` first/);
  });

  it('tug sim joins simulated nodes to a running server and takes them away on Ctrl-C', async () => {
    const server = await startTugProcess();
    try {
      const sim = spawn(process.execPath, [tug, 'sim', '--kubeconfig', server.kubeconfig, '--nodes', '3', '--name-prefix', 'scale-'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      sim.stdout.on('data', (d: Buffer) => (out += d.toString()));
      const exited = new Promise<number | null>((done) => sim.on('exit', (code) => done(code)));
      const deadline = Date.now() + 20_000;
      while (!out.includes('registered') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.match(out, /^tug sim: 3 simulated nodes registered \(scale-0 \.\.\. scale-2\); Ctrl-C stops them\n$/);
      const list = await clientFromKubeconfig(server.kubeconfig).list(nodes, undefined);
      assert.deepEqual(list.items.map((n) => n.metadata?.name).sort(), ['scale-0', 'scale-1', 'scale-2']);
      sim.kill('SIGINT');
      assert.equal(await exited, 0);
    } finally {
      const exit = await server.stop();
      assert.deepEqual(exit, { code: 0, signal: null }, server.output());
    }
  });
});
