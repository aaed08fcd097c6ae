// A pod that looks like one a Deployment makes (~3 KB of JSON as served, managedFields included), for list and watch benchmarks.

export function realisticPod(ns: string, i: number): Record<string, unknown> {
  const app = `svc-${i % 50}`;
  const hash = (0x5f3a1c + (i % 50) * 7919).toString(16);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${app}-${hash}-${(i * 2654435761 >>> 0).toString(36).slice(0, 5)}`,
      namespace: ns,
      labels: { app, 'pod-template-hash': hash, 'app.kubernetes.io/part-of': 'shop', 'app.kubernetes.io/version': '1.24.3' },
      annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9102' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${app}-${hash}`, uid: `0b1c2d3e-0000-4000-8000-${String(i % 50).padStart(12, '0')}`, controller: true, blockOwnerDeletion: true }],
    },
    spec: {
      containers: [
        {
          name: 'app',
          image: `registry.example.com/shop/${app}:1.24.3`,
          ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }, { name: 'metrics', containerPort: 9102, protocol: 'TCP' }],
          env: [
            { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
            { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } } },
            { name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'db', key: 'url' } } },
            { name: 'FEATURE_FLAGS', value: 'checkout-v2,fast-search' },
          ],
          resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
          readinessProbe: { httpGet: { path: '/ready', port: 8080, scheme: 'HTTP' }, periodSeconds: 5, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 },
          volumeMounts: [{ name: 'config', mountPath: '/etc/app', readOnly: true }, { name: 'tmp', mountPath: '/tmp' }],
          imagePullPolicy: 'IfNotPresent',
        },
        {
          name: 'proxy',
          image: 'registry.example.com/mesh/proxy:2.1.0',
          ports: [{ name: 'proxy', containerPort: 15001, protocol: 'TCP' }],
          resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
        },
      ],
      volumes: [{ name: 'config', configMap: { name: `${app}-config` } }, { name: 'tmp', emptyDir: {} }],
      nodeName: `node-${i % 20}`,
      tolerations: [
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      ],
    },
  };
}
