// Patching and server-side apply: pure functions the API server calls for PATCH and for managedFields.
export { applyJsonPatch, MAX_JSON_PATCH_OPERATIONS, type JsonPatchOp } from './json-patch.js';
export { applyMergePatch } from './merge-patch.js';
export { applyStrategicMergePatch } from './strategic.js';
export { serverSideApply, recordUpdate, type ApplyOptions, type UpdateOptions, type WriteResult } from './apply.js';
export { builtinPatchMeta, chainPatchMeta, noPatchMeta, type PatchMeta, type PatchMetaLookup } from './meta.js';
export { FieldSet, pathString } from './fieldset.js';
export { decodeManagedFields, encodeManagedFields } from './managed.js';
