import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { ContainerConfigError, resolveEnv } from './env.js';

const pod: Pod = {
  metadata: { name: 'p', namespace: 'ns', uid: 'u1', labels: { app: 'a' } },
  spec: { nodeName: 'n1', containers: [{ name: 'c', resources: { limits: { memory: '64Mi' } } }] },
};
const source = {
  configMap: (_ns: string, name: string) => (name === 'cm' ? { data: { A: '1', B: '2' } } : undefined),
  secret: (_ns: string, name: string) => (name === 's' ? { data: { PASS: Buffer.from('pw').toString('base64') } } : undefined),
};
const base = { pod, source, podIP: '10.42.0.5', hostIP: '192.0.2.2', nodeName: 'n1', node: { cpus: 2, memoryBytes: 1 << 30 } };

it('resolves envFrom with prefix, valueFrom, downward API and $(VAR) in order', () => {
  const env = resolveEnv({
    ...base,
    container: {
      name: 'c',
      envFrom: [{ configMapRef: { name: 'cm' }, prefix: 'CM_' }, { secretRef: { name: 'missing', optional: true } }],
      env: [
        { name: 'PASS', valueFrom: { secretKeyRef: { name: 's', key: 'PASS' } } },
        { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
        { name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
        { name: 'URL', value: 'http://$(IP):80/$(CM_A)/$(NOPE)' },
      ],
    },
  });
  assert.deepEqual(env, { CM_A: '1', CM_B: '2', PASS: 'pw', IP: '10.42.0.5', APP: 'a', MEM: '64', URL: 'http://10.42.0.5:80/1/$(NOPE)' });
});

it('gives kubelet messages for missing objects and keys', () => {
  const msg = (container: Parameters<typeof resolveEnv>[0]['container']) => {
    try {
      resolveEnv({ ...base, container });
      return '';
    } catch (e) {
      assert.ok(e instanceof ContainerConfigError);
      return e.message;
    }
  };
  assert.equal(msg({ name: 'c', envFrom: [{ secretRef: { name: 'a-secrets' } }] }), 'secret "a-secrets" not found');
  assert.equal(msg({ name: 'c', env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cm', key: 'Z' } } }] }), "couldn't find key Z in ConfigMap ns/cm");
  assert.equal(msg({ name: 'c', env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cm', key: 'Z', optional: true } } }] }), '');
});
