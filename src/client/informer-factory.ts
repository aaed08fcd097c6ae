// Shared informers: one per resource whoever asks, so the scheduler and every controller share one cache and one
// watch per resource.
import type { KubeObject } from '../api/object.js';
import type { Logger } from '../util/logger.js';
import { SharedInformer } from './informer.js';
import { refString } from './resources.js';
import type { Client, InformerFactory, ResourceRef } from './types.js';

export interface InformerFactoryOptions {
  client: Client;
  logger?: Logger;
  /** Limit every informer to one namespace (all when unset). */
  namespace?: string;
  pageSize?: number;
  watchTimeoutSeconds?: number;
}

export class SharedInformerFactory implements InformerFactory {
  private readonly informers = new Map<string, SharedInformer>();
  constructor(private readonly o: InformerFactoryOptions) {}

  informer<T extends KubeObject = KubeObject>(res: ResourceRef): SharedInformer<T> {
    const id = refString(res);
    let inf = this.informers.get(id);
    if (!inf) {
      const { client, logger, namespace, pageSize, watchTimeoutSeconds } = this.o;
      inf = new SharedInformer({ client, logger, namespace, pageSize, watchTimeoutSeconds, resource: res });
      this.informers.set(id, inf);
    }
    return inf as unknown as SharedInformer<T>;
  }

  /** Starts every informer asked for so far (starting one twice is harmless) and waits for all to sync. */
  async start(signal: AbortSignal): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.start(signal)));
  }

  /** Resolves when every started informer's loop has ended (after the signal aborted). */
  async stopped(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.stopped()));
  }
}

export function createInformerFactory(o: InformerFactoryOptions): SharedInformerFactory {
  return new SharedInformerFactory(o);
}
