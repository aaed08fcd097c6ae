// The image service against the real docker-registry (distribution) on loopback: anonymous pulls, a multi-arch
// index, basic auth over TLS, the registry's own error words, digest verification, resumed downloads, archive
// imports, and `tug images` as a user runs it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createImageService } from '../src/runtime/images/index.js';
import { ImagePullError } from '../src/runtime/types.js';
import { findTool } from './support/require-tool.js';
import { buildImage, pushImage, pushIndex, writeDockerArchive, writeOciArchive, type BuiltImage } from './support/oci-images.js';
import { REGISTRY_BIN, startRegistry, type TestRegistry } from './support/registry.js';

const tug = new URL('../../bin/tug.js', import.meta.url).pathname;
const have = !!findTool(REGISTRY_BIN);
const missing = 'docker-registry not found: install it with `apt-get install docker-registry`';
if (!have && process.env.CI === 'true') throw new Error(missing);

/** A TCP relay that counts bytes from the registry and can cut each connection after `cutAfter` of them. */
async function countingProxy(target: string): Promise<{ host: string; bytes: () => number; reset(): void; cutAfter?: number; close(): Promise<void>; server: Server }> {
  const [h, p] = target.split(':');
  let total = 0;
  const state: { cutAfter?: number } = {};
  const server = createServer((client) => {
    const up = createConnection({ host: h!, port: Number(p) });
    let n = 0;
    client.on('data', (d) => up.write(d));
    up.on('data', (d: Buffer) => {
      const limit = state.cutAfter;
      if (limit !== undefined && n + d.length > limit) {
        const part = d.subarray(0, Math.max(0, limit - n));
        total += part.length;
        client.end(part);
        client.destroy();
        up.destroy();
        return;
      }
      n += d.length;
      total += d.length;
      client.write(d);
    });
    up.on('end', () => client.end());
    client.on('end', () => up.end());
    up.on('error', () => client.destroy());
    client.on('error', () => up.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const proxy = {
    host: `127.0.0.1:${port}`,
    server,
    bytes: () => total,
    reset: () => void (total = 0),
    get cutAfter() {
      return state.cutAfter;
    },
    set cutAfter(v: number | undefined) {
      state.cutAfter = v;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
  return proxy;
}

describe('images from a real registry', { skip: have ? false : missing }, () => {
  let reg: TestRegistry;
  let secure: TestRegistry;
  let img: BuiltImage;
  const dirs: string[] = [];
  const newRoot = () => {
    const d = mkdtempSync(join(tmpdir(), 'tug-images-'));
    dirs.push(d);
    return d;
  };
  const auth = { username: 'alice', password: 'wonder land' };

  before(async () => {
    [reg, secure] = await Promise.all([startRegistry(), startRegistry({ auth, tls: true })]);
    img = await buildImage({ busybox: true, files: { 'hello.txt': { content: 'hello' } }, config: { entrypoint: ['/bin/sh', '-c'], cmd: ['cat /hello.txt'], workingDir: '/' } });
    await pushImage(reg, 'app:1', img);
    await pushImage(secure, 'private:1', img, auth);
  });
  after(async () => {
    await Promise.all([reg?.stop(), secure?.stop()]);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('pulls anonymously over http, verifies, unpacks, and knows the image by tag, digest and ID', async () => {
    const svc = createImageService({ root: newRoot(), registries: { insecure: [reg.host] } });
    try {
      const seen: number[] = [];
      const info = await svc.pull(`${reg.host}/app:1`, { onProgress: (p) => seen.push(p.fetched) });
      assert.equal(info.id, img.id);
      assert.deepEqual(info.repoTags, [`${reg.host}/app:1`]);
      assert.deepEqual(info.repoDigests, [`${reg.host}/app@${img.manifest.digest}`]);
      assert.deepEqual(info.config, { entrypoint: ['/bin/sh', '-c'], cmd: ['cat /hello.txt'], workingDir: '/', env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] });
      assert.equal(seen[seen.length - 1], info.size);
      const layers = await svc.layers(info.id);
      assert.equal(layers.length, 2);
      assert.equal(readFileSync(join(layers[0]!, 'hello.txt'), 'utf8'), 'hello');
      assert.ok(existsSync(join(layers[1]!, 'bin/busybox')));
      assert.equal((await svc.inspect(`${reg.host}/app@${img.manifest.digest}`))?.id, img.id);
      assert.equal((await svc.inspect(img.id.slice(7, 20)))?.id, img.id);
      assert.equal(await svc.inspect(`${reg.host}/app:2`), undefined);
      assert.ok((await svc.inspect(img.id))?.lastUsed, 'layers() marks the image used');
    } finally {
      svc.close();
    }
  });

  it('picks linux/amd64 from a multi-arch index', async () => {
    const amd = await buildImage({ files: { arch: { content: 'amd64' } } });
    const arm = await buildImage({ files: { arch: { content: 'arm64' } }, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } });
    const digest = await pushIndex(reg, 'multi:1', [
      { platform: arm.platform, image: arm },
      { platform: amd.platform, image: amd },
    ]);
    const svc = createImageService({ root: newRoot(), registries: { insecure: [reg.host] }, platform: { os: 'linux', architecture: 'amd64' } });
    try {
      const info = await svc.pull(`${reg.host}/multi:1`);
      assert.equal(info.id, amd.id);
      assert.deepEqual(info.repoDigests, [`${reg.host}/multi@${digest}`]);
      assert.equal(readFileSync(join((await svc.layers(info.id))[0]!, 'arch'), 'utf8'), 'amd64');
      await assert.rejects(
        createImageService({ root: newRoot(), registries: { insecure: [reg.host] }, platform: { os: 'linux', architecture: 's390x' } }).pull(`${reg.host}/multi:1`),
        (e: unknown) => e instanceof ImagePullError && e.kind === 'not-found' && /no image for linux\/s390x.*linux\/arm64\/v8, linux\/amd64/.test(e.message),
      );
    } finally {
      svc.close();
    }
  });

  it('a basic-auth TLS registry refuses without credentials, in its own words, and serves with them', async () => {
    const ref = `${secure.host}/private:1`;
    const svc = createImageService({ root: newRoot(), registries: { caFiles: [secure.caFile!] } });
    try {
      await assert.rejects(svc.pull(ref), (e: unknown) => {
        assert.ok(e instanceof ImagePullError);
        assert.equal(e.kind, 'unauthorized');
        assert.match(e.message, /authentication required/);
        assert.match(e.message, /no credentials for 127\.0\.0\.1/);
        return true;
      });
      await assert.rejects(svc.pull(ref, { auths: [{ [secure.host]: { username: 'alice', password: 'nope' } }] }), (e: unknown) =>
        e instanceof ImagePullError && e.kind === 'unauthorized' && /were refused/.test(e.message));
      const info = await svc.pull(ref, { auths: [{ [`https://${secure.host}`]: { auth: Buffer.from(`${auth.username}:${auth.password}`).toString('base64') } }] });
      assert.equal(info.id, img.id);
    } finally {
      svc.close();
    }
    // Without the CA, the certificate is not trusted: said so.
    const untrusting = createImageService({ root: newRoot() });
    await assert.rejects(untrusting.pull(ref), (e: unknown) => e instanceof ImagePullError && e.kind === 'network' && /certificate|CA/.test(e.message));
    untrusting.close();
  });

  it('a wrong tag is not-found with the registry message; an unknown repository too', async () => {
    const svc = createImageService({ root: newRoot(), registries: { insecure: [reg.host] } });
    try {
      await assert.rejects(svc.pull(`${reg.host}/app:nope`), (e: unknown) =>
        e instanceof ImagePullError && e.kind === 'not-found' && e.message === `${reg.host}/app:nope: not found: manifest unknown`);
      await assert.rejects(svc.pull(`${reg.host}/nothing:1`), (e: unknown) =>
        e instanceof ImagePullError && e.kind === 'not-found' && /repository name not known to registry|manifest unknown/.test(e.message));
    } finally {
      svc.close();
    }
  });

  it('a blob whose bytes do not match its digest is refused and discarded', async () => {
    const bad = await buildImage({ files: { f: { content: randomBytes(3000).toString('hex') } } });
    await pushImage(reg, 'corrupt:1', bad);
    const layer = bad.layers[0]!;
    const hex = layer.digest.slice(7);
    const data = join(reg.storageDir, 'docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data');
    const flipped = Buffer.from(layer.data);
    flipped[flipped.length - 10] = flipped[flipped.length - 10]! ^ 0xff;
    writeFileSync(data, flipped);
    const root = newRoot();
    const svc = createImageService({ root, registries: { insecure: [reg.host] } });
    try {
      await assert.rejects(svc.pull(`${reg.host}/corrupt:1`), (e: unknown) =>
        e instanceof ImagePullError && e.kind === 'invalid' && /failed verification.*discarded/.test(e.message));
      assert.ok(!existsSync(join(root, 'blobs/sha256', hex)));
      assert.deepEqual(readdirSync(join(root, 'ingest')), []);
    } finally {
      svc.close();
    }
  });

  it('resumes a download cut mid-blob: the next pull fetches only the rest', async () => {
    const size = 3 << 20;
    const big = await buildImage({ files: { blob: { content: randomBytes(size) } }, gzipLevel: 1 });
    await pushImage(reg, 'big:1', big);
    const proxy = await countingProxy(reg.host);
    const root = newRoot();
    const resumed: number[] = [];
    const logger = { error() {}, warn() {}, debug() {}, info(msg: string, f?: Record<string, unknown>) { if (msg === 'resuming blob download') resumed.push(Number(f?.offset)); }, child() { return logger; } };
    const svc = createImageService({ root, registries: { insecure: [proxy.host] }, logger });
    try {
      proxy.cutAfter = 256 << 10;
      await assert.rejects(svc.pull(`${proxy.host}/big:1`), (e: unknown) => e instanceof ImagePullError && e.kind === 'network');
      const partial = readdirSync(join(root, 'ingest'));
      assert.equal(partial.length, 1, 'the partial download is kept');
      assert.ok(resumed.length >= 2 && resumed.every((o, i) => i === 0 || o > resumed[i - 1]!), `each retry continued further: ${resumed}`);
      proxy.cutAfter = undefined;
      proxy.reset();
      resumed.length = 0;
      const info = await svc.pull(`${proxy.host}/big:1`);
      assert.equal(info.id, big.id);
      const layerBytes = big.layers[0]!.data.length;
      assert.equal(resumed.length, 1);
      const rest = layerBytes - resumed[0]!;
      assert.ok(proxy.bytes() < rest + 64 * 1024, `second pull moved ${proxy.bytes()} bytes, the rest was ${rest} of ${layerBytes}`);
      assert.equal(readFileSync(join((await svc.layers(info.id))[0]!, 'blob')).length, size);
    } finally {
      svc.close();
      await proxy.close();
    }
  });

  it('imports docker save and OCI archives with their tags', async () => {
    const dir = newRoot();
    const a = await buildImage({ busybox: true, config: { cmd: ['echo', 'docker'] } });
    const b = await buildImage({ files: { oci: { content: 'yes' } }, config: { cmd: ['echo', 'oci'] } });
    await writeDockerArchive(join(dir, 'docker.tar'), 'local/app:dev', a);
    await writeOciArchive(join(dir, 'oci.tar'), 'example.com/team/tool:2', b);
    const svc = createImageService({ root: join(dir, 'store') });
    try {
      const [ia] = await svc.import(join(dir, 'docker.tar'));
      assert.equal(ia?.id, a.id);
      assert.deepEqual(ia?.repoTags, ['docker.io/local/app:dev']);
      assert.deepEqual(ia?.config.cmd, ['echo', 'docker']);
      const [ib] = await svc.import(join(dir, 'oci.tar'));
      assert.equal(ib?.id, b.id);
      assert.deepEqual(ib?.repoTags, ['example.com/team/tool:2']);
      assert.equal((await svc.inspect('local/app:dev'))?.id, a.id);
      assert.ok(existsSync(join((await svc.layers(a.id))[0]!, 'bin/busybox')));
      assert.equal(readFileSync(join((await svc.layers(b.id))[0]!, 'oci'), 'utf8'), 'yes');
      await assert.rejects(svc.import(join(dir, 'store', 'images.json')), (e: unknown) => e instanceof ImagePullError && e.kind === 'invalid');
    } finally {
      svc.close();
    }
  });

  it('tug images pull, ls, rm and import as a user runs them', async () => {
    const data = newRoot();
    const tugRun = (...args: string[]) => {
      const r = spawnSync(process.execPath, [tug, 'images', ...args, '--data-dir', data], { encoding: 'utf8', timeout: 30_000 });
      return { code: r.status, out: r.stdout, err: r.stderr };
    };
    const pulled = tugRun('pull', '--insecure-registry', reg.host, `${reg.host}/app:1`);
    assert.equal(pulled.code, 0, pulled.err);
    assert.match(pulled.out, new RegExp(`${img.id}\\n$`));
    assert.match(pulled.err, /\d+(\.\d+)?[kM]?B\/\d+(\.\d+)?[kM]?B/);
    const priv = tugRun('pull', '--registry-ca', secure.caFile!, '--username', auth.username, '--password', auth.password, `${secure.host}/private:1`);
    assert.equal(priv.code, 0, priv.err);
    const denied = tugRun('pull', '--registry-ca', secure.caFile!, `${secure.host}/private:1`);
    assert.equal(denied.code, 1);
    assert.match(denied.err, /authentication required/);
    const archive = join(data, 'x.tar');
    await writeDockerArchive(archive, 'mine:v1', await buildImage({ files: { m: { content: 'm' } } }));
    const imp = tugRun('import', archive);
    assert.equal(imp.code, 0, imp.err);
    assert.match(imp.out, /Loaded docker\.io\/library\/mine:v1 sha256:/);
    const ls = tugRun('ls');
    assert.equal(ls.code, 0, ls.err);
    const lines = ls.out.trimEnd().split('\n');
    assert.match(lines[0]!, /^IMAGE\s+TAG\s+IMAGE ID\s+SIZE$/);
    assert.ok(lines.some((l) => new RegExp(`^${reg.host}/app\\s+1\\s+${img.id.slice(7, 20)}\\s+1\\.\\d+MB$`).test(l)), ls.out);
    assert.ok(lines.some((l) => /^docker\.io\/library\/mine\s+v1\s+[0-9a-f]{13}\s+[\d.]+k?B$/.test(l)), ls.out);
    const rm = tugRun('rm', 'mine:v1');
    assert.equal(rm.code, 0, rm.err);
    assert.doesNotMatch(tugRun('ls').out, /mine/);
    const gone = tugRun('rm', 'mine:v1');
    assert.equal(gone.code, 1);
    assert.match(gone.err, /no such image: mine:v1/);
  });
});
