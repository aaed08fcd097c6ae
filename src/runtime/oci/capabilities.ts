// Linux capabilities of a container: containerd's default set for ordinary containers, every capability for
// privileged ones, and securityContext.capabilities add/drop on top (names with or without the CAP_ prefix; "ALL").

/** containerd's default (pkg/oci defaultUnixCaps); Docker's is the same list. */
export const DEFAULT_CAPS = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

/** Every capability up to CAP_CHECKPOINT_RESTORE (40), in kernel order. */
export const ALL_CAPS = [
  'CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID', 'SETPCAP',
  'LINUX_IMMUTABLE', 'NET_BIND_SERVICE', 'NET_BROADCAST', 'NET_ADMIN', 'NET_RAW', 'IPC_LOCK', 'IPC_OWNER',
  'SYS_MODULE', 'SYS_RAWIO', 'SYS_CHROOT', 'SYS_PTRACE', 'SYS_PACCT', 'SYS_ADMIN', 'SYS_BOOT', 'SYS_NICE',
  'SYS_RESOURCE', 'SYS_TIME', 'SYS_TTY_CONFIG', 'MKNOD', 'LEASE', 'AUDIT_WRITE', 'AUDIT_CONTROL', 'SETFCAP',
  'MAC_OVERRIDE', 'MAC_ADMIN', 'SYSLOG', 'WAKE_ALARM', 'BLOCK_SUSPEND', 'AUDIT_READ', 'PERFMON', 'BPF',
  'CHECKPOINT_RESTORE',
].map((c) => `CAP_${c}`);

/** "net_raw", "NET_RAW" and "CAP_NET_RAW" all name CAP_NET_RAW. */
export function capName(c: string): string {
  const u = c.trim().toUpperCase();
  return u.startsWith('CAP_') ? u : `CAP_${u}`;
}

/**
 * The capability set of a container. Drops apply before adds, as in containerd: `drop: [ALL], add: [NET_BIND_SERVICE]`
 * leaves just NET_BIND_SERVICE. Unknown names are kept (the OCI runtime warns and ignores what it does not know).
 */
export function containerCaps(o: { privileged?: boolean; add?: string[]; drop?: string[] }): string[] {
  if (o.privileged) return [...ALL_CAPS];
  const drop = new Set((o.drop ?? []).map(capName));
  const add = (o.add ?? []).map(capName);
  let caps = drop.has('CAP_ALL') ? [] : DEFAULT_CAPS.filter((c) => !drop.has(c));
  if (add.includes('CAP_ALL')) caps = [...ALL_CAPS];
  for (const c of add) if (c !== 'CAP_ALL' && !caps.includes(c)) caps.push(c);
  return caps;
}
