import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errors, fieldErrorString, type FieldError } from '../errors.js';
import type { KubeObject } from '../object.js';
import type { ResourceInfo } from '../resource.js';
import { testResourceInfo as info } from '../testing.js';
import { applyDefaults } from '../defaults/index.js';
import { validateCreate, validateUpdate } from './index.js';
const POD = info('', 'Pod');
const SVC = info('', 'Service');
const CM = info('', 'ConfigMap');
const SECRET = info('', 'Secret');
const NS = info('', 'Namespace', false);
const DEPLOY = info('apps', 'Deployment');
const STS = info('apps', 'StatefulSet');
const DS = info('apps', 'DaemonSet');
const JOB = info('batch', 'Job');
const CRON = info('batch', 'CronJob');
const ING = info('networking.k8s.io', 'Ingress');
const PDB = info('policy', 'PodDisruptionBudget');
const RB = info('rbac.authorization.k8s.io', 'RoleBinding');
const HPA = info('autoscaling', 'HorizontalPodAutoscaler');
const SC = info('storage.k8s.io', 'StorageClass', false);
const PVC = info('', 'PersistentVolumeClaim');

/** Defaults first, as the server does, then validation; returns "field: body" lines. */
function create(i: ResourceInfo, o: KubeObject): string[] {
  const obj = structuredClone(o);
  applyDefaults(i, obj);
  return validateCreate(i, obj).map(fieldErrorString);
}
function update(i: ResourceInfo, o: KubeObject, old: KubeObject): string[] {
  const a = structuredClone(o);
  const b = structuredClone(old);
  applyDefaults(i, a);
  applyDefaults(i, b);
  return validateUpdate(i, a, b).map(fieldErrorString);
}

const meta = (name: string, extra: Record<string, unknown> = {}) => ({ name, namespace: 'default', ...extra });
const pod = (spec: Record<string, unknown>, name = 'p'): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: meta(name), spec });
const ctr = (extra: Record<string, unknown> = {}) => ({ name: 'c', image: 'nginx:1.25', ...extra });
const deployment = (spec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: meta('web'),
  spec: {
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [ctr()] } },
    ...spec,
  },
});

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')".replace(',  or', ', or');

test('valid objects pass', () => {
  assert.deepEqual(create(POD, pod({ containers: [ctr({ ports: [{ containerPort: 80, name: 'http' }] })] })), []);
  assert.deepEqual(create(DEPLOY, deployment({})), []);
  assert.deepEqual(create(SVC, { metadata: meta('web'), spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } }), []);
  assert.deepEqual(create(CM, { metadata: meta('cfg'), data: { 'app.properties': 'x=1' } }), []);
  assert.deepEqual(create(NS, { metadata: { name: 'team-a' } }), []);
});

test('metadata names, labels and annotations', () => {
  const cases: Array<[KubeObject, string[]]> = [
    [pod({ containers: [ctr()] }, 'Bad_Name'), [`metadata.name: Invalid value: "Bad_Name": ${SUBDOMAIN_MSG}`]],
    [{ metadata: { namespace: 'default' }, spec: { containers: [ctr()] } }, ['metadata.name: Required value: name or generateName is required']],
    [
      { metadata: { ...meta('p'), labels: { 'app/x/y': 'v' } }, spec: { containers: [ctr()] } },
      [
        "metadata.labels: Invalid value: \"app/x/y\": a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')".replaceAll(',  or', ', or'),
      ],
    ],
    [
      { metadata: { ...meta('p'), labels: { app: 'bad value' } }, spec: { containers: [ctr()] } },
      [
        "metadata.labels: Invalid value: \"bad value\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue', or 'my_value', or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
      ],
    ],
    [
      { metadata: { ...meta('p'), annotations: { 'Example.com/Key': 'ok', 'bad key': 'x' } }, spec: { containers: [ctr()] } },
      [
        "metadata.annotations: Invalid value: \"bad key\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName', or 'my.name', or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
      ],
    ],
    [
      { metadata: { ...meta('p'), annotations: { big: 'x'.repeat(256 * 1024) } }, spec: { containers: [ctr()] } },
      ['metadata.annotations: Too long: may not be more than 262144 bytes'],
    ],
    [
      { metadata: { ...meta('p'), finalizers: ['foo'] }, spec: { containers: [ctr()] } },
      ['metadata.finalizers[0]: Invalid value: "foo": name is neither a standard finalizer name nor is it fully qualified'],
    ],
    [
      { metadata: { ...meta('p'), ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: '' }] }, spec: { containers: [ctr()] } },
      ['metadata.ownerReferences.uid: Invalid value: "": must not be empty'],
    ],
  ];
  for (const [o, want] of cases) assert.deepEqual(create(POD, o), want);
  assert.deepEqual(create(SVC, { metadata: meta('1web'), spec: { ports: [{ port: 80 }] } }), [
    "metadata.name: Invalid value: \"1web\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name', or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
  ]);
  assert.deepEqual(create(NS, { metadata: { name: 'a.b' } }), ['metadata.name: Invalid value: "a.b": must not contain dots']);
  assert.deepEqual(create(NS, { metadata: { name: 'ns', namespace: 'x' } }), ['metadata.namespace: Forbidden: not allowed on this type']);
  assert.deepEqual(create(POD, { metadata: { name: 'p' }, spec: { containers: [ctr()] } }), ['metadata.namespace: Required value']);
  // generateName may end in '-'.
  assert.deepEqual(create(POD, { metadata: { name: 'web-abcde', generateName: 'web-', namespace: 'default' }, spec: { containers: [ctr()] } }), []);
});

test('pod spec rules', () => {
  const cases: Array<[Record<string, unknown>, string[]]> = [
    [{ containers: [] }, ['spec.containers: Required value']],
    [{ containers: [{ name: 'c' }] }, ['spec.containers[0].image: Required value']],
    [{ containers: [ctr({ name: 'Web' })] }, [`spec.containers[0].name: Invalid value: "Web": ${LABEL_MSG}`]],
    [{ containers: [ctr(), ctr()] }, ['spec.containers[1].name: Duplicate value: "c"']],
    [{ containers: [ctr({ ports: [{ containerPort: 70000 }] })] }, ['spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive']],
    [{ containers: [ctr({ ports: [{ containerPort: 80, protocol: 'HTTP' }] })] }, ['spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"']],
    [
      { containers: [ctr({ ports: [{ containerPort: 80, name: 'http' }, { containerPort: 81, name: 'http' }] })] },
      ['spec.containers[0].ports[1].name: Duplicate value: "http"'],
    ],
    [{ containers: [ctr({ ports: [{ containerPort: 80, name: 'HTTP_PORT' }] })] }, [
      'spec.containers[0].ports[0].name: Invalid value: "HTTP_PORT": must be no more than 15 characters'.replace('must be no more than 15 characters', 'must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)'),
      'spec.containers[0].ports[0].name: Invalid value: "HTTP_PORT": must contain at least one letter (a-z)',
    ]],
    [{ containers: [ctr({ volumeMounts: [{ name: 'data', mountPath: '/data' }] })] }, ['spec.containers[0].volumeMounts[0].name: Not found: "data"']],
    [{ restartPolicy: 'Sometimes', containers: [ctr()] }, ['spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"']],
    [
      { containers: [ctr({ resources: { requests: { cpu: '2' }, limits: { cpu: '1' } } })] },
      ['spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1'],
    ],
    [
      { containers: [ctr({ resources: { requests: { memory: '-1Gi' } } })] },
      ['spec.containers[0].resources.requests[memory]: Invalid value: "-1Gi": must be greater than or equal to 0'],
    ],
    [
      { containers: [ctr({ resources: { limits: { cpu: 'lots' } } })] },
      [
        "spec.containers[0].resources.limits[cpu]: Invalid value: \"lots\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
      ],
    ],
    [{ containers: [ctr({ livenessProbe: {} })] }, ['spec.containers[0].livenessProbe: Required value: must specify a handler type']],
    [
      { containers: [ctr({ livenessProbe: { httpGet: { port: 80 }, successThreshold: 2 } })] },
      ['spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1'],
    ],
    [{ containers: [ctr({ env: [{ name: 'A=B', value: 'x' }] })] }, [
      "spec.containers[0].env[0].name: Invalid value: \"A=B\": a valid environment variable name must consist only of printable ASCII characters other than '='",
    ]],
    [{ volumes: [{ name: 'v', emptyDir: {}, hostPath: { path: '/x' } }], containers: [ctr()] }, ['spec.volumes[0].emptyDir: Forbidden: may not specify more than 1 volume type']],
    [{ containers: [ctr({ imagePullPolicy: 'Sometimes' })] }, ['spec.containers[0].imagePullPolicy: Unsupported value: "Sometimes": supported values: "Always", "IfNotPresent", "Never"']],
  ];
  for (const [spec, want] of cases) assert.deepEqual(create(POD, pod(spec)), want, JSON.stringify(spec));
});

test('pod updates may change only images and a few fields', () => {
  const old = pod({ containers: [ctr()] });
  assert.deepEqual(update(POD, pod({ containers: [ctr({ image: 'nginx:1.26' })] }), old), []);
  assert.deepEqual(update(POD, pod({ containers: [ctr({ ports: [{ containerPort: 80 }] })] }), old), [
    'spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
  ]);
});

test('deployment rules and the full kubectl-visible message', () => {
  const bad = deployment({ template: { metadata: { labels: { app: 'x' } }, spec: { containers: [ctr()] } } });
  const obj = structuredClone(bad);
  applyDefaults(DEPLOY, obj);
  const errs = validateCreate(DEPLOY, obj);
  assert.equal(
    errors.invalid({ group: 'apps', kind: 'Deployment' }, 'web', errs).message,
    'Deployment.apps "web" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"x"}: `selector` does not match template `labels`',
  );
  assert.deepEqual(create(DEPLOY, deployment({ selector: undefined })), ['spec.selector: Required value']);
  assert.deepEqual(create(DEPLOY, deployment({ selector: {} })), [
    'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment',
  ]);
  assert.deepEqual(create(DEPLOY, deployment({ replicas: -1 })), ['spec.replicas: Invalid value: -1: must be greater than or equal to 0']);
  assert.deepEqual(create(DEPLOY, deployment({ strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } } })), [
    'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0',
  ]);
  assert.deepEqual(create(DEPLOY, deployment({ strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25', maxUnavailable: '150%' } } })), [
    "spec.strategy.rollingUpdate.maxSurge: Invalid value: 25: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%', or '93%', regex used for validation is '[0-9]+%')",
    'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 150%: must not be greater than 100%',
  ]);
  assert.deepEqual(create(DEPLOY, deployment({ template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c' }] } } })), [
    'spec.template.spec.containers[0].image: Required value',
  ]);
  const moved = deployment({ selector: { matchLabels: { app: 'web2' } }, template: { metadata: { labels: { app: 'web2' } }, spec: { containers: [ctr()] } } });
  assert.deepEqual(update(DEPLOY, moved, deployment({})), [
    'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web2"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
  ]);
});

test('statefulsets and daemonsets', () => {
  const sts: KubeObject = {
    metadata: meta('db'),
    spec: {
      serviceName: 'db',
      selector: { matchLabels: { app: 'db' } },
      template: { metadata: { labels: { app: 'db' } }, spec: { containers: [ctr({ volumeMounts: [{ name: 'data', mountPath: '/var/lib' }] })] } },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
    },
  };
  assert.deepEqual(create(STS, sts), []);
  const changed = structuredClone(sts);
  (changed.spec as Record<string, unknown>).serviceName = 'other';
  assert.deepEqual(update(STS, changed, sts), [
    "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
  ]);
  assert.deepEqual(
    create(DS, { metadata: meta('agent'), spec: { selector: { matchLabels: { app: 'a' } }, template: { metadata: { labels: { app: 'a' } }, spec: { containers: [ctr()], restartPolicy: 'Never' } } } }),
    ['spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"'],
  );
});

test('jobs and cronjobs', () => {
  const job = (tplSpec: Record<string, unknown>, extra: Record<string, unknown> = {}): KubeObject => ({
    metadata: { ...meta('pi'), uid: '1234-5678' },
    spec: { template: { spec: { containers: [ctr()], ...tplSpec } }, ...extra },
  });
  assert.deepEqual(create(JOB, job({ restartPolicy: 'Never' })), []);
  assert.deepEqual(create(JOB, job({})), ['spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"']);
  assert.deepEqual(create(JOB, job({ restartPolicy: 'Never' }, { completions: -1 })), ['spec.completions: Invalid value: -1: must be greater than or equal to 0']);
  const stored = structuredClone(job({ restartPolicy: 'Never' }));
  applyDefaults(JOB, stored);
  const changed = structuredClone(stored);
  ((changed.spec as any).template.spec.containers[0] as Record<string, unknown>).image = 'busybox';
  assert.deepEqual(validateUpdate(JOB, changed, stored).map(fieldErrorString), ['spec.template: Invalid value: core.PodTemplateSpec{...}: field is immutable']);

  const cron = (spec: Record<string, unknown>): KubeObject => ({
    metadata: meta('nightly'),
    spec: { schedule: '0 3 * * *', jobTemplate: { spec: { template: { spec: { containers: [ctr()], restartPolicy: 'OnFailure' } } } }, ...spec },
  });
  assert.deepEqual(create(CRON, cron({})), []);
  assert.deepEqual(create(CRON, cron({ schedule: '61 * * * *' })), ['spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61']);
  assert.deepEqual(create(CRON, cron({ schedule: 'every day' })), ['spec.schedule: Invalid value: "every day": expected exactly 5 fields, found 2: [every day]']);
  assert.deepEqual(create(CRON, cron({ schedule: '@hourly', timeZone: 'Mars/Olympus' })), ['spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus']);
  assert.deepEqual(create(CRON, cron({ timeZone: 'Europe/Paris', concurrencyPolicy: 'Sometimes' })), [
    'spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"',
  ]);
  assert.deepEqual(create(CRON, { ...cron({}), metadata: meta('x'.repeat(53)) }), [`metadata.name: Invalid value: "${'x'.repeat(53)}": must be no more than 52 characters`]);
});

test('services', () => {
  const svc = (spec: Record<string, unknown>): KubeObject => ({ metadata: meta('web'), spec });
  assert.deepEqual(create(SVC, svc({})), ['spec.ports: Required value']);
  assert.deepEqual(create(SVC, svc({ ports: [{ port: 80 }, { port: 81 }] })), ['spec.ports[0].name: Required value', 'spec.ports[1].name: Required value']);
  assert.deepEqual(create(SVC, svc({ type: 'Magic', ports: [{ port: 80 }] })), [
    'spec.type: Unsupported value: "Magic": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
  ]);
  assert.deepEqual(create(SVC, svc({ ports: [{ port: 80, nodePort: 30080 }] })), ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"]);
  assert.deepEqual(create(SVC, svc({ type: 'NodePort', ports: [{ port: 80, nodePort: 80 }] })), [
    'spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767',
  ]);
  assert.deepEqual(update(SVC, svc({ clusterIP: 'None', clusterIPs: ['None'], ports: [{ port: 80 }] }), svc({ clusterIP: '10.96.0.5', clusterIPs: ['10.96.0.5'], ports: [{ port: 80 }] })), [
    'spec.clusterIPs[0]: Invalid value: []string{"None"}: may not change once set',
  ]);
});

test('configmaps and secrets', () => {
  assert.deepEqual(create(CM, { metadata: meta('c'), data: { 'bad/key': 'x' } }), [
    "data[bad/key]: Invalid value: \"bad/key\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name', or 'KEY_NAME', or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
  ]);
  assert.deepEqual(create(CM, { metadata: meta('c'), data: { a: 'x'.repeat(1024 * 1024 + 1) } }), [': Too long: may not be more than 1048576 bytes']);
  assert.deepEqual(update(CM, { metadata: meta('c'), immutable: true, data: { a: '2' } }, { metadata: meta('c'), immutable: true, data: { a: '1' } }), [
    'data: Forbidden: field is immutable when `immutable` is set',
  ]);
  assert.deepEqual(create(SECRET, { metadata: meta('tls'), type: 'kubernetes.io/tls', data: {} }), ['data[tls.crt]: Required value', 'data[tls.key]: Required value']);
  assert.deepEqual(create(SECRET, { metadata: meta('reg'), type: 'kubernetes.io/dockerconfigjson', data: {} }), ['data[.dockerconfigjson]: Required value']);
  assert.deepEqual(create(SECRET, { metadata: meta('s'), stringData: { password: 'x' } }), []);
  assert.deepEqual(update(SECRET, { metadata: meta('s'), type: 'kubernetes.io/tls', data: { 'tls.crt': '', 'tls.key': '' } }, { metadata: meta('s'), data: {} }), [
    'type: Invalid value: "kubernetes.io/tls": field is immutable',
  ]);
});

test('other groups', () => {
  assert.deepEqual(create(ING, { metadata: meta('i'), spec: {} }), ['spec.rules: Invalid value: []networking.IngressRule(nil): either `defaultBackend` or `rules` must be specified']);
  assert.deepEqual(
    create(ING, { metadata: meta('i'), spec: { rules: [{ host: 'Example.com', http: { paths: [{ path: 'api', pathType: 'Prefix', backend: { service: { name: 'web' } } }] } }] } }),
    [
      `spec.rules[0].host: Invalid value: "Example.com": ${SUBDOMAIN_MSG}`,
      'spec.rules[0].http.paths[0].path: Invalid value: "api": must be an absolute path',
      'spec.rules[0].http.paths[0].backend: Required value: port name or number is required',
    ],
  );
  assert.deepEqual(create(PDB, { metadata: meta('p'), spec: { minAvailable: 1, maxUnavailable: 1 } }), [
    'spec: Invalid value: policy.PodDisruptionBudgetSpec{...}: minAvailable and maxUnavailable cannot be both set',
  ]);
  const rb = (kind: string): KubeObject => ({ metadata: meta('rb'), roleRef: { kind, name: 'view' }, subjects: [{ kind: 'User', name: 'alice' }] });
  assert.deepEqual(create(RB, rb('ClusterRole')), []);
  assert.deepEqual(create(RB, rb('Thing')), ['roleRef.kind: Unsupported value: "Thing": supported values: "Role", "ClusterRole"']);
  assert.deepEqual(update(RB, rb('Role'), rb('ClusterRole')), [
    'roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"Role", Name:"view"}: cannot change roleRef',
  ]);
  assert.deepEqual(create(HPA, { metadata: meta('h'), spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, minReplicas: 3, maxReplicas: 2 } }), [
    'spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`',
  ]);
  assert.deepEqual(create(SC, { metadata: { name: 'fast' }, provisioner: 'example.com/x', reclaimPolicy: 'Keep' }), [
    'reclaimPolicy: Unsupported value: "Keep": supported values: "Delete", "Retain"',
  ]);
  assert.deepEqual(create(PVC, { metadata: meta('c'), spec: { resources: { requests: { storage: '1Gi' } } } }), [
    'spec.accessModes: Required value: at least 1 access mode is required',
  ]);
});

test('every error carries the Invalid reason and causes', () => {
  const errs: FieldError[] = validateCreate(POD, { metadata: meta('p'), spec: { containers: [{ name: 'c' }] } });
  const status = errors.invalid({ group: '', kind: 'Pod' }, 'p', errs).toStatus();
  assert.equal(status.code, 422);
  assert.equal(status.reason, 'Invalid');
  assert.ok(status.details?.causes?.some((c) => c.field === 'spec.containers[0].image' && c.message === 'Required value'));
});
