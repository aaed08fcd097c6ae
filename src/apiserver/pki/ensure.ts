// The cluster's credentials under DATA/pki, made on first start and reused after: a CA, a serving certificate,
// an admin client certificate (CN=admin, O=system:masters, as kubeadm's admin.conf) and a bearer-token file.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { makeCert, type KeyAndCert } from './certs.js';

export interface Pki {
  dir: string;
  ca: KeyAndCert;
  server: KeyAndCert;
  admin: KeyAndCert;
  /** The API server's client certificate towards node agents (log/exec/attach/port-forward relays). */
  kubeletClient: KeyAndCert;
  /** The admin's bearer token (also in tokens.csv). */
  adminToken: string;
  tokenFile: string;
}

const read = (p: string) => readFileSync(p, 'utf8');

function writeSecret(path: string, data: string): void {
  writeFileSync(path, data, { mode: 0o600 });
}

function loadOrMake(dir: string, name: string, make: () => KeyAndCert): KeyAndCert {
  const crt = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  if (existsSync(crt) && existsSync(key)) return { cert: read(crt), key: read(key) };
  const kc = make();
  writeSecret(key, kc.key);
  writeFileSync(crt, kc.cert);
  return kc;
}

/** The first address of the service range (10.43.0.0/16), where the `kubernetes` Service lives. */
const KUBERNETES_SERVICE_IP = '10.43.0.1';

/** Every SAN the serving certificate needs: loopback, the host name and the extra ones asked for. */
export function servingSans(extra: readonly string[] = []): string[] {
  // The `kubernetes` Service's address and names, as in-cluster clients dial them.
  const all = ['127.0.0.1', 'localhost', hostname(), KUBERNETES_SERVICE_IP, 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', ...extra];
  return [...new Set(all.filter((s) => s.length > 0))];
}

export function ensurePki(dataDir: string, extraSans: readonly string[] = []): Pki {
  const dir = join(dataDir, 'pki');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const ca = loadOrMake(dir, 'ca', () => makeCert({ commonName: 'tugboat-ca', usage: 'ca', days: 3650 }));
  // The serving certificate is remade when the SAN list changes (a new --tls-san).
  const sans = servingSans(extraSans);
  const sansFile = join(dir, 'server.sans');
  const sansText = sans.join('\n') + '\n';
  const sansChanged = !existsSync(sansFile) || read(sansFile) !== sansText;
  const serverMake = () => makeCert({ commonName: 'tugboat-apiserver', sans, usage: 'server', days: 365 }, ca);
  let server: KeyAndCert;
  if (sansChanged) {
    server = serverMake();
    writeSecret(join(dir, 'server.key'), server.key);
    writeFileSync(join(dir, 'server.crt'), server.cert);
    writeFileSync(sansFile, sansText);
  } else {
    server = loadOrMake(dir, 'server', serverMake);
  }
  const admin = loadOrMake(dir, 'admin', () =>
    makeCert({ commonName: 'admin', organizations: ['system:masters'], usage: 'client', days: 365 }, ca),
  );
  const kubeletClient = loadOrMake(dir, 'apiserver-kubelet-client', () =>
    makeCert({ commonName: 'kube-apiserver-kubelet-client', organizations: ['system:masters'], usage: 'client', days: 365 }, ca),
  );
  // Static token file in kube-apiserver's --token-auth-file format: token,user,uid,"group1,group2"
  const tokenFile = join(dir, 'tokens.csv');
  if (!existsSync(tokenFile)) {
    writeSecret(tokenFile, `${randomBytes(24).toString('hex')},admin,admin,"system:masters"\n`);
  }
  const adminToken = read(tokenFile).split('\n')[0]!.split(',')[0]!;
  return { dir, ca, server, admin, kubeletClient, adminToken, tokenFile };
}

/**
 * The node agent's serving certificate (kubelet's kubelet.crt), signed by the cluster CA so the API server's
 * relay can verify it: CN = node name, SANs = the node's addresses and name. Remade when the SANs change.
 */
export function ensureAgentServingCert(pki: Pki, nodeName: string, sans: readonly string[]): KeyAndCert {
  const all = [...new Set([nodeName, ...sans].filter((s) => s.length > 0))];
  const base = join(pki.dir, `agent-${nodeName.replace(/[^A-Za-z0-9.-]/g, '_')}`);
  const text = all.join('\n') + '\n';
  if (existsSync(`${base}.crt`) && existsSync(`${base}.key`) && existsSync(`${base}.sans`) && read(`${base}.sans`) === text) {
    return { cert: read(`${base}.crt`), key: read(`${base}.key`) };
  }
  const kc = makeCert({ commonName: nodeName, sans: all, usage: 'server', days: 365 }, pki.ca);
  writeSecret(`${base}.key`, kc.key);
  writeFileSync(`${base}.crt`, kc.cert);
  writeFileSync(`${base}.sans`, text);
  return kc;
}
