// Pod networking on a node: CNI with a Tugboat conflist, address claims, host-network fallback.
export { createPodNetwork, netnsName, DEFAULT_CLUSTER_CIDR, DEFAULT_SERVICE_CIDR, DEFAULT_CNI_BIN_DIRS, type PodNetwork, type PodNetworkOptions } from './pod-network.js';
export { tugboatConflist, cniAdd, cniDel, type CniConflist, type CniResult } from './cni.js';
export { claimAddresses, releaseAddresses, NFT_TABLE, type Claim } from './host-rules.js';
export { cidrContains, gatewayOf, parseCidr } from './cidr.js';
