// What the image service's remove(ref) would delete, worked out from the index without changing anything: the
// unpacked layer directories only this image holds, or nothing when the reference just drops one of several tags.
// `tug images rm` asks this first, to refuse pulling layers from under a running container.
import { parseReference, repoName } from './reference.js';
import { ContentStore, type IndexFile } from './store.js';

const ID = /^(?:sha256:)?[a-f0-9]{12,64}$/;

export interface RemovalPlan {
  /** Only a tag goes (the image keeps its other tags and all its content). */
  untagOnly: boolean;
  /** Unpacked layer directories that would be deleted (no other image uses them). */
  layerDirs: string[];
}

/** Pure: mirrors remove(): a name:tag of an image with other tags only untags it. */
export function onlyUntags(ref: string, repoTags: string[]): boolean {
  if (ID.test(ref) || repoTags.length < 2) return false;
  try {
    const r = parseReference(ref);
    return !!r.tag && !r.digest && repoTags.includes(`${repoName(r)}:${r.tag}`);
  } catch {
    return false;
  }
}

/** Pure: the chain IDs of imageId's layers that no other image of the index holds. */
export function chainsOnlyIn(idx: IndexFile, imageId: string): string[] {
  const img = idx.images[imageId];
  if (!img) return [];
  const kept = new Set<string>();
  for (const r of Object.values(idx.images)) if (r.id !== imageId) for (const l of r.layers) kept.add(l.chainId);
  return [...new Set(img.layers.map((l) => l.chainId))].filter((c) => !kept.has(c));
}

/** The plan for removing `ref`, which resolved (ImageService.inspect) to imageId and these tags. */
export function planRemoval(root: string, ref: string, image: { id: string; repoTags: string[] }): RemovalPlan {
  if (onlyUntags(ref, image.repoTags)) return { untagOnly: true, layerDirs: [] };
  const store = new ContentStore(root);
  return { untagOnly: false, layerDirs: chainsOnlyIn(store.read(), image.id).map((c) => store.layerPath(c)) };
}
