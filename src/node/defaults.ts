// What `tug server` and `tug agent` start a node agent with: the process runtime over the CNI pod network (or the
// host network, with a warning, where that cannot work), and with `--runtime oci` the OCI runtime (runc and/or
// crun, one image store) beside it: RuntimeClass handlers runc, crun and process pick per pod.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { createPodNetwork, type PodNetwork } from '../network/index.js';
import { createImageService, type RegistryConfig } from '../runtime/images/index.js';
import { createOciRuntime } from '../runtime/oci/index.js';
import { ProcessRuntime } from '../runtime/process/index.js';
import type { ContainerRuntime, ImageService } from '../runtime/types.js';
import type { Logger } from '../util/logger.js';
import { machineIP } from './node-object.js';
import { RuntimeSet } from './runtime-set.js';

export interface DefaultRuntimeOptions {
  dataDir: string;
  logger?: Logger;
  podCidr?: string;
  nodeIP?: string;
  /** Run every pod on the host network. */
  hostNetworkOnly?: boolean;
  bridge?: string;
}

export async function defaultRuntime(o: DefaultRuntimeOptions): Promise<{ runtime: ProcessRuntime; network: PodNetwork; nodeIP: string }> {
  const nodeIP = o.nodeIP ?? machineIP();
  const network = await createPodNetwork({
    dataDir: o.dataDir,
    hostIP: nodeIP,
    ...(o.podCidr ? { podCidr: o.podCidr } : {}),
    ...(o.bridge ? { bridge: o.bridge } : {}),
    ...(o.logger ? { logger: o.logger } : {}),
    ...(o.hostNetworkOnly ? { hostOnly: true } : {}),
  });
  const runtime = new ProcessRuntime({ root: join(o.dataDir, 'runtime', 'process'), network, hostIP: nodeIP, ...(o.logger ? { logger: o.logger } : {}) });
  return { runtime, network, nodeIP };
}

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The OCI binaries on PATH, runc first. */
export function ociBinaries(): { handler: 'runc' | 'crun'; path: string }[] {
  return (['runc', 'crun'] as const).flatMap((handler) => {
    const path = findOnPath(handler);
    return path ? [{ handler, path }] : [];
  });
}

/** `--runtime auto`: oci when root and runc or crun is on PATH, else process. */
export function resolveRuntimeName(name: string): 'oci' | 'process' {
  if (name === 'oci' || name === 'process') return name;
  if (name !== 'auto') throw new Error(`--runtime ${JSON.stringify(name)} is not one of auto, oci, process`);
  return process.getuid?.() === 0 && ociBinaries().length > 0 ? 'oci' : 'process';
}

export interface NodeRuntimesOptions extends DefaultRuntimeOptions {
  /** auto, oci or process: the runtime of pods without a RuntimeClass. */
  runtime: string;
  /** Registries the image store trusts beyond the public ones (insecure http, extra CAs, credentials). */
  registries?: RegistryConfig;
}

export interface NodeRuntimes {
  /** What the agent holds: the process runtime alone, or a RuntimeSet of process and oci handlers. */
  runtime: ContainerRuntime;
  /** The resolved default: oci or process. */
  name: 'oci' | 'process';
  images?: ImageService;
  network: PodNetwork;
  nodeIP: string;
}

export async function nodeRuntimes(o: NodeRuntimesOptions): Promise<NodeRuntimes> {
  const name = resolveRuntimeName(o.runtime);
  const base = await defaultRuntime(o);
  if (name === 'process') return { runtime: base.runtime, name, network: base.network, nodeIP: base.nodeIP };
  if (process.getuid?.() !== 0) throw new Error('--runtime oci needs root (namespaces, cgroups, overlay mounts): run as root or use --runtime process');
  const bins = ociBinaries();
  if (!bins.length) throw new Error('--runtime oci needs runc or crun on PATH (apt-get install runc)');
  const images = createImageService({ root: join(o.dataDir, 'images'), ...(o.registries ? { registries: o.registries } : {}), ...(o.logger ? { logger: o.logger } : {}) });
  const handlers = new Map<string, ContainerRuntime>([['process', base.runtime]]);
  for (const b of bins) {
    handlers.set(
      b.handler,
      // Each binary keeps its own state (runc's under <data>/runtime/oci, crun's under <data>/crun/runtime/oci), so each lists only its containers.
      createOciRuntime({ dataDir: b.handler === 'runc' ? o.dataDir : join(o.dataDir, 'crun'), images, network: base.network, binary: b.handler, hostIP: base.nodeIP, ...(o.logger ? { logger: o.logger } : {}) }),
    );
  }
  const runtime = new RuntimeSet(handlers, bins[0]!.handler);
  return { runtime, name, images, network: base.network, nodeIP: base.nodeIP };
}
