import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ep, slice, svc } from './testing-objects.js';
import { buildEntries } from './model.js';

const addrs = (b: { ip: string; port: number }[]) => b.map((x) => `${x.ip}:${x.port}`);

describe('proxy model', () => {
  it('takes ready endpoints only, sorted, and keeps every known one for conntrack cleanup', () => {
    const [e] = buildEntries([svc('web', { clusterIP: '10.43.0.20' })], [slice('web', [ep('10.42.1.7'), ep('10.42.1.5'), ep('10.42.1.6', 'n1', false)])], 'n1');
    assert.deepEqual(addrs(e!.cluster), ['10.42.1.5:8080', '10.42.1.7:8080']);
    assert.deepEqual(e!.known, ['10.42.1.5:8080', '10.42.1.6:8080', '10.42.1.7:8080']);
  });

  it('falls back to serving terminating endpoints only when none is ready', () => {
    const terminating = ep('10.42.1.5', 'n1', false, { serving: true, terminating: true });
    const notServing = ep('10.42.1.6', 'n1', false, { serving: false, terminating: true });
    const [alone] = buildEntries([svc('web', { clusterIP: '10.43.0.20' })], [slice('web', [terminating, notServing])], 'n1');
    assert.deepEqual(addrs(alone!.cluster), ['10.42.1.5:8080']);
    const [mixed] = buildEntries([svc('web', { clusterIP: '10.43.0.20' })], [slice('web', [terminating, ep('10.42.1.9')])], 'n1');
    assert.deepEqual(addrs(mixed!.cluster), ['10.42.1.9:8080']);
  });

  it('splits local endpoints by nodeName and merges slices, the readier copy of a duplicate winning', () => {
    const a = slice('web', [ep('10.42.1.5', 'n1', false), ep('10.42.2.6', 'n2')], 8080, 'web-a');
    const b = slice('web', [ep('10.42.1.5', 'n1', true)], 8080, 'web-b');
    const [e] = buildEntries([svc('web', { clusterIP: '10.43.0.20' })], [a, b], 'n1');
    assert.deepEqual(addrs(e!.cluster), ['10.42.1.5:8080', '10.42.2.6:8080']);
    assert.deepEqual(addrs(e!.local), ['10.42.1.5:8080']);
  });

  it('matches slice ports to service ports by name and protocol', () => {
    const s = svc('multi', { clusterIP: '10.43.0.30', ports: [{ name: 'http', port: 80 }, { name: 'dns', port: 53, protocol: 'UDP' }] });
    const sl = { ...slice('multi', [ep('10.42.1.5')]), ports: [{ name: 'http', port: 8080, protocol: 'TCP' }, { name: 'dns', port: 5353, protocol: 'UDP' }] };
    const got = buildEntries([s], [sl], 'n1').map((e) => `${e.id} -> ${addrs(e.cluster).join(',')}`);
    assert.deepEqual(got, ['demo/multi:dns/udp -> 10.42.1.5:5353', 'demo/multi:http/tcp -> 10.42.1.5:8080']);
  });

  it('skips ExternalName and selector-less services without slices; keeps headless ones without cluster IPs', () => {
    const got = buildEntries(
      [
        svc('ext', { type: 'ExternalName', externalName: 'example.test' }),
        { metadata: { namespace: 'demo', name: 'manual' }, spec: { clusterIP: '10.43.0.40', ports: [{ port: 80 }] } },
        svc('headless', { clusterIP: 'None' }),
      ],
      [],
      'n1',
    );
    assert.deepEqual(got.map((e) => [e.name, e.clusterIPs]), [['headless', []]]);
  });

  it('reads node ports, external IPs, load-balancer IPs (not ipMode Proxy), policies and affinity', () => {
    const [e] = buildEntries(
      [
        svc(
          'lb',
          {
            type: 'LoadBalancer',
            clusterIP: '10.43.0.50',
            externalIPs: ['192.0.2.50'],
            ports: [{ name: 'http', port: 80, nodePort: 30050 }],
            externalTrafficPolicy: 'Local',
            internalTrafficPolicy: 'Local',
            sessionAffinity: 'ClientIP',
          },
          { loadBalancer: { ingress: [{ ip: '192.0.2.2' }, { ip: '192.0.2.9', ipMode: 'Proxy' }] } },
        ),
      ],
      [],
      'n1',
    );
    assert.equal(e!.nodePort, 30050);
    assert.deepEqual(e!.externalIPs, ['192.0.2.50']);
    assert.deepEqual(e!.loadBalancerIPs, ['192.0.2.2']);
    assert.equal(e!.affinitySeconds, 10800);
    assert.ok(e!.externalLocal && e!.internalLocal);
    assert.deepEqual(e!.cluster, []);
  });
});
