// The pod's pause process: it holds the pod's IPC namespace (and, with shareProcessNamespace, its PID namespace as
// the namespace's init) so that every container of the pod can join them, as the pause container does under
// containerd. It is a detached `unshare ... perl` (a few MB), outliving the agent like the container shims; as PID 1
// it ignores SIGCHLD so orphans of the pod's containers are reaped by the kernel instead of piling up as zombies.
import { spawn } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import { procStartTime } from '../process/proc-stat.js';

export interface PauseRecord {
  /** The unshare process (killing it kills the holder too: --kill-child). */
  pid: number;
  pidStart?: string;
  /** The process whose /proc/<pid>/ns/{ipc,pid} the containers join. */
  holder: number;
  holderStart?: string;
  sharePid: boolean;
}

const PAUSE_PERL = '$SIG{CHLD}="IGNORE"; $0="tug-pause"; sleep 1e9 while 1';

export async function startPause(sharePid: boolean): Promise<PauseRecord> {
  const args = sharePid ? ['--ipc', '--pid', '--fork', '--kill-child', '--', 'perl', '-e', PAUSE_PERL] : ['--ipc', '--', 'perl', '-e', PAUSE_PERL];
  const child = spawn('unshare', args, { detached: true, stdio: 'ignore' });
  const pid = await new Promise<number>((resolve, reject) => {
    child.once('spawn', () => resolve(child.pid!));
    child.once('error', reject);
  });
  child.unref();
  const mine = readlinkSync('/proc/self/ns/ipc');
  // The namespace exists once unshare has switched (and, with --fork, its child has started): wait for that.
  for (let i = 0; i < 500; i++) {
    const holder = sharePid ? firstChild(pid) : pid;
    const ns = holder ? nsOf(holder, 'ipc') : undefined;
    if (holder && ns && ns !== mine) {
      return { pid, pidStart: procStartTime(pid), holder, holderStart: procStartTime(holder), sharePid };
    }
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 2));
  }
  stopPause({ pid, pidStart: procStartTime(pid), holder: 0, sharePid });
  throw new Error('the pod pause process did not start (unshare from util-linux needed)');
}

export function pauseAlive(p: PauseRecord): boolean {
  return !!p.holder && procStartTime(p.holder) === p.holderStart && p.holderStart !== undefined;
}

export function stopPause(p: PauseRecord): void {
  for (const [pid, start] of [[p.holder, p.holderStart], [p.pid, p.pidStart]] as const) {
    if (!pid || start === undefined || procStartTime(pid) !== start) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

function firstChild(pid: number): number | undefined {
  try {
    const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    return kids.length ? Number(kids[0]) : undefined;
  } catch {
    return undefined;
  }
}

function nsOf(pid: number, ns: string): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/${ns}`);
  } catch {
    return undefined;
  }
}
