// `tug images rm` against a real runc container: refused while the container runs on the image's layers (naming
// the container and its pod), allowed for an untag, after the container exited, and with --force. Needs root and
// runc (skipped otherwise, failing when CI=true).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { buildImage, writeDockerArchive } from '../../test/support/oci-images.js';
import { requireTool } from '../../test/support/require-tool.js';
import { createImageService } from '../runtime/images/index.js';
import { OciRuntime } from '../runtime/oci/runtime.js';
import type { ContainerConfig, Sandbox } from '../runtime/types.js';

const tug = new URL('../../../bin/tug.js', import.meta.url).pathname;

describe('tug images rm and running containers', { concurrency: false }, () => {
  const data = mkdtempSync(join(tmpdir(), 'tug-rm-inuse-'));
  let rt: OciRuntime | undefined;
  const sandboxes: Sandbox[] = [];
  after(async () => {
    for (const sb of sandboxes) await rt?.removeSandbox(sb.id).catch(() => undefined);
    rmSync(data, { recursive: true, force: true });
  });

  const tugRm = (...args: string[]) => {
    const r = spawnSync(process.execPath, [tug, 'images', 'rm', ...args, '--data-dir', data], { encoding: 'utf8', timeout: 20_000 });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };

  it('refuses an image a running container stands on, not one only an exited container used', async (t) => {
    if (process.getuid?.() !== 0) {
      if (process.env.CI === 'true') throw new Error('this test needs root (overlay mounts, runc)');
      return t.skip('needs root (overlay mounts, runc)');
    }
    if (!requireTool(t, 'runc', 'apt-get install runc')) return;
    const svc = createImageService({ root: join(data, 'images') });
    try {
      // Each image has its own top layer over a shared busybox base.
      const a = await buildImage({ busybox: true, files: { a: { content: 'a' } } });
      const b = await buildImage({ busybox: true, files: { b: { content: 'b' } } });
      await writeDockerArchive(join(data, 'a.tar'), 'inuse:v1', a);
      await writeDockerArchive(join(data, 'a2.tar'), 'inuse:v2', a);
      await writeDockerArchive(join(data, 'b.tar'), 'forced:v1', b);
      for (const f of ['a.tar', 'a2.tar', 'b.tar']) await svc.import(join(data, f));
      // As `tug server` runs its runc handler: the runtime's directory is the data dir itself.
      rt = new OciRuntime({ dataDir: data, images: svc, binary: 'runc', pollMs: 50 });
      const uid = `u${process.pid}`;
      const sb = await rt.createSandbox({ podUid: uid, namespace: 'default', name: 'web-1', hostname: 'web-1', hostNetwork: true, podDir: join(data, 'pods', uid) });
      sandboxes.push(sb);
      // What the CNI pod network caches per pod (the CLI names the pod from it).
      mkdirSync(join(data, 'cni', 'results'), { recursive: true });
      writeFileSync(join(data, 'cni', 'results', `${uid}.json`), JSON.stringify({ tugInvocation: { args: { K8S_POD_NAMESPACE: 'default', K8S_POD_NAME: 'web-1' } } }));
      const cfg = (name: string, imageId: string): ContainerConfig => ({
        name,
        attempt: 0,
        argv: ['sleep', '30'],
        env: {},
        mounts: [],
        tty: false,
        stdin: false,
        stdinOnce: false,
        logPath: join(data, 'pods', uid, 'logs', name, '0.log'),
        oci: { imageId },
      });
      const web = await rt.createAndStart(sb, cfg('web', a.id));
      const other = await rt.createAndStart(sb, cfg('other', b.id));

      const refused = tugRm('inuse:v1', 'inuse:v2');
      // The first reference only drops a tag (the image keeps inuse:v2): nothing under the container goes.
      assert.match(refused.out, /^Deleted: docker\.io\/library\/inuse:v1\n$/);
      assert.equal(refused.code, 1, refused.err);
      assert.equal(
        refused.err,
        `tug: error: image "docker.io/library/inuse:v2" is in use by container ${web.id} (pod default/web-1); delete the pod first, or pass --force\n`,
      );
      assert.equal((await svc.inspect('inuse:v2'))?.id, a.id);

      await rt.stop(web.id, 0);
      assert.equal((await rt.status(web.id))?.status.state, 'exited');
      const gone = tugRm('inuse:v2');
      assert.equal(gone.code, 0, gone.err);
      assert.equal(await svc.inspect(a.id), undefined);

      const forced = tugRm('--force', 'forced:v1');
      assert.equal(forced.code, 0, forced.err);
      assert.equal(await svc.inspect(b.id), undefined);
      assert.equal((await rt.status(other.id))?.status.state, 'running');
    } finally {
      svc.close();
    }
  });
});
