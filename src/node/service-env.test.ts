import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod, Service, ServicePort } from 'kubernetes-types/core/v1.js';
import { resolveEnv } from './env.js';
import { podServiceEnv, serviceEnvVars, type ServiceLister } from './service-env.js';

function svc(namespace: string, name: string, clusterIP: string, ports: ServicePort[], type?: string): Service {
  return { metadata: { name, namespace }, spec: { clusterIP, ports, ...(type ? { type } : {}) } };
}

const lister = (all: Service[]): ServiceLister => ({ list: (ns) => all.filter((s) => s.metadata?.namespace === ns) });

const pod = (namespace: string, enableServiceLinks?: boolean): Pod => ({
  metadata: { name: 'p', namespace },
  spec: { containers: [{ name: 'c' }], ...(enableServiceLinks === undefined ? {} : { enableServiceLinks }) },
});

const kubernetes = svc('default', 'kubernetes', '10.43.0.1', [{ name: 'https', port: 443, protocol: 'TCP' }]);
const KUBERNETES_VARS = {
  KUBERNETES_SERVICE_HOST: '10.43.0.1',
  KUBERNETES_SERVICE_PORT: '443',
  KUBERNETES_SERVICE_PORT_HTTPS: '443',
  KUBERNETES_PORT: 'tcp://10.43.0.1:443',
  KUBERNETES_PORT_443_TCP: 'tcp://10.43.0.1:443',
  KUBERNETES_PORT_443_TCP_PROTO: 'tcp',
  KUBERNETES_PORT_443_TCP_PORT: '443',
  KUBERNETES_PORT_443_TCP_ADDR: '10.43.0.1',
};

describe('serviceEnvVars', () => {
  const cases: { name: string; services: Service[]; want: Record<string, string> }[] = [
    {
      name: 'one unnamed port, protocol defaulted to TCP, dashes become underscores',
      services: [svc('ns', 'my-db', '10.43.0.9', [{ port: 5432 }])],
      want: {
        MY_DB_SERVICE_HOST: '10.43.0.9',
        MY_DB_SERVICE_PORT: '5432',
        MY_DB_PORT: 'tcp://10.43.0.9:5432',
        MY_DB_PORT_5432_TCP: 'tcp://10.43.0.9:5432',
        MY_DB_PORT_5432_TCP_PROTO: 'tcp',
        MY_DB_PORT_5432_TCP_PORT: '5432',
        MY_DB_PORT_5432_TCP_ADDR: '10.43.0.9',
      },
    },
    {
      name: 'several named ports: SERVICE_PORT and PORT are the first one, UDP and SCTP lower-cased in URLs',
      services: [
        svc('ns', 'dns', '10.43.0.10', [
          { name: 'dns-udp', port: 53, protocol: 'UDP' },
          { name: 'metrics', port: 9153, protocol: 'TCP' },
          { name: 'sig', port: 3868, protocol: 'SCTP' },
        ]),
      ],
      want: {
        DNS_SERVICE_HOST: '10.43.0.10',
        DNS_SERVICE_PORT: '53',
        DNS_SERVICE_PORT_DNS_UDP: '53',
        DNS_SERVICE_PORT_METRICS: '9153',
        DNS_SERVICE_PORT_SIG: '3868',
        DNS_PORT: 'udp://10.43.0.10:53',
        DNS_PORT_53_UDP: 'udp://10.43.0.10:53',
        DNS_PORT_53_UDP_PROTO: 'udp',
        DNS_PORT_53_UDP_PORT: '53',
        DNS_PORT_53_UDP_ADDR: '10.43.0.10',
        DNS_PORT_9153_TCP: 'tcp://10.43.0.10:9153',
        DNS_PORT_9153_TCP_PROTO: 'tcp',
        DNS_PORT_9153_TCP_PORT: '9153',
        DNS_PORT_9153_TCP_ADDR: '10.43.0.10',
        DNS_PORT_3868_SCTP: 'sctp://10.43.0.10:3868',
        DNS_PORT_3868_SCTP_PROTO: 'sctp',
        DNS_PORT_3868_SCTP_PORT: '3868',
        DNS_PORT_3868_SCTP_ADDR: '10.43.0.10',
      },
    },
    {
      name: 'IPv6: bracketed in URLs, bare in HOST and ADDR',
      services: [svc('ns', 'v6', 'fd00:43::5', [{ name: 'http', port: 80 }])],
      want: {
        V6_SERVICE_HOST: 'fd00:43::5',
        V6_SERVICE_PORT: '80',
        V6_SERVICE_PORT_HTTP: '80',
        V6_PORT: 'tcp://[fd00:43::5]:80',
        V6_PORT_80_TCP: 'tcp://[fd00:43::5]:80',
        V6_PORT_80_TCP_PROTO: 'tcp',
        V6_PORT_80_TCP_PORT: '80',
        V6_PORT_80_TCP_ADDR: 'fd00:43::5',
      },
    },
    {
      name: 'headless, unallocated and ExternalName services give nothing',
      services: [
        svc('ns', 'headless', 'None', [{ port: 80 }]),
        svc('ns', 'pending', '', [{ port: 80 }]),
        svc('ns', 'ext', '10.43.0.77', [{ port: 80 }], 'ExternalName'),
      ],
      want: {},
    },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(serviceEnvVars(c.services), c.want));
});

describe('podServiceEnv', () => {
  const web = svc('apps', 'web', '10.43.0.20', [{ name: 'http', port: 8080 }]);
  const other = svc('default', 'other', '10.43.0.30', [{ port: 1 }]);
  const all = [kubernetes, web, other, svc('elsewhere', 'x', '10.43.0.40', [{ port: 2 }])];
  const keys = (env: Record<string, string>) => [...new Set(Object.keys(env).map((k) => k.split('_')[0]))].sort();

  const cases: { name: string; pod: Pod; services: Service[]; want: string[] }[] = [
    { name: 'links on (default): own namespace plus default/kubernetes, no other namespace', pod: pod('apps'), services: all, want: ['KUBERNETES', 'WEB'] },
    { name: 'links off: only KUBERNETES_* for a pod in another namespace', pod: pod('apps', false), services: all, want: ['KUBERNETES'] },
    { name: 'links off in default: still only KUBERNETES_*', pod: pod('default', false), services: all, want: ['KUBERNETES'] },
    { name: 'links on in default: every default service', pod: pod('default'), services: all, want: ['KUBERNETES', 'OTHER'] },
    { name: 'no kubernetes service: nothing of it', pod: pod('apps'), services: [web], want: ['WEB'] },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(keys(podServiceEnv(c.pod, lister(c.services))), c.want));

  it('gives the full KUBERNETES_* set to a pod in another namespace', () => {
    const env = podServiceEnv(pod('apps', false), lister(all));
    assert.deepEqual(env, KUBERNETES_VARS);
  });

  it('on a name clash the pod namespace wins (links on), the master service otherwise', () => {
    const own = svc('apps', 'kubernetes', '10.43.0.99', [{ port: 6443 }]);
    // Either listing order: the pod's namespace still wins.
    assert.equal(podServiceEnv(pod('apps'), lister([own, kubernetes])).KUBERNETES_SERVICE_HOST, '10.43.0.99');
    assert.equal(podServiceEnv(pod('apps'), lister([kubernetes, own])).KUBERNETES_SERVICE_PORT, '6443');
    assert.equal(podServiceEnv(pod('apps', false), lister([own, kubernetes])).KUBERNETES_SERVICE_HOST, '10.43.0.1');
  });

  it('a headless service of the pod namespace does not hide the master service', () => {
    const headless = svc('apps', 'kubernetes', 'None', [{ port: 6443 }]);
    assert.equal(podServiceEnv(pod('apps'), lister([headless, kubernetes])).KUBERNETES_SERVICE_HOST, '10.43.0.1');
  });
});

describe('resolveEnv with service variables', () => {
  const base = { source: { configMap: () => ({ data: { WEB_SERVICE_PORT: 'from-cm' } }), secret: () => undefined }, nodeName: 'n', node: { cpus: 1, memoryBytes: 1 } };

  it('service variables are the base; envFrom and env override them; env may refer to them', () => {
    const p = pod('apps');
    const services = podServiceEnv(p, lister([kubernetes, svc('apps', 'web', '10.43.0.20', [{ name: 'http', port: 8080 }])]));
    const env = resolveEnv({
      ...base,
      pod: p,
      services,
      container: {
        name: 'c',
        envFrom: [{ configMapRef: { name: 'cm' } }],
        env: [
          { name: 'WEB_SERVICE_HOST', value: 'mine' },
          { name: 'API', value: 'https://$(KUBERNETES_SERVICE_HOST):$(KUBERNETES_SERVICE_PORT)' },
          { name: 'WEB', value: '$(WEB_PORT_8080_TCP_ADDR):$(WEB_SERVICE_PORT_HTTP)' },
        ],
      },
    });
    assert.equal(env.WEB_SERVICE_HOST, 'mine');
    assert.equal(env.WEB_SERVICE_PORT, 'from-cm');
    assert.equal(env.API, 'https://10.43.0.1:443');
    assert.equal(env.WEB, '10.43.0.20:8080');
    assert.equal(env.KUBERNETES_PORT, 'tcp://10.43.0.1:443');
  });

  it('without services the environment is only the container own', () => {
    const env = resolveEnv({ ...base, pod: pod('apps'), container: { name: 'c', env: [{ name: 'A', value: '$(KUBERNETES_SERVICE_HOST)' }] } });
    assert.deepEqual(env, { A: '$(KUBERNETES_SERVICE_HOST)' });
  });
});
