// seccomp RuntimeDefault: allow everything except system calls a container has no business making, which fail
// with EPERM. The list follows what Docker's and containerd's default profiles refuse to an unprivileged
// container: kernel modules and kexec, clock setting, accounting, swap, reboot, keyrings, BPF and perf, raw I/O
// ports, NUMA policy, cross-process memory access and ptrace, handle-based opens, userfaultfd, and (without
// CAP_SYS_ADMIN) mounting and new namespaces. Names the kernel/libseccomp does not know are ignored by runc/crun.

const ALWAYS_DENIED = [
  'acct', 'add_key', 'bpf', 'clock_adjtime', 'clock_settime', 'create_module', 'delete_module', 'finit_module',
  'get_kernel_syms', 'get_mempolicy', 'init_module', 'ioperm', 'iopl', 'kcmp', 'kexec_file_load', 'kexec_load',
  'keyctl', 'lookup_dcookie', 'mbind', 'move_pages', 'nfsservctl', 'open_by_handle_at', 'perf_event_open',
  'process_vm_readv', 'process_vm_writev', 'ptrace', 'query_module', 'quotactl', 'reboot', 'request_key',
  'set_mempolicy', 'settimeofday', 'stime', 'swapon', 'swapoff', 'sysfs', '_sysctl', 'uselib', 'userfaultfd',
  'ustat', 'vm86', 'vm86old', 'name_to_handle_at',
];

/** Allowed when the container holds CAP_SYS_ADMIN (Docker's profile does the same). */
const NEED_SYS_ADMIN = [
  'mount', 'umount', 'umount2', 'unshare', 'setns', 'pivot_root', 'fsopen', 'fsconfig', 'fsmount',
  'fspick', 'open_tree', 'move_mount', 'mount_setattr',
];

const ARCHES: Record<string, string[]> = {
  x64: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
  arm64: ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'],
};

export interface SeccompProfile {
  defaultAction: 'SCMP_ACT_ALLOW';
  architectures: string[];
  syscalls: { names: string[]; action: 'SCMP_ACT_ERRNO'; errnoRet: number }[];
}

const EPERM = 1;

export function runtimeDefaultSeccomp(caps: string[], arch: string = process.arch): SeccompProfile {
  const names = [...ALWAYS_DENIED, ...(caps.includes('CAP_SYS_ADMIN') ? [] : NEED_SYS_ADMIN)];
  return {
    defaultAction: 'SCMP_ACT_ALLOW',
    architectures: ARCHES[arch] ?? [],
    syscalls: [{ names, action: 'SCMP_ACT_ERRNO', errnoRet: EPERM }],
  };
}
