// What `tug server` and `tug agent` start a node agent with: the process runtime over the CNI pod network (or the
// host network, with a warning, where that cannot work).
import { join } from 'node:path';
import { createPodNetwork, type PodNetwork } from '../network/index.js';
import { ProcessRuntime } from '../runtime/process/index.js';
import type { Logger } from '../util/logger.js';
import { machineIP } from './node-object.js';

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
