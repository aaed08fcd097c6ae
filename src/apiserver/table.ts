// meta.k8s.io Table responses: kubectl prints every column from here. Each row carries the object's metadata
// (PartialObjectMetadata) by default so `-A`, `--show-labels` and `-L` work; includeObject=Object|None.
import { errors } from '../api/errors.js';
import type { KubeObject, ListMeta } from '../api/object.js';
import { servedPrinter } from './crd/printer.js';
import type { Served } from './registry.js';

export type IncludeObject = 'Metadata' | 'Object' | 'None';

export function includeObjectParam(q: URLSearchParams): IncludeObject {
  const v = q.get('includeObject') ?? 'Metadata';
  if (v === '') return 'Metadata';
  if (v !== 'Metadata' && v !== 'Object' && v !== 'None') {
    throw errors.badRequest(`unrecognized includeObject value: "${v}"`);
  }
  return v;
}

export function partialMetadata(obj: KubeObject, tableVersion: 'v1' | 'v1beta1'): KubeObject {
  return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${tableVersion}`, metadata: obj.metadata ?? {} };
}

export function toTable(
  served: Served,
  version: string,
  items: KubeObject[],
  listMeta: ListMeta,
  opts: { tableVersion: 'v1' | 'v1beta1'; include: IncludeObject; now: Date; noHeaders?: boolean },
): KubeObject {
  const printer = servedPrinter(served, version);
  const rows = items.map((obj) => {
    const row: Record<string, unknown> = { cells: printer.cells(obj, opts.now) };
    if (opts.include === 'Object') row['object'] = obj;
    else if (opts.include === 'Metadata') row['object'] = partialMetadata(obj, opts.tableVersion);
    return row;
  });
  const table: KubeObject = {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${opts.tableVersion}`,
    metadata: listMeta as KubeObject['metadata'],
    columnDefinitions: opts.noHeaders ? [] : printer.columns,
    rows,
  };
  return table;
}
