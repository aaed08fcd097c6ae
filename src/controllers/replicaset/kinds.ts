// ReplicaSet and ReplicationController differ only in where they live and how their selector is written.
import { labelSelectorMatches } from '../../api/selectors.js';
import type { ResourceRef } from '../../client/types.js';
import { matchesMapSelector } from '../common/pod-util.js';
import { replicaSetsRef, replicationControllersRef } from '../common/resources.js';
import type { PodTemplateSpec, ReplicaSet, ReplicationController } from '../common/types.js';

export type ReplicaOwner = ReplicaSet | ReplicationController;

export interface ReplicaKind {
  ref: ResourceRef;
  apiVersion: string;
  kind: string;
  /** Does the owner select a pod with these labels? */
  selects(owner: ReplicaOwner, labels: Record<string, string> | undefined): boolean;
  template(owner: ReplicaOwner): PodTemplateSpec | undefined;
}

export const replicaSetKind: ReplicaKind = {
  ref: replicaSetsRef,
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  // A missing selector selects nothing (validation requires one anyway).
  selects: (o, labels) => o.spec?.selector !== undefined && labelSelectorMatches((o as ReplicaSet).spec?.selector, labels),
  template: (o) => (o as ReplicaSet).spec?.template,
};

export const replicationControllerKind: ReplicaKind = {
  ref: replicationControllersRef,
  apiVersion: 'v1',
  kind: 'ReplicationController',
  // An empty selector defaults to the template's labels.
  selects: (o, labels) => {
    const rc = o as ReplicationController;
    const sel = rc.spec?.selector && Object.keys(rc.spec.selector).length > 0 ? rc.spec.selector : rc.spec?.template?.metadata?.labels;
    return matchesMapSelector(sel, labels);
  },
  template: (o) => (o as ReplicationController).spec?.template,
};
