// Which volume a claim binds (Kubernetes' findBestMatchForClaim): of the volumes free for it — or pre-bound to it —
// with the same class and volume mode, every requested access mode, at least the requested capacity, labels the
// claim's selector matches and (when a node is chosen) node affinity that admits the node, the smallest.
import { Quantity } from '../../api/quantity.js';
import { labelSelectorMatches } from '../../api/selectors.js';
import { nodeSelectorMatches } from '../../api/selectors.js';
import { ANN_BETA_CLASS, type PersistentVolume, type PersistentVolumeClaim } from './types.js';

export function claimClass(c: PersistentVolumeClaim): string {
  return c.metadata?.annotations?.[ANN_BETA_CLASS] ?? c.spec?.storageClassName ?? '';
}

export function volumeClass(v: PersistentVolume): string {
  return v.metadata?.annotations?.[ANN_BETA_CLASS] ?? v.spec?.storageClassName ?? '';
}

export function requestOf(c: PersistentVolumeClaim): Quantity {
  const r = c.spec?.resources?.requests?.storage;
  return (r !== undefined && Quantity.parse(r)) || Quantity.zero();
}

export function capacityOf(v: PersistentVolume): Quantity {
  const r = v.spec?.capacity?.storage;
  return (r !== undefined && Quantity.parse(r)) || Quantity.zero();
}

/** The claim's namespace/name and (when set) uid are what a volume's claimRef points at. */
export function isPreboundTo(v: PersistentVolume, c: PersistentVolumeClaim): boolean {
  const ref = v.spec?.claimRef;
  if (!ref?.name) return false;
  return ref.name === c.metadata?.name && ref.namespace === c.metadata?.namespace && (!ref.uid || ref.uid === c.metadata?.uid);
}

/** The node a volume's required node affinity admits, given node labels (no affinity: any node). */
export function volumeFitsNode(v: PersistentVolume, nodeName: string, nodeLabels: Record<string, string>): boolean {
  const req = v.spec?.nodeAffinity?.required;
  return !req || nodeSelectorMatches(req, nodeName, nodeLabels);
}

export interface MatchOptions {
  /** The node chosen for the claim's first consumer (WaitForFirstConsumer), with its labels. */
  node?: { name: string; labels: Record<string, string> };
}

/** Why a volume does not fit a claim, or undefined when it does (pure; the table tests read the reasons). */
export function mismatch(v: PersistentVolume, c: PersistentVolumeClaim, o: MatchOptions = {}): string | undefined {
  if (v.metadata?.deletionTimestamp) return 'deleting';
  const ref = v.spec?.claimRef;
  if (ref?.name && !isPreboundTo(v, c)) return 'bound to another claim';
  if (!ref?.name && v.status?.phase && v.status.phase !== 'Available' && v.status.phase !== 'Pending') return `phase ${v.status.phase}`;
  if (volumeClass(v) !== claimClass(c)) return 'storage class';
  if ((v.spec?.volumeMode ?? 'Filesystem') !== (c.spec?.volumeMode ?? 'Filesystem')) return 'volume mode';
  const modes = v.spec?.accessModes ?? [];
  if (!(c.spec?.accessModes ?? []).every((m) => modes.includes(m))) return 'access modes';
  if (capacityOf(v).cmp(requestOf(c)) < 0) return 'capacity';
  if (c.spec?.selector && !labelSelectorMatches(c.spec.selector, v.metadata?.labels ?? {})) return 'selector';
  if (o.node && !volumeFitsNode(v, o.node.name, o.node.labels)) return 'node affinity';
  return undefined;
}

/** A volume pre-bound to the claim wins; otherwise the smallest that fits (name breaks ties, for stable results). */
export function findBestVolume(c: PersistentVolumeClaim, volumes: readonly PersistentVolume[], o: MatchOptions = {}): PersistentVolume | undefined {
  const fits = volumes.filter((v) => mismatch(v, c, o) === undefined);
  const pre = fits.find((v) => isPreboundTo(v, c));
  if (pre) return pre;
  // A claim asking for a volume by name takes only that one (handled by the caller); a selector-less claim
  // never takes a volume some other claim pre-bound.
  return fits
    .filter((v) => !v.spec?.claimRef?.name)
    .sort((a, b) => capacityOf(a).cmp(capacityOf(b)) || ((a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1))[0];
}
