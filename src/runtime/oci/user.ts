// The user a container runs as: numeric ids from the pod or image, or a name ("app", "app:staff") from the image
// config looked up in the image's own /etc/passwd and /etc/group, as runc's libcontainer/user does.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface ResolvedUser {
  uid: number;
  gid: number;
}

function entries(text: string): string[][] {
  return text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(':'));
}

/** Resolves "user[:group]" (names or numbers) against the rootfs; a numeric user without a group gets its passwd gid, else 0. */
export async function resolveUser(rootfs: string, spec: string): Promise<ResolvedUser> {
  const [u = '', g] = spec.split(':', 2);
  const passwd = entries(await readFile(join(rootfs, 'etc/passwd'), 'utf8').catch(() => ''));
  let uid: number;
  let gid = 0;
  if (/^\d+$/.test(u)) {
    uid = Number(u);
    const e = passwd.find((p) => p[2] === u);
    if (e) gid = Number(e[3]);
  } else {
    const e = passwd.find((p) => p[0] === u);
    if (!e) throw new Error(`unable to find user ${u}: no matching entries in passwd file`);
    uid = Number(e[2]);
    gid = Number(e[3]);
  }
  if (g !== undefined && g !== '') {
    if (/^\d+$/.test(g)) gid = Number(g);
    else {
      const groups = entries(await readFile(join(rootfs, 'etc/group'), 'utf8').catch(() => ''));
      const e = groups.find((p) => p[0] === g);
      if (!e) throw new Error(`unable to find group ${g}: no matching entries in group file`);
      gid = Number(e[2]);
    }
  }
  return { uid, gid };
}
