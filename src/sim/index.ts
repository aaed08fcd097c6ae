// Simulated nodes: Node objects that heartbeat and move their pods through data-driven stages.
export { SimNodes, startSimNodes, DEFAULT_CAPACITY, NODE_NAME_INDEX, HEARTBEAT_ANNOTATION, type SimNodesOptions } from './sim-nodes.js';
export { defaultStages, firstStage, stageMatches, COMPLETE_AFTER, FAIL_AFTER, READY_AFTER, type Stage, type StageMatch, type StageNext } from './stages.js';
export { renderStatus, stageDelayMs } from './render.js';
export { buildNode, buildLease, nodeIP, podCIDR, SIM_KUBELET_VERSION, NODE_LEASE_NAMESPACE } from './node-object.js';
export { parseDuration } from './duration.js';
