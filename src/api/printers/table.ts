// Assembling a meta.k8s.io Table from a printer: what `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`
// gets. Each row carries the object's metadata by default (kubectl reads namespace and labels from it for -A,
// --show-labels and -L), the whole object with includeObject=Object, nothing with None.
import type { KubeObject, ListMeta } from '../object.js';
import type { Printer, TableColumn, TableRowCondition } from './types.js';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface TableRow {
  cells: unknown[];
  conditions?: TableRowCondition[];
  object?: KubeObject;
}

export interface Table {
  kind: 'Table';
  apiVersion: string;
  metadata: ListMeta;
  columnDefinitions: TableColumn[];
  rows: TableRow[];
}

export interface TableOptions {
  now: Date;
  /** includeObject query parameter; Metadata when absent, as Kubernetes. */
  includeObject?: IncludeObject;
  /** 'meta.k8s.io/v1' (default) or 'meta.k8s.io/v1beta1', whichever the client asked for. */
  apiVersion?: string;
  /** resourceVersion, continue, remainingItemCount of the list the rows come from. */
  listMeta?: ListMeta;
  /** Kubernetes leaves out column definitions when the client asks for noHeaders (watch events after the first). */
  noHeaders?: boolean;
}

function rowObject(o: KubeObject, include: IncludeObject, apiVersion: string): KubeObject | undefined {
  if (include === 'None') return undefined;
  if (include === 'Object') return o;
  return { kind: 'PartialObjectMetadata', apiVersion, metadata: o.metadata ?? {} };
}

export function buildTable(printer: Printer, objects: readonly KubeObject[], opts: TableOptions): Table {
  const apiVersion = opts.apiVersion ?? 'meta.k8s.io/v1';
  const include = opts.includeObject ?? 'Metadata';
  return {
    kind: 'Table',
    apiVersion,
    metadata: opts.listMeta ?? {},
    columnDefinitions: opts.noHeaders ? [] : printer.columns,
    rows: objects.map((o) => {
      const row: TableRow = { cells: printer.cells(o, opts.now) };
      const conditions = printer.rowConditions?.(o);
      if (conditions) row.conditions = conditions;
      const object = rowObject(o, include, apiVersion);
      if (object) row.object = object;
      return row;
    }),
  };
}
