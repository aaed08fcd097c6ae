// Pod addresses per simulated node: the lowest free slot of the node's /24, released when the pod goes.
import { PODS_PER_RANGE, podIPAt } from './node-object.js';

export class IpPool {
  private readonly used = new Map<string, string>(); // ip -> pod key
  private readonly byPod = new Map<string, string>(); // pod key -> ip
  constructor(private readonly nodeIndex: number) {}

  /** The pod's address (the same one again if it already has one); undefined when the range is full. */
  allocate(podKey: string): string | undefined {
    const have = this.byPod.get(podKey);
    if (have) return have;
    for (let n = 0; n < PODS_PER_RANGE; n++) {
      const ip = podIPAt(this.nodeIndex, n);
      if (!this.used.has(ip)) {
        this.claim(podKey, ip);
        return ip;
      }
    }
    return undefined;
  }

  /** Records an address a pod already has (after a restart). */
  claim(podKey: string, ip: string): void {
    this.used.set(ip, podKey);
    this.byPod.set(podKey, ip);
  }

  release(podKey: string): void {
    const ip = this.byPod.get(podKey);
    if (ip === undefined) return;
    this.byPod.delete(podKey);
    if (this.used.get(ip) === podKey) this.used.delete(ip);
  }
}
