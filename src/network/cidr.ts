// IPv4 CIDR arithmetic for the pod network: the node's /24 inside the cluster's pod CIDR, the gateway address.

export function ipToInt(ip: string): number {
  const p = ip.split('.').map(Number);
  if (p.length !== 4 || p.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) throw new Error(`not an IPv4 address: ${ip}`);
  return ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0;
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function parseCidr(cidr: string): { base: number; bits: number } {
  const [ip, bits] = cidr.split('/');
  const b = Number(bits);
  if (!ip || !Number.isInteger(b) || b < 0 || b > 32) throw new Error(`not an IPv4 CIDR: ${cidr}`);
  const mask = b === 0 ? 0 : (0xffffffff << (32 - b)) >>> 0;
  return { base: (ipToInt(ip) & mask) >>> 0, bits: b };
}

export function cidrContains(cidr: string, ip: string): boolean {
  const { base, bits } = parseCidr(cidr);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return ((ipToInt(ip) & mask) >>> 0) === base;
}

/** The first usable address of a subnet: the bridge's gateway (10.42.0.0/24 -> 10.42.0.1). */
export function gatewayOf(cidr: string): string {
  return intToIp(parseCidr(cidr).base + 1);
}
