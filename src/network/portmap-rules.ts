// portmap's shared nat chains (CNI-HOSTPORT-DNAT, -SETMARK, -MASQ and the jumps to them from the built-in
// chains) outlive every pod: its DEL removes only a pod's own CNI-DN-/CNI-SN- chains. When the node's network
// is cleaned up and no pod of anyone on this machine still has a hostPort chain, the shared ones go too, so a
// stopped node leaves the nat table as it found it (with the nft `ip nat`/`ip6 nat` tables iptables-nft made,
// when they were not there before and are empty now).
import { runTool } from './exec.js';

const SHARED = ['CNI-HOSTPORT-DNAT', 'CNI-HOSTPORT-SETMARK', 'CNI-HOSTPORT-MASQ'];
const TOOLS = [
  { cmd: 'iptables', family: 'ip' },
  { cmd: 'ip6tables', family: 'ip6' },
];

/** Which nft nat tables exist now (taken when the network starts, to know later which ones we caused). */
export async function natTablesPresent(): Promise<Set<string>> {
  const r = await runTool('nft', ['list', 'tables']).catch(() => undefined);
  const present = new Set<string>();
  for (const t of TOOLS) if (r?.stdout.includes(`table ${t.family} nat\n`)) present.add(t.family);
  return present;
}

export async function removeIdlePortmapChains(natBefore: Set<string>): Promise<void> {
  for (const t of TOOLS) {
    const listed = await runTool(t.cmd, ['-w', '-t', 'nat', '-S']).catch(() => undefined);
    if (!listed || listed.code !== 0) continue;
    const lines = listed.stdout.split('\n');
    // Some pod (ours or another node agent's on this machine) still maps a host port: leave everything.
    if (lines.some((l) => /^-N CNI-(DN|SN)-/.test(l))) continue;
    for (const l of lines) {
      const jump = /^-A (PREROUTING|OUTPUT|POSTROUTING|INPUT) .*-j (CNI-HOSTPORT-\S+)/.exec(l);
      // -S prints each rule shell-quoted (comments), so the shell splits it back into the same arguments.
      if (jump && SHARED.includes(jump[2] ?? '')) await runTool('sh', ['-c', `${t.cmd} -w -t nat ${l.replace(/^-A /, '-D ')}`]);
    }
    for (const c of SHARED) if (lines.includes(`-N ${c}`)) await runTool(t.cmd, ['-w', '-t', 'nat', '-F', c]);
    for (const c of SHARED) if (lines.includes(`-N ${c}`)) await runTool(t.cmd, ['-w', '-t', 'nat', '-X', c]);
    if (natBefore.has(t.family)) continue;
    const left = await runTool(t.cmd, ['-w', '-t', 'nat', '-S']);
    const onlyPolicies = left.code === 0 && left.stdout.split('\n').every((l) => l === '' || l.startsWith('-P '));
    if (onlyPolicies) await runTool('nft', ['delete', 'table', t.family, 'nat']);
  }
}
