// The node agent: startNodeAgent, and the defaults `tug server` / `tug agent` wire it with.
export { startNodeAgent, APISERVER_KUBELET_CLIENT_CN, type AgentStreamsOptions, type NodeAgent, type NodeAgentOptions } from './agent.js';
export { defaultRuntime, type DefaultRuntimeOptions } from './defaults.js';
export { logPathOf, podDirOf } from './pod-worker.js';
export { KUBELET_VERSION, machineIP } from './node-object.js';
export { AgentStreamTarget } from './stream-target.js';
export { containerLogStream } from './log-reader.js';
