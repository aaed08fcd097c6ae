// Namespace deletion: empty it, then remove the `kubernetes` finalizer.
export { NamespaceController, startNamespaceController, type NamespaceDeps, FINALIZER } from './controller.js';
export { namespaceConditions, mergeConditions, type PassResult } from './conditions.js';
export { builtinNamespacedRefs, crdRef, namespacedRefs } from './resources.js';
