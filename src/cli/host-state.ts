// What the machine looked like before the first pod network of this data dir was set up (ip_forward, the pod
// and service CIDR routes), kept in the data dir until a graceful shutdown puts it back. The pod network's own
// claim only remembers what it added in this process: after a SIGKILL and a restart it finds its routes and
// ip_forward already there and would leave them behind. This record survives the SIGKILL.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_CLUSTER_CIDR, DEFAULT_SERVICE_CIDR, NFT_TABLE } from '../network/index.js';

interface HostState {
  ipForward: string;
  blackhole: boolean;
  serviceRoute: boolean;
}

const IP_FORWARD = '/proc/sys/net/ipv4/ip_forward';

function ip(args: string[]): string {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : '';
}

function fileOf(dataDir: string): string {
  return join(dataDir, 'host-network-before.json');
}

/** Records the host's state unless a record from an earlier (killed) run is still there. */
export function recordHostState(dataDir: string): void {
  if (existsSync(fileOf(dataDir))) return;
  const st: HostState = {
    ipForward: readFileSync(IP_FORWARD, 'utf8').trim(),
    blackhole: ip(['route', 'show', 'exact', DEFAULT_CLUSTER_CIDR]) !== '',
    serviceRoute: ip(['route', 'show', 'table', 'local', 'exact', DEFAULT_SERVICE_CIDR]) !== '',
  };
  writeFileSync(fileOf(dataDir), JSON.stringify(st));
}

/** After the pod network's cleanup: puts back what the record says, unless another pod network still runs. */
export function restoreHostState(dataDir: string): void {
  const file = fileOf(dataDir);
  let st: HostState;
  try {
    st = JSON.parse(readFileSync(file, 'utf8')) as HostState;
  } catch {
    return;
  }
  // Another server's (or test's) forward guard still stands: its network needs the routes and forwarding.
  const nft = spawnSync('nft', ['list', 'table', 'inet', NFT_TABLE], { encoding: 'utf8' });
  const othersRunning = nft.status === 0 && /\bchain\b/.test(nft.stdout);
  if (!othersRunning) {
    if (!st.blackhole && ip(['route', 'show', 'exact', DEFAULT_CLUSTER_CIDR]) !== '') ip(['route', 'del', 'blackhole', DEFAULT_CLUSTER_CIDR]);
    if (!st.serviceRoute && ip(['route', 'show', 'table', 'local', 'exact', DEFAULT_SERVICE_CIDR]) !== '') {
      ip(['route', 'del', 'local', DEFAULT_SERVICE_CIDR, 'dev', 'lo', 'table', 'local']);
    }
    // Forwarding without the guard would let pod traffic out: it goes back off when it was off.
    if (st.ipForward === '0') {
      try {
        writeFileSync(IP_FORWARD, '0');
      } catch {
        /* not root: nothing was turned on by us either */
      }
    }
  }
  rmSync(file, { force: true });
}
