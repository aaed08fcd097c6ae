// Reads a kubeconfig (the current context, or a named one) into what httpsTransport needs.
// Relative file paths are relative to the kubeconfig's own folder, as kubectl resolves them.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { parse } from 'yaml';
import type { HttpsTransportOptions } from './transport.js';

interface Named<T> {
  name: string;
  [k: string]: unknown;
  cluster?: T;
  user?: T;
  context?: T;
}

export interface KubeconfigTarget extends HttpsTransportOptions {
  /** The context's default namespace ('default' when unset). */
  namespace: string;
}

export function readKubeconfig(path: string, contextName?: string): KubeconfigTarget {
  return parseKubeconfig(readFileSync(path, 'utf8'), dirname(path), contextName);
}

export function parseKubeconfig(text: string, baseDir: string, contextName?: string): KubeconfigTarget {
  const cfg = (parse(text) ?? {}) as Record<string, unknown>;
  const pick = <T>(list: unknown, name: string | undefined, what: string): T => {
    const found = ((list as Named<T>[] | undefined) ?? []).find((e) => e.name === name);
    if (!found) throw new Error(`kubeconfig: ${what} "${name ?? ''}" not found`);
    return (found.cluster ?? found.user ?? found.context ?? {}) as T;
  };
  const ctxName = contextName ?? (cfg['current-context'] as string | undefined);
  const ctx = pick<{ cluster?: string; user?: string; namespace?: string }>(cfg['contexts'], ctxName, 'context');
  const cluster = pick<Record<string, unknown>>(cfg['clusters'], ctx.cluster, 'cluster');
  const user = ctx.user ? pick<Record<string, unknown>>(cfg['users'], ctx.user, 'user') : {};
  const file = (p: unknown) => (typeof p === 'string' ? readFileSync(isAbsolute(p) ? p : join(baseDir, p)) : undefined);
  const data = (d: unknown) => (typeof d === 'string' ? Buffer.from(d, 'base64') : undefined);
  const server = cluster['server'];
  if (typeof server !== 'string') throw new Error('kubeconfig: the cluster has no server');
  const tokenFile = file(user['tokenFile']);
  const token = (user['token'] as string | undefined) ?? tokenFile?.toString('utf8').trim();
  return {
    server,
    ca: data(cluster['certificate-authority-data']) ?? file(cluster['certificate-authority']),
    cert: data(user['client-certificate-data']) ?? file(user['client-certificate']),
    key: data(user['client-key-data']) ?? file(user['client-key']),
    token,
    insecureSkipTlsVerify: cluster['insecure-skip-tls-verify'] === true,
    tlsServerName: cluster['tls-server-name'] as string | undefined,
    namespace: ctx.namespace ?? 'default',
  };
}
