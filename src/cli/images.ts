// `tug images ls|pull|rm|import`: the node's image store (DATA/images) from the command line, so locally built
// images (`docker save`, OCI archives) run without a registry, as `kind load` and `k3s ctr images import` allow.
import { Command, Option } from 'commander';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createImageService } from '../runtime/images/index.js';
import { planRemoval } from '../runtime/images/removal-plan.js';
import { containersStandingOn, type ImageUser } from '../runtime/oci/containers-on-disk.js';
import type { DockerAuths, ImageInfo } from '../runtime/types.js';
import { formatReference, parseReference } from '../runtime/images/reference.js';
import { defaultDataDir, flag } from './options.js';

const list = (v: string, prev: string[] | undefined) => [...(prev ?? []), ...v.split(',').filter(Boolean)];

interface CommonOpts {
  dataDir: string;
  insecureRegistry?: string[] | string;
  registryCa?: string[] | string;
}

const arr = (v: string[] | string | undefined) => (Array.isArray(v) ? v : v ? v.split(',').filter(Boolean) : []);

function service(o: CommonOpts, auths?: DockerAuths) {
  return createImageService({
    root: join(resolve(o.dataDir), 'images'),
    registries: { insecure: arr(o.insecureRegistry), caFiles: arr(o.registryCa), ...(auths ? { auths } : {}) },
  });
}

/** 1.2MB, 56.3kB, as crictl prints sizes (decimal units). */
export function humanSize(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return u === 0 ? `${n}B` : `${v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0).replace(/\.?0+$/, '')}${units[u]}`;
}

/** crictl images' table: one row per name:tag, `<none>` for untagged images. */
export function imagesTable(images: ImageInfo[]): string {
  const rows: string[][] = [['IMAGE', 'TAG', 'IMAGE ID', 'SIZE']];
  for (const img of images) {
    const id = img.id.replace(/^sha256:/, '').slice(0, 13);
    const names = img.repoTags.length > 0 ? img.repoTags : ['<none>:<none>'];
    for (const n of names) {
      const i = n.lastIndexOf(':');
      rows.push([n.slice(0, i), n.slice(i + 1), id, humanSize(img.size)]);
    }
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]! + 3))).join('').trimEnd()).join('\n') + '\n';
}

/** The reference as the store names it (busybox -> docker.io/library/busybox:latest); an ID as given. */
function displayName(ref: string): string {
  if (/^(?:sha256:)?[a-f0-9]{12,64}$/.test(ref)) return ref;
  try {
    return formatReference(parseReference(ref));
  } catch {
    return ref;
  }
}

/** `pod default/web-1` from the CNI result cache the pod network keeps per pod (src/network), else its uid. */
async function podLabel(dataDir: string, uid: string): Promise<string> {
  type Cached = { tugInvocation?: { args?: Record<string, string> } };
  const args = await readFile(join(dataDir, 'cni', 'results', `${uid}.json`), 'utf8').then(
    (t) => (JSON.parse(t) as Cached).tugInvocation?.args,
    () => undefined,
  );
  const ns = args?.K8S_POD_NAMESPACE;
  const name = args?.K8S_POD_NAME;
  return ns && name ? `pod ${ns}/${name}` : `pod uid ${uid}`;
}

/** "container web-0-1a2b3c4d (pod default/web-1)" for each user of the image. */
export async function describeUsers(dataDir: string, users: ImageUser[]): Promise<string> {
  const parts: string[] = [];
  for (const u of users) {
    const where = u.podUid ? await podLabel(dataDir, u.podUid) : 'being started';
    parts.push(`container ${u.id} (${where})`);
  }
  return parts.length > 1 ? `containers ${parts.map((p) => p.slice('container '.length)).join(', ')}` : (parts[0] ?? '');
}

/**
 * Throws, as `docker rmi` refuses with a conflict, when removing `ref` would delete layer directories that a live
 * (or starting) container's overlay stacks. Untagging one of several tags deletes nothing and always goes.
 */
async function refuseInUse(dataDir: string, ref: string, info: ImageInfo): Promise<void> {
  const plan = planRemoval(join(dataDir, 'images'), ref, info);
  if (plan.untagOnly) return;
  const users = await containersStandingOn({ dataDir, layerDirs: plan.layerDirs });
  if (!users.length) return;
  throw new Error(`image ${JSON.stringify(displayName(ref))} is in use by ${await describeUsers(dataDir, users)}; delete the pod first, or pass --force`);
}

function common(cmd: Command): Command {
  return cmd
    .addOption(flag('--data-dir <dir>', 'the data dir of the server or agent (images live in DATA/images)', defaultDataDir()))
    .addOption(flag('--insecure-registry <host:port>', 'pull from this registry over plain http (repeatable)').argParser(list))
    .addOption(flag('--registry-ca <file>', 'also trust this CA certificate for registries (repeatable)').argParser(list));
}

export function imagesCommand(): Command {
  const images = new Command('images').description('list, pull, remove and import images of this node\'s image store');

  images.addCommand(
    common(new Command('ls').alias('list').description('list images (like crictl images)'))
      .addOption(flag('-q, --quiet', 'print image IDs only'))
      .action(async (o: CommonOpts & { quiet?: boolean }) => {
        const svc = service(o);
        const all = (await svc.list()).sort((a, b) => (a.repoTags[0] ?? '~').localeCompare(b.repoTags[0] ?? '~'));
        svc.close();
        process.stdout.write(o.quiet ? all.map((i) => `${i.id}\n`).join('') : imagesTable(all));
      }),
  );

  images.addCommand(
    common(new Command('pull').description('pull an image from its registry').argument('<image>'))
      .addOption(flag('--username <name>', 'registry user name'))
      .addOption(flag('--password <password>', 'registry password (or TUG_PASSWORD)'))
      .action(async (ref: string, o: CommonOpts & { username?: string; password?: string }) => {
        const auths: DockerAuths | undefined = o.username
          ? { [parseReference(ref).registry]: { username: o.username, password: o.password ?? '' } }
          : undefined;
        const svc = service(o, auths);
        const tty = process.stderr.isTTY;
        let last = 0;
        const line = (s: string) => process.stderr.write(tty ? `\r\x1b[K${s}` : `${s}\n`);
        try {
          const info = await svc.pull(ref, {
            onProgress(p) {
              const t = Date.now();
              // One line redrawn at most 10 times a second (one line a second when stderr is a file).
              if (t - last < (tty ? 100 : 1000) && p.fetched < p.total) return;
              last = t;
              line(`${ref}: ${humanSize(p.fetched)}/${humanSize(p.total)}`);
            },
          });
          if (tty) process.stderr.write('\n');
          process.stdout.write(`Image is up to date for ${info.id}\n`);
        } finally {
          svc.close();
        }
      }),
  );

  images.addCommand(
    common(new Command('rm').alias('rmi').description('remove images by name or ID').argument('<image...>'))
      .addOption(
        // No TUG_FORCE twin: an environment variable must not silently turn this safety off.
        new Option(
          '-f, --force',
          'remove even an image a running container stands on: the container\'s root filesystem loses the image\'s files under it, so its programs fail on their next read or exec (delete the pod first instead)',
        ),
      )
      .action(async (refs: string[], o: CommonOpts & { force?: boolean }) => {
        const svc = service(o);
        try {
          for (const r of refs) {
            const info = await svc.inspect(r);
            if (info && !o.force) await refuseInUse(resolve(o.dataDir), r, info);
            await svc.remove(r);
            process.stdout.write(`Deleted: ${info?.repoTags.find((t) => t.endsWith(r)) ?? info?.id ?? r}\n`);
          }
        } finally {
          svc.close();
        }
      }),
  );

  images.addCommand(
    common(new Command('import').description('load a `docker save` or OCI archive tarball').argument('<file>'))
      .action(async (file: string, o: CommonOpts) => {
        const svc = service(o);
        try {
          const found = await svc.import(resolve(file));
          for (const i of found) process.stdout.write(`Loaded ${i.repoTags.join(', ') || '<untagged>'} ${i.id}\n`);
        } finally {
          svc.close();
        }
      }),
  );
  return images;
}
