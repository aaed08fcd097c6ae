// Server-side printing: the columns and cells of a meta.k8s.io Table for one resource type.
import type { KubeObject } from '../object.js';

export interface TableColumn {
  name: string;
  /** OpenAPI type: string, integer, number, boolean, date */
  type: string;
  /** e.g. 'name' for the NAME column, '' otherwise */
  format: string;
  description: string;
  /** 0 shows always; 1 only with -o wide */
  priority: number;
}

export interface TableRowCondition {
  type: 'Completed';
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
}

export interface Printer {
  columns: TableColumn[];
  /** One row's cells, in column order. `now` makes ages testable. */
  cells(obj: KubeObject, now: Date): unknown[];
  /** Row conditions (Kubernetes marks finished pods Completed). */
  rowConditions?(obj: KubeObject): TableRowCondition[] | undefined;
}
