// VolumeBinding: the hook point for PersistentVolumeClaims (bound PVs' node affinity, delayed binding).
// Not implemented yet: pods with claims are passed through; the events say what will retry them later.
import { Action, type Plugin } from '../types.js';

export function volumeBinding(): Plugin {
  return {
    name: 'VolumeBinding',
    events: () => [{ resource: 'PersistentVolumeClaim', actions: Action.Add | Action.Update }],
  };
}
