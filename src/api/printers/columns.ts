// Column definitions. Kubernetes takes most descriptions from the API field docs; these are those texts'
// opening sentences, and the hand-written ones as Kubernetes words them.
import type { TableColumn } from './types.js';

export function col(name: string, type: string, description: string, priority = 0, format = ''): TableColumn {
  return { name, type, format, description, priority };
}
export const wide = (name: string, type: string, description: string): TableColumn => col(name, type, description, 1);

export const NAME_DOC =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';
export const CREATED_DOC =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';

export const NAME = col('Name', 'string', NAME_DOC, 0, 'name');
export const AGE = col('Age', 'string', CREATED_DOC);
export const CONTAINERS = wide('Containers', 'string', 'Names of each container in the template.');
export const IMAGES = wide('Images', 'string', 'Images referenced by each container in the template.');
export const wideSelector = (description = 'A label query over pods that should match the replica count.'): TableColumn =>
  wide('Selector', 'string', description);
