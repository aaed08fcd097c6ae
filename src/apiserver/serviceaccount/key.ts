// The service account signing key under DATA/pki (sa.key, and sa.pub for whoever verifies tokens elsewhere),
// made on first start as kubeadm does. Every API server of a cluster must share it: tokens one issues, all accept.
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function ensureServiceAccountKey(dataDir: string): string {
  const dir = join(dataDir, 'pki');
  const keyPath = join(dir, 'sa.key');
  if (existsSync(keyPath)) return readFileSync(keyPath, 'utf8');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const pem = newServiceAccountKey();
  writeFileSync(keyPath, pem, { mode: 0o600 });
  writeFileSync(join(dir, 'sa.pub'), createPublicKey(createPrivateKey(pem)).export({ type: 'spki', format: 'pem' }).toString());
  return pem;
}

export function newServiceAccountKey(): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
}
