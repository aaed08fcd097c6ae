// What the agent remembers per pod and container between syncs (rebuilt from the runtime after a restart).
import type { ContainerInfo, Sandbox } from '../runtime/types.js';
import type { Prober } from './probes.js';

export interface ContainerSlot {
  name: string;
  init: boolean;
  /** The current (newest) container, running or exited. */
  current?: ContainerInfo;
  /** The one before it: lastState, and `logs --previous`. */
  previous?: ContainerInfo;
  restartCount: number;
  /** CrashLoopBackOff: the next delay (0 = restart at once) and when the current wait ends. */
  backoffMs: number;
  backoffUntil?: number;
  /** Why the container is not running (CreateContainerConfigError, CrashLoopBackOff...). */
  waiting?: { reason: string; message?: string };
  /** The exit of `current` has been acted on (backoff counted). */
  handledExit?: string;
  probers: Prober[];
  ready: boolean;
  started: boolean;
  /** Set while the agent kills the container for a failed liveness probe or postStart hook. */
  killing?: boolean;
}

export interface PodSlot {
  uid: string;
  key: string;
  podDir: string;
  sandbox?: Sandbox;
  containers: Map<string, ContainerSlot>;
  tokens: Map<string, { token: string; refreshAt: number }>;
  startTime?: string;
  lastStatus?: string;
  terminating?: boolean;
}

export function newSlot(name: string, init: boolean): ContainerSlot {
  return { name, init, restartCount: 0, backoffMs: 0, probers: [], ready: false, started: false };
}

export const BACKOFF_START_MS = 10_000;
export const BACKOFF_MAX_MS = 300_000;
/** A container that ran this long has its backoff reset. */
export const BACKOFF_RESET_MS = 600_000;

/** The next CrashLoopBackOff delay after one more restart: 0 -> 10 s -> 20 s ... -> 5 min. */
export function nextBackoff(ms: number): number {
  return ms === 0 ? BACKOFF_START_MS : Math.min(ms * 2, BACKOFF_MAX_MS);
}

export function shouldRestart(policy: string | undefined, exitCode: number, init: boolean): boolean {
  if (init) return exitCode !== 0 && policy !== 'Never';
  if (policy === 'Never') return false;
  if (policy === 'OnFailure') return exitCode !== 0;
  return true;
}
