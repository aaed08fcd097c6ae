// kubelet's image garbage collection: every period, the images no container of this node uses are deleted, least
// recently used first, while the image disk is above the high threshold, down to the low one; none younger than
// the minimum age. The image service does the disk arithmetic; the agent knows which images are in use.
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { ContainerRuntime, ImageService } from '../runtime/types.js';
import type { ContainerSlot, PodSlot } from './pod-state.js';
import { RuntimeSet } from './runtime-set.js';

export interface ImageGcPolicy {
  highPercent: number;
  lowPercent: number;
  minAgeMs: number;
  periodMs: number;
}

/** kubelet's defaults: imageGCHighThresholdPercent 85, imageGCLowThresholdPercent 80, imageMinimumGCAge 2m, every 5m. */
export const DEFAULT_IMAGE_GC: ImageGcPolicy = { highPercent: 85, lowPercent: 80, minAgeMs: 120_000, periodMs: 300_000 };

export function imageServices(runtime: ContainerRuntime): ImageService[] {
  const all = runtime instanceof RuntimeSet ? runtime.all() : [runtime];
  return [...new Set(all.map((r) => r.images).filter((i): i is ImageService => !!i))];
}

/** IDs of the images the node's containers (current and previous attempts) were made from. */
export function imagesInUse(slots: Map<string, PodSlot>, statusImages: WeakMap<ContainerSlot, { id?: string }>): Set<string> {
  const out = new Set<string>();
  for (const s of slots.values()) for (const c of s.containers.values()) {
    const id = statusImages.get(c)?.id;
    if (id) out.add(id);
  }
  return out;
}

export async function runImageGc(o: {
  runtime: ContainerRuntime;
  slots: Map<string, PodSlot>;
  statusImages: WeakMap<ContainerSlot, { id?: string }>;
  clock: Clock;
  log: Logger;
  signal: AbortSignal;
  policy?: Partial<ImageGcPolicy> | undefined;
}): Promise<void> {
  const services = imageServices(o.runtime);
  if (!services.length) return;
  const p = { ...DEFAULT_IMAGE_GC, ...o.policy };
  while (!o.signal.aborted) {
    await o.clock.sleep(p.periodMs, o.signal).catch(() => undefined);
    if (o.signal.aborted) break;
    const inUse = imagesInUse(o.slots, o.statusImages);
    for (const images of services) {
      try {
        const removed = await images.gc({ inUse, highPercent: p.highPercent, lowPercent: p.lowPercent, minAgeMs: p.minAgeMs });
        if (removed.length) o.log.info('image garbage collection removed images', { images: removed });
      } catch (e) {
        o.log.warn('image garbage collection failed', { err: e });
      }
    }
  }
}
