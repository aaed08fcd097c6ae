// The admin kubeconfig: our CA, the admin client certificate, the server URL.
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import type { Pki } from './ensure.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

export function kubeconfigYaml(pki: Pki, serverUrl: string, clusterName = 'tugboat'): string {
  const cfg = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: clusterName, cluster: { server: serverUrl, 'certificate-authority-data': b64(pki.ca.cert) } }],
    users: [
      {
        name: `${clusterName}-admin`,
        user: { 'client-certificate-data': b64(pki.admin.cert), 'client-key-data': b64(pki.admin.key) },
      },
    ],
    contexts: [{ name: clusterName, context: { cluster: clusterName, user: `${clusterName}-admin`, namespace: 'default' } }],
    'current-context': clusterName,
    preferences: {},
  };
  return stringify(cfg);
}

export function writeKubeconfig(path: string, pki: Pki, serverUrl: string): void {
  writeFileSync(path, kubeconfigYaml(pki, serverUrl), { mode: 0o600 });
}
