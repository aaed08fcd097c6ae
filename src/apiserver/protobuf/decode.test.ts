// Protobuf bodies built field by field (as gogo-generated Go code writes them: every non-pointer scalar, zero or
// not) decode to the JSON object a JSON client would send.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs';
import { ApiError } from '../../api/errors.js';
import { decodeKubernetesProtobuf } from './decode.js';
import { formatGoDuration, formatMicroTime } from './well-known.js';

type Value = string | number | bigint | boolean | Uint8Array | { m: Fields } | { packed: number[] };
type Fields = Array<[number, Value]>;

function enc(fields: Fields): Uint8Array {
  const w = protobuf.Writer.create();
  for (const [no, v] of fields) {
    if (typeof v === 'string') w.uint32((no << 3) | 2).string(v);
    else if (typeof v === 'number' || typeof v === 'bigint') w.uint32(no << 3).int64(v.toString());
    else if (typeof v === 'boolean') w.uint32(no << 3).bool(v);
    else if (v instanceof Uint8Array) w.uint32((no << 3) | 2).bytes(v);
    else if ('packed' in v) {
      w.uint32((no << 3) | 2).fork();
      for (const n of v.packed) w.int64(n);
      w.ldelim();
    } else w.uint32((no << 3) | 2).bytes(enc(v.m));
  }
  return w.finish();
}

const m = (...fields: Fields): { m: Fields } => ({ m: fields });
const entry = (k: string, v: Value): { m: Fields } => m([1, k], [2, v]);

function envelope(apiVersion: string, kind: string, raw: Fields): Uint8Array {
  const body = enc([[1, m([1, apiVersion], [2, kind])], [2, enc(raw)], [3, ''], [4, '']]);
  return Uint8Array.from([0x6b, 0x38, 0x73, 0x00, ...body]);
}

/** ObjectMeta as client-go writes it for a new object: empty strings, zero generation, empty creation time. */
function meta(name: string, ...extra: Fields): { m: Fields } {
  return m([1, name], [2, ''], [3, ''], [4, ''], [5, ''], [6, ''], [7, 0], [8, m()], ...extra);
}

/** A container as kubectl create deployment builds it: every non-pointer scalar written, zero or not. */
const container = m(
  [1, 'nginx'],
  [2, 'nginx:1.27'],
  [5, ''],
  [6, m([1, ''], [2, 0], [3, 80], [4, 'TCP'], [5, ''])],
  [7, m([1, 'MODE'], [2, 'fast'])],
  [8, m([1, entry('cpu', m([1, '500m']))], [2, entry('memory', m([1, '128Mi']))])],
  [10, m([1, m([2, m([1, '/healthz'], [2, m([1, 1], [2, 0], [3, 'http'])], [3, ''], [4, 'HTTP'])])], [2, 0], [3, 1], [4, 10], [5, 1], [6, 3])],
  [11, m([1, m([3, m([1, m([1, 0], [2, 8080], [3, ''])], [2, ''])])], [2, 5], [3, 0], [4, 0], [5, 0], [6, 0])],
  [13, ''],
  [14, ''],
  [16, false],
  [17, false],
  [18, false],
  [20, ''],
);

describe('decodeKubernetesProtobuf', () => {
  it('decodes a Deployment through the whole message tree', () => {
    const raw: Fields = [
      [1, meta('web', [11, entry('app', 'web')])],
      [
        2,
        m(
          [1, 0], // replicas is a pointer: an explicit 0 stays
          [2, m([1, entry('app', 'web')])],
          [
            3,
            m(
              [1, meta('', [11, entry('app', 'web')])],
              [
                2,
                m(
                  [1, m([1, 'certs'], [2, m([6, m([1, 'tls'], [3, 420])])])],
                  [2, container],
                  [3, ''],
                  [6, ''],
                  [8, ''],
                  [11, false],
                  [19, ''],
                ),
              ],
            ),
          ],
          [4, m([1, 'RollingUpdate'], [2, m([1, m([1, 1], [2, 0], [3, '25%'])], [2, m([1, 0], [2, 1], [3, ''])])])],
          [5, 0],
          [7, false],
        ),
      ],
      [3, m([1, 0], [2, 0], [3, 0], [4, 0], [5, 0])],
      [99, 'a field from a newer Kubernetes'],
    ];
    assert.deepEqual(decodeKubernetesProtobuf(envelope('apps/v1', 'Deployment', raw)), {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            volumes: [{ name: 'certs', secret: { secretName: 'tls', defaultMode: 420 } }],
            containers: [
              {
                name: 'nginx',
                image: 'nginx:1.27',
                ports: [{ containerPort: 80, protocol: 'TCP' }],
                env: [{ name: 'MODE', value: 'fast' }],
                resources: { limits: { cpu: '500m' }, requests: { memory: '128Mi' } },
                livenessProbe: {
                  httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP' },
                  timeoutSeconds: 1,
                  periodSeconds: 10,
                  successThreshold: 1,
                  failureThreshold: 3,
                },
                readinessProbe: { tcpSocket: { port: 8080 }, initialDelaySeconds: 5 },
              },
            ],
          },
        },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: 1 } },
      },
      status: {},
    });
  });

  it('writes bytes as base64 and keeps Secret maps', () => {
    const raw: Fields = [
      [1, meta('reg', [3, 'ns1'], [8, m([1, 1_700_000_000])])],
      [2, entry('.dockerconfigjson', new TextEncoder().encode('{"auths":{}}'))],
      [2, entry('empty', new Uint8Array())],
      [3, 'kubernetes.io/dockerconfigjson'],
    ];
    assert.deepEqual(decodeKubernetesProtobuf(envelope('v1', 'Secret', raw)), {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'reg', namespace: 'ns1', creationTimestamp: '2023-11-14T22:13:20Z' },
      data: { '.dockerconfigjson': Buffer.from('{"auths":{}}').toString('base64'), empty: '' },
      type: 'kubernetes.io/dockerconfigjson',
    });
  });

  it('decodes what kubectl create token and auth can-i send', () => {
    const token = decodeKubernetesProtobuf(
      envelope('authentication.k8s.io/v1', 'TokenRequest', [
        [1, meta('')],
        [2, m([1, 'https://kubernetes.default.svc'], [3, m([1, 'Pod'], [2, 'v1'], [3, 'p'], [4, ''])], [4, 3600])],
        [3, m([1, ''], [2, m()])],
      ]),
    );
    assert.deepEqual(token, {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      metadata: {},
      spec: { audiences: ['https://kubernetes.default.svc'], boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p' }, expirationSeconds: 3600 },
      status: { token: '' },
    });
    const review = decodeKubernetesProtobuf(
      envelope('authorization.k8s.io/v1', 'SelfSubjectAccessReview', [
        [1, meta('')],
        [2, m([1, m([1, 'default'], [2, 'get'], [3, ''], [4, ''], [5, 'pods'], [6, ''], [7, ''])])],
        [3, m([1, false], [2, ''], [3, ''], [4, false])],
      ]),
    );
    assert.deepEqual(review.spec, { resourceAttributes: { namespace: 'default', verb: 'get', resource: 'pods' } });
    assert.deepEqual(review.status, { allowed: false });
  });

  it('decodes DeleteOptions stamped with any group version', () => {
    const opts = decodeKubernetesProtobuf(envelope('v1', 'DeleteOptions', [[1, 0], [4, 'Background'], [5, 'All']]));
    assert.deepEqual(opts, { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, propagationPolicy: 'Background', dryRun: ['All'] });
  });

  it('decodes HPA v2 metrics, quotas, priority classes and packed numbers', () => {
    const hpa = decodeKubernetesProtobuf(
      envelope('autoscaling/v2', 'HorizontalPodAutoscaler', [
        [1, meta('web')],
        [
          2,
          m(
            [1, m([1, 'Deployment'], [2, 'web'], [3, 'apps/v1'])],
            [3, 5],
            [4, m([1, 'Resource'], [4, m([1, 'cpu'], [2, m([1, 'Utilization'], [4, 50])])])],
          ),
        ],
      ]),
    );
    assert.deepEqual(hpa.spec, {
      scaleTargetRef: { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' },
      maxReplicas: 5,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
    });
    const pc = decodeKubernetesProtobuf(envelope('scheduling.k8s.io/v1', 'PriorityClass', [[1, meta('high')], [2, -5], [3, false], [4, 'hi']]));
    assert.deepEqual(pc, { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'high' }, value: -5, description: 'hi' });
    const pod = decodeKubernetesProtobuf(envelope('v1', 'Pod', [[1, meta('p')], [2, m([14, m([4, { packed: [10, 20] }], [4, 30])])]]));
    assert.deepEqual((pod.spec as Record<string, unknown>).securityContext, { supplementalGroups: [10, 20, 30] });
  });

  it('writes MicroTime and Duration as Go does', () => {
    assert.equal(formatMicroTime(1_700_000_000n, 123_456_789), '2023-11-14T22:13:20.123456Z');
    assert.equal(formatGoDuration(0n), '0s');
    assert.equal(formatGoDuration(1_500n), '1.5µs');
    assert.equal(formatGoDuration(150_000_000n), '150ms');
    assert.equal(formatGoDuration(3_723_500_000_000n), '1h2m3.5s');
    assert.equal(formatGoDuration(60_000_000_000n), '1m0s');
    const lease = decodeKubernetesProtobuf(
      envelope('coordination.k8s.io/v1', 'Lease', [[1, meta('n1')], [2, m([1, 'n1'], [2, 40], [4, m([1, 1_700_000_000], [2, 5_000])])]]),
    );
    assert.deepEqual(lease.spec, { holderIdentity: 'n1', leaseDurationSeconds: 40, renewTime: '2023-11-14T22:13:20.000005Z' });
  });

  it('reads embedded objects (RawExtension) and JSON inside the envelope', () => {
    const pod = JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'c', image: 'x' }] } } } });
    const rev = decodeKubernetesProtobuf(envelope('apps/v1', 'ControllerRevision', [[1, meta('web-1')], [2, m([1, new TextEncoder().encode(pod)])], [3, 1]]));
    assert.deepEqual(rev, { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'web-1' }, data: JSON.parse(pod), revision: 1 });
    const json = enc([[1, m([1, 'v1'], [2, 'ConfigMap'])], [2, new TextEncoder().encode('{"kind":"ConfigMap","apiVersion":"v1"}')], [4, 'application/json']]);
    assert.deepEqual(decodeKubernetesProtobuf(Uint8Array.from([0x6b, 0x38, 0x73, 0x00, ...json])), { kind: 'ConfigMap', apiVersion: 'v1' });
  });

  it('refuses what it cannot read with the right Status', () => {
    const status = (f: () => unknown): number => {
      try {
        f();
      } catch (e) {
        assert.ok(e instanceof ApiError);
        return e.toStatus().code;
      }
      return 0;
    };
    assert.equal(status(() => decodeKubernetesProtobuf(new TextEncoder().encode('{"kind":"Pod"}'))), 400);
    assert.equal(status(() => decodeKubernetesProtobuf(envelope('example.com/v1', 'Widget', [[1, meta('w')]]))), 415);
    const truncated = envelope('v1', 'ConfigMap', [[1, meta('c')]]).subarray(0, 20);
    assert.equal(status(() => decodeKubernetesProtobuf(truncated)), 400);
    // a string field sent as a number
    assert.equal(status(() => decodeKubernetesProtobuf(envelope('v1', 'ConfigMap', [[1, m([1, 7])]]))), 400);
  });
});
