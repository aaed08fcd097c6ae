// The persistent volume controller: binds claims to volumes, follows volumes through their phases, reclaims
// released ones, provisions local-path volumes, and (standing in for the scheduler's VolumeBinding PreBind) marks
// a WaitForFirstConsumer claim with the node its first pod was bound to.
//   keys: "pvc:<namespace>/<name>" and "pv:<name>" on one queue.
//   claims:  unbound -> a pre-bound or the smallest fitting volume (bind: volume's claimRef first, then the
//            claim's volumeName, then both statuses), or provision, or wait; bound -> keep status right, Lost
//            when its volume is gone.
//   volumes: no claimRef -> Available; claim gone -> Released, then Retain keeps it, Delete deletes it (and its
//            directory on a real node), anything else -> Failed.
import { rm } from 'node:fs/promises';
import { isApiError } from '../../api/errors.js';
import { nodes as nodesRef, persistentvolumeclaims, persistentvolumes, pods as podsRef, storageclasses } from '../../client/resources.js';
import type { Informer } from '../../client/types.js';
import { keyOf, splitKey } from '../../client/types.js';
import type { Logger } from '../../util/logger.js';
import { discardEvents, type EventSink } from '../common/events.js';
import type { ReconcilerDeps } from '../common/run.js';
import type { Pod } from '../common/types.js';
import { claimClass, findBestVolume, isPreboundTo } from './matching.js';
import { localPathClass, localPathVolume, provisionedName, volumeNode } from './provision.js';
import {
  ANN_BIND_COMPLETED,
  ANN_BOUND_BY_CONTROLLER,
  ANN_PROVISIONED_BY,
  ANN_SELECTED_NODE,
  ANN_STORAGE_PROVISIONER,
  ANN_STORAGE_PROVISIONER_BETA,
  LOCAL_PATH_CLASS,
  LOCAL_PATH_PROVISIONER,
  type PersistentVolume,
  type PersistentVolumeClaim,
  type StorageClass,
} from './types.js';
import type { KubeObject } from '../../api/object.js';

export interface VolumeControllerDeps extends ReconcilerDeps {
  /** Where local-path volumes live: <dataDir>/storage/<pv-name>. */
  dataDir: string;
  /** Removes a deleted local-path volume's directory; default: rm -rf when the node is this machine's. */
  removeDirectory?: (path: string, node: string | undefined) => Promise<void>;
}

const SIM_NODE_ANNOTATION = 'sim.tugboat.dev/node';

export class VolumeController {
  readonly volumes: Informer<PersistentVolume>;
  readonly claims: Informer<PersistentVolumeClaim>;
  readonly classes: Informer<StorageClass>;
  readonly pods: Informer<Pod>;
  readonly nodes: Informer<KubeObject>;
  private readonly recorder: EventSink;
  private readonly log: Logger;

  constructor(private readonly d: VolumeControllerDeps) {
    this.log = d.logger;
    this.volumes = d.informers.informer<PersistentVolume>(persistentvolumes);
    this.claims = d.informers.informer<PersistentVolumeClaim>(persistentvolumeclaims);
    this.classes = d.informers.informer<StorageClass>(storageclasses);
    this.pods = d.informers.informer<Pod>(podsRef);
    this.nodes = d.informers.informer(nodesRef);
    this.recorder = d.recorder ?? discardEvents;
    const claim = (c: PersistentVolumeClaim) => d.queue.add(`pvc:${keyOf(c)}`);
    const volume = (v: PersistentVolume) => {
      d.queue.add(`pv:${v.metadata?.name ?? ''}`);
      const ref = v.spec?.claimRef;
      if (ref?.name) d.queue.add(`pvc:${ref.namespace ?? ''}/${ref.name}`);
    };
    this.claims.addHandlers({
      add: claim,
      update: (_, c) => claim(c),
      delete: (c) => {
        // Its volume is released now.
        if (c.spec?.volumeName) d.queue.add(`pv:${c.spec.volumeName}`);
      },
    });
    this.volumes.addHandlers({ add: volume, update: (_, v) => volume(v), delete: volume });
    // A new volume or class may let a waiting claim bind.
    const allPending = () => {
      for (const c of this.claims.list()) if (!c.spec?.volumeName) claim(c);
    };
    this.classes.addHandlers({ add: allPending, update: allPending });
    this.pods.addHandlers({ add: (p) => this.onPod(p), update: (_, p) => this.onPod(p) });
  }

  /** A bound pod's unbound claims now have their first consumer. */
  private onPod(p: Pod): void {
    if (!p.spec?.nodeName) return;
    for (const v of p.spec.volumes ?? []) {
      const name = v.persistentVolumeClaim?.claimName;
      if (!name) continue;
      const c = this.claims.get(p.metadata?.namespace, name);
      if (c && !c.spec?.volumeName && !c.metadata?.annotations?.[ANN_SELECTED_NODE]) this.d.queue.add(`pvc:${keyOf(c)}`);
    }
  }

  /** Creates the built-in local-path class unless a class of that name exists. */
  async ensureStorageClass(): Promise<void> {
    try {
      await this.d.client.get(storageclasses, undefined, LOCAL_PATH_CLASS);
    } catch (e) {
      if (!isApiError(e) || e.reason !== 'NotFound') throw e;
      try {
        await this.d.client.create(storageclasses, undefined, localPathClass());
        this.log.info('created storage class', { name: LOCAL_PATH_CLASS });
      } catch (e2) {
        if (!isApiError(e2) || e2.reason !== 'AlreadyExists') throw e2;
      }
    }
  }

  async reconcile(key: string): Promise<void> {
    if (key.startsWith('pv:')) return this.syncVolume(key.slice(3));
    if (key.startsWith('pvc:')) {
      const { namespace, name } = splitKey(key.slice(4));
      return this.syncClaim(namespace, name);
    }
  }

  // ---- claims ----

  private async syncClaim(namespace: string | undefined, name: string): Promise<void> {
    const c = this.claims.get(namespace, name);
    if (!c || c.metadata?.deletionTimestamp) return;
    if (c.spec?.volumeName) return this.syncBoundClaim(c);
    const cls = this.classes.get(undefined, claimClass(c));
    const wffc = cls?.volumeBindingMode === 'WaitForFirstConsumer';
    let selected = c.metadata?.annotations?.[ANN_SELECTED_NODE];
    if (wffc && !selected) {
      selected = this.firstConsumerNode(c);
      if (!selected) {
        this.recorder.event(c, 'Normal', 'WaitForFirstConsumer', 'waiting for first consumer to be created before binding');
        return this.setClaimPhase(c, 'Pending');
      }
      await this.patchClaim(c, { metadata: { annotations: { [ANN_SELECTED_NODE]: selected } } });
      return; // the update brings us back
    }
    const node = selected ? this.nodes.get(undefined, selected) : undefined;
    const match = findBestVolume(c, this.volumes.list(), selected ? { node: { name: selected, labels: node?.metadata?.labels ?? {} } } : {});
    if (match) return this.bind(c, match);
    if (cls?.provisioner === LOCAL_PATH_PROVISIONER) return this.provision(c, cls, selected);
    if (cls?.provisioner) {
      // Someone else's provisioner: say so on the claim, as Kubernetes does, and wait.
      if (c.metadata?.annotations?.[ANN_STORAGE_PROVISIONER] !== cls.provisioner)
        await this.patchClaim(c, { metadata: { annotations: { [ANN_STORAGE_PROVISIONER]: cls.provisioner, [ANN_STORAGE_PROVISIONER_BETA]: cls.provisioner } } });
      this.recorder.event(c, 'Normal', 'ExternalProvisioning', `Waiting for a volume to be created either by the external provisioner '${cls.provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`);
    } else {
      this.recorder.event(c, 'Normal', 'FailedBinding', claimClass(c) ? `storageclass.storage.k8s.io "${claimClass(c)}" not found` : 'no persistent volumes available for this claim and no storage class is set');
    }
    await this.setClaimPhase(c, 'Pending');
  }

  /** The node of a bound pod in the claim's namespace that mounts it. */
  private firstConsumerNode(c: PersistentVolumeClaim): string | undefined {
    for (const p of this.pods.list(c.metadata?.namespace)) {
      if (!p.spec?.nodeName || p.metadata?.deletionTimestamp) continue;
      if ((p.spec.volumes ?? []).some((v) => v.persistentVolumeClaim?.claimName === c.metadata?.name)) return p.spec.nodeName;
    }
    return undefined;
  }

  private async provision(c: PersistentVolumeClaim, cls: StorageClass, node: string | undefined): Promise<void> {
    if (!node) {
      // local-path volumes live on one node: without a consumer's node there is nowhere to put it.
      this.recorder.event(c, 'Warning', 'ProvisioningFailed', 'local-path volumes need a selected node: use volumeBindingMode WaitForFirstConsumer');
      return this.setClaimPhase(c, 'Pending');
    }
    if (c.metadata?.annotations?.[ANN_STORAGE_PROVISIONER] !== cls.provisioner) {
      await this.patchClaim(c, { metadata: { annotations: { [ANN_STORAGE_PROVISIONER]: cls.provisioner, [ANN_STORAGE_PROVISIONER_BETA]: cls.provisioner } } });
    }
    if (this.volumes.get(undefined, provisionedName(c))) return; // made already; binding follows its event
    this.recorder.event(c, 'Normal', 'Provisioning', `External provisioner is provisioning volume for claim "${keyOf(c)}"`);
    try {
      const pv = await this.d.client.create<PersistentVolume>(persistentvolumes, undefined, localPathVolume(c, cls, node, this.d.dataDir));
      this.recorder.event(c, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${pv.metadata?.name ?? ''}`);
    } catch (e) {
      if (!isApiError(e) || e.reason !== 'AlreadyExists') throw e;
    }
  }

  /** Volume first (claimRef, bound-by-controller), then the claim (volumeName, bind-completed), then statuses. */
  private async bind(c: PersistentVolumeClaim, v: PersistentVolume): Promise<void> {
    const vname = v.metadata?.name ?? '';
    let vol = v;
    if (v.spec?.claimRef?.uid !== c.metadata?.uid) {
      const claimRef = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: c.metadata?.namespace, name: c.metadata?.name, uid: c.metadata?.uid, resourceVersion: c.metadata?.resourceVersion };
      const ann = isPreboundTo(v, c) ? {} : { [ANN_BOUND_BY_CONTROLLER]: 'yes' };
      vol = await this.d.client.patch<PersistentVolume>(persistentvolumes, undefined, vname, 'merge', {
        metadata: { annotations: ann, resourceVersion: v.metadata?.resourceVersion },
        spec: { claimRef },
      });
    }
    if (vol.status?.phase !== 'Bound') await this.d.client.patch(persistentvolumes, undefined, vname, 'merge', { status: { phase: 'Bound' } }, { subresource: 'status' });
    const claim = await this.d.client.patch<PersistentVolumeClaim>(persistentvolumeclaims, c.metadata?.namespace, c.metadata?.name ?? '', 'merge', {
      metadata: { annotations: { [ANN_BIND_COMPLETED]: 'yes', [ANN_BOUND_BY_CONTROLLER]: 'yes' }, resourceVersion: c.metadata?.resourceVersion },
      spec: { volumeName: vname },
    });
    await this.writeBoundStatus(claim, vol);
    this.log.debug('bound', { claim: keyOf(c), volume: vname });
  }

  private async syncBoundClaim(c: PersistentVolumeClaim): Promise<void> {
    const vname = c.spec?.volumeName ?? '';
    const v = this.volumes.get(undefined, vname);
    if (!v) {
      if (c.status?.phase === 'Bound') {
        // The cache may lag; ask before declaring it lost.
        try {
          await this.d.client.get(persistentvolumes, undefined, vname);
          return;
        } catch (e) {
          if (!isApiError(e) || e.reason !== 'NotFound') throw e;
        }
        this.recorder.event(c, 'Warning', 'ClaimLost', 'Bound claim has lost its PersistentVolume. Data on the volume is lost!');
        return this.setClaimPhase(c, 'Lost');
      }
      return this.setClaimPhase(c, 'Pending');
    }
    const ref = v.spec?.claimRef;
    // Asked for this volume by name and it is free (or pre-bound to us): finish the binding from the volume side.
    if (!ref?.name || (isPreboundTo(v, c) && ref.uid !== c.metadata?.uid)) return this.bind(c, v);
    if (ref.uid === c.metadata?.uid) {
      if (c.metadata?.annotations?.[ANN_BIND_COMPLETED] !== 'yes') await this.patchClaim(c, { metadata: { annotations: { [ANN_BIND_COMPLETED]: 'yes' } } });
      return this.writeBoundStatus(c, v);
    }
    // The volume belongs to another claim.
    this.recorder.event(c, 'Warning', 'FailedBinding', 'volume already bound to a different claim.');
    await this.setClaimPhase(c, 'Pending');
  }

  private async writeBoundStatus(c: PersistentVolumeClaim, v: PersistentVolume): Promise<void> {
    const want = { phase: 'Bound', accessModes: v.spec?.accessModes ?? [], capacity: v.spec?.capacity ?? {} };
    const s = c.status ?? {};
    if (s.phase === want.phase && JSON.stringify(s.accessModes ?? []) === JSON.stringify(want.accessModes) && JSON.stringify(s.capacity ?? {}) === JSON.stringify(want.capacity)) return;
    await this.d.client.patch(persistentvolumeclaims, c.metadata?.namespace, c.metadata?.name ?? '', 'merge', { status: want }, { subresource: 'status' });
  }

  private async setClaimPhase(c: PersistentVolumeClaim, phase: string): Promise<void> {
    if (c.status?.phase === phase) return;
    await this.d.client.patch(persistentvolumeclaims, c.metadata?.namespace, c.metadata?.name ?? '', 'merge', { status: { phase } }, { subresource: 'status' });
  }

  private async patchClaim(c: PersistentVolumeClaim, body: unknown): Promise<void> {
    try {
      await this.d.client.patch(persistentvolumeclaims, c.metadata?.namespace, c.metadata?.name ?? '', 'merge', body);
    } catch (e) {
      if (!isApiError(e) || e.reason !== 'NotFound') throw e;
    }
  }

  // ---- volumes ----

  private async syncVolume(name: string): Promise<void> {
    const v = this.volumes.get(undefined, name);
    if (!v || v.metadata?.deletionTimestamp) return;
    const ref = v.spec?.claimRef;
    if (!ref?.name) return this.setVolumePhase(v, 'Available');
    const c = this.claims.get(ref.namespace, ref.name);
    // Pre-bound by a user (no uid yet): free until the claim binds it.
    if (!ref.uid) return this.setVolumePhase(v, 'Available');
    if (c && c.metadata?.uid === ref.uid) {
      if (c.spec?.volumeName === name) return this.setVolumePhase(v, 'Bound');
      // Claim not yet pointing here: binding in progress (claim side), or it went to another volume.
      if (!c.spec?.volumeName) return;
      if (v.metadata?.annotations?.[ANN_BOUND_BY_CONTROLLER]) return this.unbind(v);
      return;
    }
    // The claim looks gone; the cache may be behind, so ask.
    try {
      const live = await this.d.client.get<PersistentVolumeClaim>(persistentvolumeclaims, ref.namespace, ref.name);
      if (live.metadata?.uid === ref.uid) return;
    } catch (e) {
      if (!isApiError(e) || e.reason !== 'NotFound') throw e;
    }
    await this.reclaim(v);
  }

  /** A volume we bound whose claim chose another: back to Available. */
  private async unbind(v: PersistentVolume): Promise<void> {
    await this.d.client.patch(persistentvolumes, undefined, v.metadata?.name ?? '', 'merge', {
      metadata: { annotations: { [ANN_BOUND_BY_CONTROLLER]: null }, resourceVersion: v.metadata?.resourceVersion },
      spec: { claimRef: null },
    });
  }

  private async reclaim(v: PersistentVolume): Promise<void> {
    const name = v.metadata?.name ?? '';
    if (v.status?.phase !== 'Released' && v.status?.phase !== 'Failed') {
      await this.setVolumePhase(v, 'Released');
      return; // the status event brings us back
    }
    const policy = v.spec?.persistentVolumeReclaimPolicy ?? 'Retain';
    if (policy === 'Retain') return;
    if (policy !== 'Delete') {
      if (v.status?.phase !== 'Failed') {
        this.recorder.event(v, 'Warning', 'VolumeFailedRecycle', `reclaim policy ${policy} is not supported`);
        await this.d.client.patch(persistentvolumes, undefined, name, 'merge', { status: { phase: 'Failed', message: `reclaim policy ${policy} is not supported` } }, { subresource: 'status' });
      }
      return;
    }
    if (v.metadata?.annotations?.[ANN_PROVISIONED_BY] === LOCAL_PATH_PROVISIONER && v.spec?.hostPath?.path) {
      await this.removeDirectory(v.spec.hostPath.path, volumeNode(v));
    } else if (!v.metadata?.annotations?.[ANN_PROVISIONED_BY]) {
      // Nobody provisioned it, so nobody can delete its storage: Kubernetes fails such volumes.
      if (v.status?.phase !== 'Failed')
        await this.d.client.patch(persistentvolumes, undefined, name, 'merge', { status: { phase: 'Failed', message: 'error getting deleter volume plugin for volume' } }, { subresource: 'status' });
      return;
    }
    try {
      await this.d.client.delete(persistentvolumes, undefined, name, { preconditions: { uid: v.metadata?.uid } });
      this.recorder.event(v, 'Normal', 'VolumeDelete', `Volume ${name} deleted`);
    } catch (e) {
      if (!isApiError(e) || (e.reason !== 'NotFound' && e.reason !== 'Conflict')) throw e;
    }
  }

  private async removeDirectory(path: string, node: string | undefined): Promise<void> {
    if (this.d.removeDirectory) return this.d.removeDirectory(path, node);
    // Simulated nodes have no disk: marking the volume deleted is all there is to do.
    const n = node ? this.nodes.get(undefined, node) : undefined;
    if (n?.metadata?.annotations?.[SIM_NODE_ANNOTATION] === 'true') return;
    if (!path.startsWith(`${this.d.dataDir}/storage/`)) return;
    await rm(path, { recursive: true, force: true });
  }

  private async setVolumePhase(v: PersistentVolume, phase: string): Promise<void> {
    if (v.status?.phase === phase) return;
    try {
      await this.d.client.patch(persistentvolumes, undefined, v.metadata?.name ?? '', 'merge', { status: { phase } }, { subresource: 'status' });
    } catch (e) {
      if (!isApiError(e) || e.reason !== 'NotFound') throw e;
    }
  }
}
