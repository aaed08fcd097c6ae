// Flag helpers: every flag has a TUG_* environment twin, shown in --help.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Option } from 'commander';

/** A flag whose environment twin is TUG_<FLAG_NAME>. */
export function flag(flags: string, description: string, defaultValue?: string): Option {
  const long = /--([a-z0-9-]+)/.exec(flags)?.[1] ?? '';
  const env = `TUG_${long.replace(/-/g, '_').toUpperCase()}`;
  const opt = new Option(flags, description).env(env);
  if (defaultValue !== undefined) opt.default(defaultValue);
  return opt;
}

/** ~/.tug, or /var/lib/tug when running as root (as k3s keeps /var/lib/rancher). */
export function defaultDataDir(): string {
  return process.getuid?.() === 0 ? '/var/lib/tug' : join(homedir(), '.tug');
}

/** Parses HOST:PORT (IPv6 as [::1]:6443). */
export function parseListen(s: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(s);
  const port = m ? Number(m[3]) : NaN;
  if (!m || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--listen ${JSON.stringify(s)} is not HOST:PORT (e.g. 127.0.0.1:6443)`);
  }
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}
