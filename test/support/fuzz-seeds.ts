// Valid objects of many kinds: the templates the fuzzer mutates, and the set made before fuzzing that must come
// out unchanged. Each knows its collection path so a test can POST it.

export interface Seed {
  /** e.g. /api/v1/namespaces/NS/configmaps */
  collection: string;
  obj: Record<string, unknown>;
}

export const FUZZ_NS = 'fuzz-keep';
export const CRD_GROUP = 'fuzz.example.com';

export const widgetCrd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `widgets.${CRD_GROUP}` },
  spec: {
    group: CRD_GROUP,
    scope: 'Namespaced',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            required: ['spec'],
            properties: {
              spec: {
                type: 'object',
                required: ['size'],
                properties: {
                  size: { type: 'integer', minimum: 1, maximum: 100 },
                  color: { type: 'string', enum: ['red', 'green', 'blue'] },
                  tags: { type: 'array', items: { type: 'string' } },
                },
              },
            },
          },
        },
        subresources: { status: {} },
      },
    ],
  },
};

const core = (ns: string, plural: string) => `/api/v1/namespaces/${ns}/${plural}`;
const grouped = (gv: string, ns: string, plural: string) => `/apis/${gv}/namespaces/${ns}/${plural}`;

const container = (name: string) => ({
  name,
  image: 'registry.example.com/team/app:1.2.3',
  ports: [{ containerPort: 8080, protocol: 'TCP' }],
  env: [{ name: 'MODE', value: 'prod' }],
  resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '1', memory: '256Mi' } },
});

const podSpec = () => ({ containers: [container('app')], restartPolicy: 'Always' });

/** The i-th valid object of each kind, in namespace ns. */
export function seedsFor(ns: string, i: number): Seed[] {
  const labels = { app: `app-${i}`, tier: 'web' };
  const meta = (name: string) => ({ name: `${name}-${i}`, namespace: ns, labels, annotations: { note: `seed ${i}` } });
  return [
    { collection: core(ns, 'configmaps'), obj: { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('cm'), data: { 'a.conf': 'x=1\ny=2\n', b: 'hello' } } },
    { collection: core(ns, 'secrets'), obj: { apiVersion: 'v1', kind: 'Secret', metadata: meta('secret'), type: 'Opaque', data: { password: Buffer.from(`pw${i}`).toString('base64') } } },
    { collection: core(ns, 'pods'), obj: { apiVersion: 'v1', kind: 'Pod', metadata: meta('pod'), spec: podSpec() } },
    {
      collection: core(ns, 'services'),
      obj: { apiVersion: 'v1', kind: 'Service', metadata: meta('svc'), spec: { selector: labels, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] } },
    },
    { collection: core(ns, 'serviceaccounts'), obj: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta('sa') } },
    {
      collection: grouped('apps/v1', ns, 'deployments'),
      obj: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: meta('deploy'),
        spec: { replicas: 2, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: podSpec() } },
      },
    },
    {
      collection: grouped('batch/v1', ns, 'jobs'),
      obj: {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: meta('job'),
        spec: { backoffLimit: 3, template: { spec: { containers: [container('work')], restartPolicy: 'Never' } } },
      },
    },
    {
      collection: grouped('batch/v1', ns, 'cronjobs'),
      obj: {
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata: meta('cron'),
        spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template: { spec: { containers: [container('tick')], restartPolicy: 'OnFailure' } } } } },
      },
    },
    {
      collection: grouped('rbac.authorization.k8s.io/v1', ns, 'roles'),
      obj: {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: meta('role'),
        rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }],
      },
    },
    {
      collection: grouped(`${CRD_GROUP}/v1`, ns, 'widgets'),
      obj: { apiVersion: `${CRD_GROUP}/v1`, kind: 'Widget', metadata: meta('widget'), spec: { size: 3 + i, color: 'red', tags: ['a', 'b'] } },
    },
  ];
}
