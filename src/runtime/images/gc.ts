// Image garbage collection as kubelet decides it: nothing while the image disk is below highPercent; above it,
// free enough to come down to lowPercent, deleting unused images least recently used first and never one used
// (or pulled) within minAgeMs.
export interface GcCandidate {
  id: string;
  /** Bytes freed when this image goes. */
  bytes: number;
  /** Last use, or pull time when never used (ms since epoch). */
  lastUsedMs: number;
}

export interface GcPlanInput {
  capacity: number;
  available: number;
  images: GcCandidate[];
  inUse: Set<string>;
  highPercent: number;
  lowPercent: number;
  minAgeMs: number;
  nowMs: number;
}

export function planGc(o: GcPlanInput): string[] {
  if (o.capacity <= 0) return [];
  const usagePercent = 100 - (o.available * 100) / o.capacity;
  if (usagePercent < o.highPercent) return [];
  let toFree = o.capacity - o.available - (o.capacity * o.lowPercent) / 100;
  const victims: string[] = [];
  const order = o.images
    .filter((i) => !o.inUse.has(i.id) && o.nowMs - i.lastUsedMs >= o.minAgeMs)
    .sort((a, b) => a.lastUsedMs - b.lastUsedMs);
  for (const img of order) {
    if (toFree <= 0) break;
    victims.push(img.id);
    toFree -= img.bytes;
  }
  return victims;
}
