// ImageLocality: prefer nodes that already hold the pod's images (less to pull), as kube-scheduler scores it.
// Each image found on the node counts its size times its spread (nodes holding it / all nodes), so an image
// present everywhere does not pile pods onto one node. The sum over init and regular containers is clamped to
// [23 MiB, 1000 MiB x containers] and scaled to 0..100.
// Example: a pod of gcr.io/40 and gcr.io/250 in a 2-node cluster; a node holding only gcr.io/250 (250 MiB), which
// no other node holds: sum = 250 * 1/2 = 125 MiB; score = 100 * (125 - 23) / (2 * 1000 - 23) = 5.
import type { KubeObject } from '../../api/object.js';
import type { NodeInfo } from '../node-info.js';
import type { PodInfo } from '../pod-info.js';
import { MAX_NODE_SCORE, type CycleState, type Plugin, type Snapshot } from '../types.js';

const MB = 1024 * 1024;
/** Below this the pull is cheap anyway: the score is 0. */
export const MIN_THRESHOLD = 23 * MB;
/** Per container: beyond this, more bytes do not raise the score. */
export const MAX_CONTAINER_THRESHOLD = 1000 * MB;

const STATE_KEY = 'ImageLocality';

/**
 * Kubernetes' normalization, and only it: a reference without a tag gets ":latest" (a digest reference keeps
 * its form). Registry prefixes are not added, so "nginx" does not match "docker.io/library/nginx:latest";
 * kube-scheduler misses that case too (its own TODO), and scores stay identical to it.
 */
export function normalizedImageName(name: string): string {
  return name.lastIndexOf(':') <= name.lastIndexOf('/') ? `${name}:latest` : name;
}

/** Image name -> size in bytes, from node.status.images; built once per node object (a new status, a new map). */
const nodeImages = new WeakMap<KubeObject, Map<string, number>>();

export function imagesOf(node: KubeObject): Map<string, number> {
  let m = nodeImages.get(node);
  if (!m) {
    m = new Map();
    const list = (node.status as { images?: { names?: string[]; sizeBytes?: number }[] } | undefined)?.images;
    for (const img of Array.isArray(list) ? list : []) {
      for (const n of img.names ?? []) m.set(n, Number(img.sizeBytes ?? 0));
    }
    nodeImages.set(node, m);
  }
  return m;
}

/** The pod's images (init containers first, then containers; duplicates kept, as each container counts). */
export function podImages(pod: KubeObject): string[] {
  const spec = (pod.spec ?? {}) as { initContainers?: { image?: string }[]; containers?: { image?: string }[] };
  const out: string[] = [];
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) out.push(normalizedImageName(c.image ?? ''));
  return out;
}

/** The sum of image scores clamped and scaled to 0..100 (integer division, as Kubernetes' int64 arithmetic). */
export function imageLocalityScore(sum: number, numContainers: number): number {
  if (numContainers <= 0) return 0;
  const max = MAX_CONTAINER_THRESHOLD * numContainers;
  const s = Math.min(Math.max(sum, MIN_THRESHOLD), max);
  return Math.floor((MAX_NODE_SCORE * (s - MIN_THRESHOLD)) / (max - MIN_THRESHOLD));
}

/** An image's size scaled by its spread, truncated to whole bytes (the same double arithmetic as Go's). */
export function scaledImageScore(size: number, numNodes: number, totalNodes: number): number {
  return Math.trunc(size * (numNodes / totalNodes));
}

interface PreScoreState {
  images: string[];
  /** name -> nodes holding it (over every node, not only the feasible ones). */
  spread: Map<string, number>;
  total: number;
}

export function imageLocality(): Plugin {
  return {
    name: 'ImageLocality',
    // Spread is counted here once per cycle, only for the pod's own images; no node holds any: every score is 0.
    preScore(state: CycleState, pod: PodInfo, _nodes: readonly NodeInfo[], snap: Snapshot) {
      const images = podImages(pod.pod);
      const spread = new Map<string, number>();
      for (const name of images) spread.set(name, 0);
      let any = false;
      for (const n of snap.nodes) {
        const held = imagesOf(n.node);
        if (held.size === 0) continue;
        for (const name of spread.keys()) {
          if (held.has(name)) {
            spread.set(name, spread.get(name)! + 1);
            any = true;
          }
        }
      }
      if (!any) return 'skip';
      state.write(STATE_KEY, { images, spread, total: snap.nodes.length } satisfies PreScoreState);
      return null;
    },
    score(state, _pod, node) {
      const s = state.read<PreScoreState>(STATE_KEY);
      if (!s) return 0;
      const held = imagesOf(node.node);
      let sum = 0;
      for (const name of s.images) {
        const size = held.get(name);
        if (size !== undefined) sum += scaledImageScore(size, s.spread.get(name) ?? 0, s.total);
      }
      return imageLocalityScore(sum, s.images.length);
    },
  };
}
