// ControllerRevision helpers shared by the DaemonSet and StatefulSet controllers.
export * from './revision.js';
export { hashValue, canonicalJson } from './hash.js';
export { syncRevisions, type RevisionSync, type SyncRevisionsOptions } from './sync.js';
