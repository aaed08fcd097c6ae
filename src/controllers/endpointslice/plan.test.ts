// Slice and Endpoints computation as tables: named ports resolved per pod, grouping by port set, conditions of
// ready/unready/terminating pods, publishNotReadyAddresses, splitting at 100, and in-place updates.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { desiredSubsets } from './legacy-endpoints.js';
import { planSlices } from './plan.js';
import type { EndpointSlice, Pod, Service } from './types.js';

function svc(over: Partial<NonNullable<Service['spec']>> = {}, name = 'web'): Service {
  return {
    metadata: { name, namespace: 'demo', uid: 'svc-uid', labels: { app: 'web' } },
    spec: { selector: { app: 'web' }, clusterIP: '10.43.0.20', ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }], ...over },
  };
}

interface PodOpts {
  ip?: string;
  ready?: boolean;
  deleting?: boolean;
  phase?: string;
  port?: number;
  hostname?: string;
  subdomain?: string;
  node?: string;
}

function pod(name: string, o: PodOpts = {}): Pod {
  return {
    metadata: { name, namespace: 'demo', uid: `uid-${name}`, labels: { app: 'web' }, ...(o.deleting ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {}) },
    spec: {
      nodeName: o.node ?? 'n1',
      ...(o.hostname ? { hostname: o.hostname } : {}),
      ...(o.subdomain ? { subdomain: o.subdomain } : {}),
      containers: [{ name: 'c', ports: [{ name: 'http', containerPort: o.port ?? 8080 }] }],
    },
    status: {
      phase: o.phase ?? 'Running',
      ...(o.ip === '' ? {} : { podIP: o.ip ?? `10.42.0.${name.replace(/\D/g, '') || 1}` }),
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }],
    },
  };
}

describe('planSlices', () => {
  const conditionCases: { name: string; pod: PodOpts; svc?: Partial<NonNullable<Service['spec']>>; want: object | undefined }[] = [
    { name: 'ready pod', pod: {}, want: { ready: true, serving: true, terminating: false } },
    { name: 'unready pod', pod: { ready: false }, want: { ready: false, serving: false, terminating: false } },
    { name: 'terminating ready pod', pod: { deleting: true }, want: { ready: false, serving: true, terminating: true } },
    { name: 'terminating unready pod', pod: { deleting: true, ready: false }, want: { ready: false, serving: false, terminating: true } },
    { name: 'publishNotReadyAddresses', pod: { ready: false }, svc: { publishNotReadyAddresses: true }, want: { ready: true, serving: true, terminating: false } },
    { name: 'no IP yet', pod: { ip: '' }, want: undefined },
    { name: 'succeeded', pod: { phase: 'Succeeded' }, want: undefined },
    { name: 'failed', pod: { phase: 'Failed' }, want: undefined },
  ];
  for (const c of conditionCases) {
    it(`conditions: ${c.name}`, () => {
      const plan = planSlices({ service: svc(c.svc), pods: [pod('p1', c.pod)], existing: [] });
      assert.equal(plan.create.length, 1);
      const slice = plan.create[0]!;
      if (c.want === undefined) assert.deepEqual(slice.endpoints, []);
      else assert.deepEqual(slice.endpoints[0]?.conditions, c.want);
    });
  }

  it('labels, owner, generateName, targetRef, zone and hostname via subdomain', () => {
    const p = pod('p1', { hostname: 'web-0', subdomain: 'web' });
    const plan = planSlices({ service: svc({ clusterIP: 'None' }), pods: [p], existing: [], zoneOf: (n) => (n === 'n1' ? 'z1' : undefined) });
    const s = plan.create[0]!;
    assert.equal(s.metadata?.generateName, 'web-');
    assert.equal(s.addressType, 'IPv4');
    assert.deepEqual(s.metadata?.labels, {
      app: 'web',
      'kubernetes.io/service-name': 'web',
      'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
      'service.kubernetes.io/headless': '',
    });
    assert.deepEqual(s.metadata?.ownerReferences, [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'svc-uid', controller: true, blockOwnerDeletion: true }]);
    assert.deepEqual(s.endpoints[0], {
      addresses: ['10.42.0.1'],
      conditions: { ready: true, serving: true, terminating: false },
      hostname: 'web-0',
      nodeName: 'n1',
      zone: 'z1',
      targetRef: { kind: 'Pod', namespace: 'demo', name: 'p1', uid: 'uid-p1' },
    });
    assert.deepEqual(s.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
  });

  it('a named targetPort resolved per pod groups pods by port set', () => {
    const plan = planSlices({ service: svc(), pods: [pod('p1', { port: 8080 }), pod('p2', { port: 9090 }), pod('p3', { port: 8080 })], existing: [] });
    const byPort = new Map(plan.create.map((s) => [s.ports?.[0]?.port, s.endpoints.map((e) => e.addresses[0])]));
    assert.deepEqual(byPort, new Map([[8080, ['10.42.0.1', '10.42.0.3']], [9090, ['10.42.0.2']]]));
  });

  it('a named port a pod does not declare is left out for that pod; numbers pass through', () => {
    const s = svc({ ports: [{ name: 'http', port: 80, targetPort: 'http' }, { name: 'metrics', port: 9100, targetPort: 'metrics' }, { name: 'raw', port: 81, targetPort: 7000 }] });
    const plan = planSlices({ service: s, pods: [pod('p1')], existing: [] });
    assert.deepEqual(plan.create[0]?.ports?.map((p) => [p.name, p.port]), [['http', 8080], ['raw', 7000]]);
  });

  it('no pods: one empty placeholder slice', () => {
    const plan = planSlices({ service: svc(), pods: [], existing: [] });
    assert.equal(plan.create.length, 1);
    assert.deepEqual(plan.create[0]?.endpoints, []);
  });

  const many = (n: number, from = 1) => Array.from({ length: n }, (_, i) => pod(`p${i + from}`, { ip: `10.42.${Math.floor((i + from) / 250)}.${(i + from) % 250}` }));

  it('splits at 100 endpoints per slice', () => {
    const plan = planSlices({ service: svc(), pods: many(250), existing: [] });
    assert.deepEqual(plan.create.map((s) => s.endpoints.length), [100, 100, 50]);
    assert.equal(new Set(plan.create.flatMap((s) => s.endpoints.map((e) => e.addresses[0]))).size, 250);
  });

  it('minimal churn: endpoints stay in their slice, new ones fill room, empty slices go', () => {
    const named = (s: EndpointSlice, name: string): EndpointSlice => ({ ...s, metadata: { ...s.metadata, name, generateName: undefined } });
    const first = planSlices({ service: svc(), pods: many(150), existing: [] });
    const existing = first.create.map((s, i) => named(s, `web-${i}`));
    // Unchanged: nothing to do.
    assert.deepEqual(planSlices({ service: svc(), pods: many(150), existing }), { create: [], update: [], delete: [] });
    // 10 more pods: the half-full slice takes them in place; the full one is untouched.
    const grown = planSlices({ service: svc(), pods: many(160), existing });
    assert.deepEqual([grown.create.length, grown.delete.length], [0, 0]);
    assert.deepEqual(grown.update.map((s) => [s.metadata?.name, s.endpoints.length]), [['web-1', 60]]);
    // The second slice's pods gone: it is deleted, the first left alone.
    const shrunk = planSlices({ service: svc(), pods: many(100), existing });
    assert.deepEqual([shrunk.create.length, shrunk.update.length, shrunk.delete.map((s) => s.metadata?.name)], [0, 0, ['web-1']]);
    // One pod turns unready: only its slice changes.
    const pods = many(150);
    pods[120] = pod('p121', { ip: pods[120]!.status!.podIP!, ready: false });
    const flipped = planSlices({ service: svc(), pods, existing });
    assert.deepEqual(flipped.update.map((s) => s.metadata?.name), ['web-1']);
  });

  it('port change moves endpoints to a new slice and deletes the old', () => {
    const first = planSlices({ service: svc(), pods: [pod('p1')], existing: [] });
    const existing = [{ ...first.create[0]!, metadata: { ...first.create[0]!.metadata, name: 'web-a' } }];
    const plan = planSlices({ service: svc(), pods: [pod('p1', { port: 9999 })], existing });
    assert.equal(plan.create[0]?.ports?.[0]?.port, 9999);
    assert.deepEqual(plan.delete.map((s) => s.metadata?.name), ['web-a']);
  });
});

describe('desiredSubsets (legacy Endpoints)', () => {
  const cases: { name: string; pods: Pod[]; svc?: Service; want: unknown }[] = [
    {
      name: 'ready and unready split, terminating dropped',
      pods: [pod('p2'), pod('p1', { ready: false }), pod('p3', { deleting: true })],
      want: [
        {
          addresses: [{ ip: '10.42.0.2', nodeName: 'n1', targetRef: { kind: 'Pod', namespace: 'demo', name: 'p2', uid: 'uid-p2' } }],
          notReadyAddresses: [{ ip: '10.42.0.1', nodeName: 'n1', targetRef: { kind: 'Pod', namespace: 'demo', name: 'p1', uid: 'uid-p1' } }],
          ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
        },
      ],
    },
    {
      name: 'publishNotReadyAddresses keeps unready and terminating as ready',
      svc: svc({ publishNotReadyAddresses: true }),
      pods: [pod('p1', { ready: false }), pod('p3', { deleting: true })],
      want: [
        {
          addresses: [
            { ip: '10.42.0.1', nodeName: 'n1', targetRef: { kind: 'Pod', namespace: 'demo', name: 'p1', uid: 'uid-p1' } },
            { ip: '10.42.0.3', nodeName: 'n1', targetRef: { kind: 'Pod', namespace: 'demo', name: 'p3', uid: 'uid-p3' } },
          ],
          ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
        },
      ],
    },
    { name: 'no pods', pods: [], want: [] },
    {
      name: 'subsets per port set',
      pods: [pod('p1', { port: 1 }), pod('p2', { port: 2 })],
      want: [
        { addresses: [{ ip: '10.42.0.1', nodeName: 'n1', targetRef: { kind: 'Pod', namespace: 'demo', name: 'p1', uid: 'uid-p1' } }], ports: [{ name: 'http', port: 1, protocol: 'TCP' }] },
        { addresses: [{ ip: '10.42.0.2', nodeName: 'n1', targetRef: { kind: 'Pod', namespace: 'demo', name: 'p2', uid: 'uid-p2' } }], ports: [{ name: 'http', port: 2, protocol: 'TCP' }] },
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(desiredSubsets(c.svc ?? svc(), c.pods), c.want));
  }
});
