// Running a controller: its informers synced, then workers taking keys until the signal aborts.
import { createWorkQueue, runWorkers } from '../../client/workqueue.js';
import type { Client, Informer, InformerFactory, WorkQueue } from '../../client/types.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import type { EventSink } from './events.js';

/** What every controller runs with. */
export interface ControllerEnv {
  client: Client;
  informers: InformerFactory;
  clock: Clock;
  logger: Logger;
  signal: AbortSignal;
}

/** What every start<Thing>Controller takes. */
export interface ControllerDeps extends ControllerEnv {
  recorder?: EventSink;
  /** Parallel reconciles (keys never overlap); default 2. */
  workers?: number;
}

/** What a controller class takes: the parts of ControllerDeps it reads, plus the queue its handlers fill. */
export interface ReconcilerDeps extends Pick<ControllerDeps, 'client' | 'informers' | 'clock' | 'logger' | 'recorder'> {
  queue: WorkQueue;
}

export function newQueue(clock: Clock, name: string): WorkQueue {
  return createWorkQueue({ clock, name });
}

/** Starts the informers (harmless when the factory already did), waits for them, then runs workers. */
export async function runController(opts: {
  name: string;
  deps: ControllerDeps;
  queue: WorkQueue;
  informers: Informer[];
  reconcile: (key: string) => Promise<void>;
}): Promise<void> {
  const { deps } = opts;
  const log = deps.logger.child(opts.name);
  await Promise.all(opts.informers.map((i) => i.start(deps.signal)));
  if (deps.signal.aborted) return;
  log.info('started');
  await runWorkers(opts.queue, opts.reconcile, { workers: deps.workers ?? 2, signal: deps.signal, logger: log });
  log.info('stopped');
}

/**
 * start<Thing>Controller in one call: builds the controller with its own queue and named logger, then runs it
 * with the informers it lists.
 */
export function startReconciler<D extends ControllerDeps>(
  name: string,
  deps: D,
  build: (d: D & ReconcilerDeps) => { informers: Informer[]; reconcile(key: string): Promise<void> },
): Promise<void> {
  const queue = newQueue(deps.clock, name);
  const c = build({ ...deps, logger: deps.logger.child(name), queue });
  return runController({ name, deps, queue, informers: c.informers, reconcile: (k) => c.reconcile(k) });
}
