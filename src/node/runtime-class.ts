// spec.runtimeClassName -> the RuntimeClass's handler -> one of the node's runtimes (kubelet's runtimeclass
// manager, then the CRI runtime's handler table). Errors read as kubelet's and containerd's do; the pod worker
// reports them as FailedCreatePodSandBox.
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../api/object.js';
import type { Client, ResourceRef } from '../client/index.js';
import type { ContainerRuntime } from '../runtime/types.js';
import { RuntimeSet } from './runtime-set.js';

export const runtimeclasses: ResourceRef = Object.freeze({ group: 'node.k8s.io', version: 'v1', resource: 'runtimeclasses', namespaced: false });

interface RuntimeClass extends KubeObject {
  handler?: string;
}

/** Which handlers a single (unwrapped) runtime answers to. */
function handlersOf(rt: ContainerRuntime): string[] {
  return rt.name === 'oci' ? ['runc', 'crun', 'oci'] : ['process'];
}

/**
 * Binds the pod to its runtime; returns the runtime, or the error kubelet would report. A pod without a class
 * takes the node's default runtime.
 */
export async function runtimeForPod(client: Client, runtime: ContainerRuntime, pod: Pod): Promise<ContainerRuntime | Error> {
  const uid = pod.metadata?.uid ?? '';
  const className = pod.spec?.runtimeClassName;
  let handler: string | undefined;
  if (className) {
    try {
      const rc = await client.get<RuntimeClass>(runtimeclasses, undefined, className);
      handler = rc.handler ?? '';
    } catch (e) {
      if ((e as { reason?: string }).reason === 'NotFound') return new Error(`runtimeclass.node.k8s.io ${JSON.stringify(className)} not found`);
      return new Error(`failed to lookup RuntimeClass ${className}: ${(e as Error).message}`);
    }
  }
  const noRuntime = () => new Error(`failed to get sandbox runtime: no runtime for ${JSON.stringify(handler)} is configured`);
  if (runtime instanceof RuntimeSet) {
    if (!runtime.bind(uid, handler)) return noRuntime();
    return runtime.runtimeOf(uid);
  }
  if (handler !== undefined && !handlersOf(runtime).includes(handler)) return noRuntime();
  return runtime;
}

/** The runtime a pod was bound to (its containers' and images' runtime). */
export function podRuntime(runtime: ContainerRuntime, podUid: string): ContainerRuntime {
  return runtime instanceof RuntimeSet ? runtime.runtimeOf(podUid) : runtime;
}
