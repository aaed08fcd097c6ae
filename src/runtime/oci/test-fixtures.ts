// Test helpers for the OCI runtime: a busybox image layer, an ImageService serving it, and a pod network of one
// bare network namespace (loopback up) per sandbox. Nothing here leaves the machine's loopback.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ImageInfo, ImageService, SandboxNetwork } from '../types.js';

const APPLETS = ['sh', 'echo', 'id', 'ls', 'cat', 'touch', 'ping', 'sleep', 'true', 'grep', 'dd', 'nc', 'readlink', 'ps', 'tty', 'stty', 'pwd', 'head', 'tr', 'mkdir', 'unshare'];

/** A one-layer image: static busybox with its applets, /etc/passwd knowing root and app (1000:1000). */
export function makeBusyboxLayer(dir: string): string {
  for (const d of ['bin', 'etc', 'proc', 'sys', 'dev', 'tmp']) mkdirSync(join(dir, d), { recursive: true });
  copyFileSync('/bin/busybox', join(dir, 'bin/busybox'));
  chmodSync(join(dir, 'bin/busybox'), 0o755);
  for (const a of APPLETS) symlinkSync('busybox', join(dir, 'bin', a));
  writeFileSync(join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1001:app:/home/app:/bin/sh\n');
  writeFileSync(join(dir, 'etc/group'), 'root:x:0:\napp:x:1001:\nstaff:x:50:\n');
  chmodSync(join(dir, 'tmp'), 0o1777);
  return dir;
}

export const IMAGE_ID = 'sha256:busyboxtest';

export function fakeImages(layers: string[]): ImageService {
  const info: ImageInfo = { id: IMAGE_ID, repoTags: ['test/busybox:1'], repoDigests: [], size: 0, config: {} };
  const no = () => Promise.reject(new Error('not in the fake'));
  return {
    inspect: async () => info,
    pull: async () => info,
    list: async () => [info],
    remove: no,
    import: no,
    gc: async () => [],
    layers: async (id) => (id === IMAGE_ID ? layers : Promise.reject(new Error(`no image ${id}`))),
  };
}

/** A network namespace per pod with only loopback: enough for localhost between a pod's containers. */
export function netnsNetwork(prefix: string): SandboxNetwork & { made: Set<string> } {
  const made = new Set<string>();
  return {
    mode: 'cni',
    made,
    async setUp(cfg) {
      const name = `${prefix}-${cfg.podUid}`.slice(0, 60);
      execFileSync('ip', ['netns', 'add', name]);
      execFileSync('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
      made.add(name);
      return { netnsPath: `/run/netns/${name}`, ip: '127.0.0.1' };
    },
    async tearDown(podUid) {
      const name = `${prefix}-${podUid}`.slice(0, 60);
      if (made.delete(name)) execFileSync('ip', ['netns', 'del', name]);
    },
  };
}
