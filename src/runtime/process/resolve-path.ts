// argv[0] resolution against the container's PATH, as execvp would do it, so a missing binary fails before the
// shim is spawned with the message runc gives.
import { accessSync, constants, statSync } from 'node:fs';
import { join } from 'node:path';

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

function isExecutable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** Absolute path of the program, or an Error whose message names what is missing. */
export function resolveProgram(argv0: string, env: Record<string, string>, cwd: string): string | Error {
  if (argv0.includes('/')) {
    const p = argv0.startsWith('/') ? argv0 : join(cwd, argv0);
    return isExecutable(p) ? p : new Error(`exec: "${argv0}": stat ${argv0}: no such file or directory`);
  }
  for (const dir of (env.PATH ?? DEFAULT_PATH).split(':')) {
    if (!dir) continue;
    const p = join(dir, argv0);
    if (isExecutable(p)) return p;
  }
  return new Error(`exec: "${argv0}": executable file not found in $PATH`);
}
