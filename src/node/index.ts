// The node agent: startNodeAgent, and the defaults `tug server` / `tug agent` wire it with.
export { startNodeAgent, APISERVER_KUBELET_CLIENT_CN, type AgentStreamsOptions, type NodeAgent, type NodeAgentOptions } from './agent.js';
export { defaultRuntime, nodeRuntimes, ociBinaries, resolveRuntimeName, type DefaultRuntimeOptions, type NodeRuntimes, type NodeRuntimesOptions } from './defaults.js';
export { logPathOf, podDirOf } from './pod-worker.js';
export { KUBELET_VERSION, machineIP } from './node-object.js';
export { AgentStreamTarget } from './stream-target.js';
export { containerLogStream } from './log-reader.js';
export { RuntimeSet } from './runtime-set.js';
export { DEFAULT_IMAGE_GC, type ImageGcPolicy } from './image-gc.js';
