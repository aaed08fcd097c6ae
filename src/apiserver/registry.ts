// The resource types served right now: the built-in ones plus those that CustomResourceDefinitions add.
import { builtinResources } from '../api/resources/index.js';
import type { KubeObject } from '../api/object.js';
import type { ResourceInfo } from '../api/resource.js';

/** What a CustomResourceDefinition tells about its resource beyond ResourceInfo. */
export interface CustomInfo {
  crd: KubeObject;
  /** Per served version: openAPIV3Schema, additionalPrinterColumns, subresources. */
  versions: Map<string, CustomVersion>;
}

export interface CustomVersion {
  name: string;
  schema?: Record<string, unknown>;
  printerColumns: { name: string; type: string; format?: string; description?: string; priority?: number; jsonPath: string }[];
  status: boolean;
  scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string };
}

export interface Served {
  info: ResourceInfo;
  custom?: CustomInfo;
}

const key = (group: string, plural: string) => `${group}/${plural}`;

export class ResourceRegistry {
  private readonly builtin = new Map<string, Served>();
  private readonly custom = new Map<string, Served>();
  private version = 0;

  constructor(resources: readonly ResourceInfo[] = builtinResources) {
    for (const info of resources) this.builtin.set(key(info.group, info.plural), { info });
  }

  /** Bumped on every change, so caches of derived documents know when to rebuild. */
  get generation(): number {
    return this.version;
  }

  /** The resource served at group/version/plural, if any. */
  lookup(group: string, version: string, plural: string): Served | undefined {
    const s = this.builtin.get(key(group, plural)) ?? this.custom.get(key(group, plural));
    return s && s.info.versions.includes(version) ? s : undefined;
  }

  /** By group and plural, whatever the version. */
  byResource(group: string, plural: string): Served | undefined {
    return this.builtin.get(key(group, plural)) ?? this.custom.get(key(group, plural));
  }

  /** By group and kind (for objects that name their type). */
  byKind(group: string, kind: string): Served | undefined {
    for (const s of this.all()) if (s.info.group === group && s.info.kind === kind) return s;
    return undefined;
  }

  all(): Served[] {
    return [...this.builtin.values(), ...this.custom.values()];
  }

  private cached: { generation: number; resources: ResourceInfo[]; crdSchemas: Map<string, Record<string, unknown>> } | undefined;

  /** The served types, the same array until something changes (documents built from it are cached by identity). */
  resources(): ResourceInfo[] {
    return this.snapshot().resources;
  }

  /** Custom resources' schemas by "group/version/Kind", for OpenAPI. */
  crdSchemas(): Map<string, Record<string, unknown>> {
    return this.snapshot().crdSchemas;
  }

  private snapshot() {
    if (!this.cached || this.cached.generation !== this.version) {
      const crdSchemas = new Map<string, Record<string, unknown>>();
      for (const s of this.custom.values()) {
        for (const v of s.custom?.versions.values() ?? []) if (v.schema) crdSchemas.set(`${s.info.group}/${v.name}/${s.info.kind}`, v.schema);
      }
      this.cached = { generation: this.version, resources: this.all().map((s) => s.info), crdSchemas };
    }
    return this.cached;
  }

  isBuiltin(group: string, plural: string): boolean {
    return this.builtin.has(key(group, plural));
  }

  setCustom(served: Served): void {
    // A CRD may never shadow a built-in type.
    if (this.isBuiltin(served.info.group, served.info.plural)) return;
    this.custom.set(key(served.info.group, served.info.plural), served);
    this.version++;
  }

  removeCustom(group: string, plural: string): void {
    if (this.custom.delete(key(group, plural))) this.version++;
  }
}
