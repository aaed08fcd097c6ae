// Lookups over the served resource types: built-ins plus whatever CustomResourceDefinitions add at runtime.
// `generation` goes up on every change so that discovery and OpenAPI caches know when to rebuild.
import { qualifiedResource, type ResourceInfo } from '../resource.js';
import { compareGroups, compareVersions } from './order.js';

export interface GroupInfo {
  /** '' for the core group. */
  name: string;
  /** Served versions, preferred first. */
  versions: string[];
  preferredVersion: string;
}

const key = (group: string, plural: string): string => `${group}/${plural}`;

export class ResourceRegistry {
  #byResource = new Map<string, ResourceInfo>();
  #generation = 0;

  constructor(...sources: (readonly ResourceInfo[])[]) {
    for (const list of sources) for (const info of list) this.#byResource.set(key(info.group, info.plural), info);
  }

  /** Bumped by every add or remove. */
  get generation(): number {
    return this.#generation;
  }

  /** Adds or replaces the type with this group and plural (a CRD being created or updated). */
  add(info: ResourceInfo): void {
    this.#byResource.set(key(info.group, info.plural), info);
    this.#generation++;
  }

  /** Removes a type (a CRD deleted); true when it was there. */
  remove(group: string, plural: string): boolean {
    const had = this.#byResource.delete(key(group, plural));
    if (had) this.#generation++;
    return had;
  }

  /** Every type, groups in discovery order, then by plural. */
  all(): ResourceInfo[] {
    return [...this.#byResource.values()].sort((a, b) => compareGroups(a.group, b.group) || (a.plural < b.plural ? -1 : a.plural > b.plural ? 1 : 0));
  }

  /** The type at /apis/<group>/<version>/<plural>, if that version is served. */
  byPlural(group: string, version: string, plural: string): ResourceInfo | undefined {
    const info = this.#byResource.get(key(group, plural));
    return info && info.versions.includes(version) ? info : undefined;
  }

  /** The type by group and plural, whatever the version. */
  byResource(group: string, plural: string): ResourceInfo | undefined {
    return this.#byResource.get(key(group, plural));
  }

  /** The type whose kind is served at group/version (what an object's apiVersion and kind name). */
  byKind(group: string, version: string, kind: string): ResourceInfo | undefined {
    for (const info of this.#byResource.values()) {
      if (info.group === group && info.kind === kind && info.versions.includes(version)) return info;
    }
    return undefined;
  }

  /**
   * Types a user may mean by a lower-case name: plural, singular or short name, optionally qualified with a
   * group ("deploy", "deployments.apps"). Best match first: the group listed first in discovery wins, as
   * kubectl's own resolution does (events resolves to core before events.k8s.io).
   */
  bySingularOrShortName(name: string, group?: string): ResourceInfo[] {
    const n = name.toLowerCase();
    const hits = this.all().filter((info) => {
      if (group !== undefined && info.group !== group) return false;
      return info.plural === n || info.singular === n || (info.shortNames ?? []).includes(n);
    });
    return hits;
  }

  /** The types served in one group version, sorted by plural as discovery lists them. */
  resourcesIn(group: string, version: string): ResourceInfo[] {
    return this.all().filter((info) => info.group === group && info.versions.includes(version));
  }

  /** Every group with its versions, in the order Kubernetes lists /apis (core first). */
  groups(): GroupInfo[] {
    const versions = new Map<string, Set<string>>();
    for (const info of this.#byResource.values()) {
      let set = versions.get(info.group);
      if (!set) versions.set(info.group, (set = new Set()));
      for (const v of info.versions) set.add(v);
    }
    return [...versions.entries()]
      .sort(([a], [b]) => compareGroups(a, b))
      .map(([name, set]) => {
        const list = [...set].sort(compareVersions);
        return { name, versions: list, preferredVersion: list[0] ?? '' };
      });
  }

  /** The groups and versions as "group/version" strings (core as "v1"), as `kubectl api-versions` reads them. */
  groupVersions(): string[] {
    return this.groups().flatMap((g) => g.versions.map((v) => (g.name === '' ? v : `${g.name}/${v}`)));
  }

  /** "deployments.apps" style name, for messages. */
  static qualified(info: ResourceInfo): string {
    return qualifiedResource(info);
  }
}
