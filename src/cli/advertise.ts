// The address pods (and other machines) reach the API server at: what the `kubernetes` Service's endpoints name.
// kube-apiserver's --advertise-address defaults to its bind address; here the default API address is loopback,
// which no pod can reach, so then the pod network's gateway stands in (the server also listens there).
import { isIP } from 'node:net';
import { gatewayOf } from '../network/index.js';

export interface AdvertiseInput {
  /** --advertise-address as given */
  given?: string;
  /** the --listen host */
  listenHost: string;
  /** this machine's node address (--node-ip or its first IPv4) */
  nodeIP: string;
  /** a node agent with a pod network runs in this process, on this pod CIDR */
  podCidr?: string;
}

export interface Advertise {
  ip: string;
  /** The server must also listen on ip (it is the pod gateway, not the listen address). */
  listenAlso: boolean;
}

const isLoopback = (h: string) => h === 'localhost' || h === '::1' || h.startsWith('127.');
const isWildcard = (h: string) => h === '' || h === '0.0.0.0' || h === '::';

export function advertiseAddress(i: AdvertiseInput): Advertise | undefined {
  if (i.given) {
    if (isIP(i.given) !== 4) throw new Error(`--advertise-address ${JSON.stringify(i.given)} is not an IPv4 address`);
    return { ip: i.given, listenAlso: false };
  }
  if (isWildcard(i.listenHost)) return { ip: i.nodeIP, listenAlso: false };
  if (!isLoopback(i.listenHost)) return isIP(i.listenHost) === 4 ? { ip: i.listenHost, listenAlso: false } : undefined;
  return i.podCidr ? { ip: gatewayOf(i.podCidr), listenAlso: true } : undefined;
}
