import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nodes, services } from '../../client/resources.js';
import { RecordedEvents } from '../common/events.js';
import { RecordingClient, RecordingQueue, StaticInformerFactory } from '../common/testing.js';
import { ServiceLbController, SERVICELB_CLASS, ingressFor, type Service } from './controller.js';

const node = (name: string, ip: string, ready = true) => ({
  metadata: { name },
  status: { addresses: [{ type: 'Hostname', address: name }, { type: 'InternalIP', address: ip }], conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});
const svc = (name: string, spec: object, status: object = {}): Service => ({
  metadata: { name, namespace: 'demo' },
  spec: { type: 'LoadBalancer', ports: [{ port: 80 }], ...spec },
  status,
});

function setup(svcs: Service[], ns = [node('n2', '10.0.0.12'), node('n1', '10.0.0.9'), node('n3', '10.0.0.3', false)]) {
  const informers = new StaticInformerFactory();
  for (const n of ns) informers.informer(nodes).set(n);
  for (const s of svcs) informers.informer(services).set(s);
  const client = new RecordingClient(informers);
  const recorder = new RecordedEvents();
  const queue = new RecordingQueue();
  const c = new ServiceLbController({ client, informers, queue, recorder, clock: undefined as never, logger: undefined as never });
  return { c, client, recorder, queue, informers };
}
const written = (client: RecordingClient) => (client.actions.find((a) => a.verb === 'update')?.object as Service | undefined)?.status?.loadBalancer;

describe('servicelb', () => {
  it('lists the InternalIPs of Ready nodes, numerically sorted, as VIPs', () => {
    assert.deepEqual(ingressFor([node('a', '10.0.0.12'), node('b', '10.0.0.9'), node('c', '10.0.0.3', false)]), [
      { ip: '10.0.0.9', ipMode: 'VIP' },
      { ip: '10.0.0.12', ipMode: 'VIP' },
    ]);
  });

  it('writes the node addresses into a LoadBalancer service status and records an event', async () => {
    const { c, client, recorder } = setup([svc('web', {})]);
    await c.reconcile('demo/web');
    assert.deepEqual(client.writes(), ['update services/status web']);
    assert.deepEqual(written(client), { ingress: [{ ip: '10.0.0.9', ipMode: 'VIP' }, { ip: '10.0.0.12', ipMode: 'VIP' }] });
    assert.deepEqual(recorder.reasons(), ['UpdatedIngressIP']);
  });

  it('does nothing when the status already matches', async () => {
    const { c, client } = setup([svc('web', {}, { loadBalancer: { ingress: [{ ip: '10.0.0.9', ipMode: 'VIP' }, { ip: '10.0.0.12', ipMode: 'VIP' }] } })]);
    await c.reconcile('demo/web');
    assert.deepEqual(client.writes(), []);
  });

  it('leaves services of another loadBalancerClass and non-LoadBalancer services alone', async () => {
    const { c, client } = setup([svc('metal', { loadBalancerClass: 'example.com/metal' }), svc('plain', { type: 'ClusterIP' })]);
    await c.reconcile('demo/metal');
    await c.reconcile('demo/plain');
    assert.deepEqual(client.writes(), []);
    const ours = setup([svc('named', { loadBalancerClass: SERVICELB_CLASS })]);
    await ours.c.reconcile('demo/named');
    assert.deepEqual(ours.client.writes(), ['update services/status named']);
  });

  it('takes its addresses back when the service stops being a LoadBalancer', async () => {
    const { c, client } = setup([svc('was', { type: 'ClusterIP' }, { loadBalancer: { ingress: [{ ip: '10.0.0.9', ipMode: 'VIP' }] } })]);
    await c.reconcile('demo/was');
    assert.deepEqual(written(client), {});
  });

  it('requeues every LoadBalancer service when a node turns Ready', () => {
    const { queue, informers } = setup([svc('web', {}), svc('plain', { type: 'ClusterIP' })]);
    informers.informer(nodes).set(node('n3', '10.0.0.3', true));
    assert.deepEqual(queue.added, ['demo/web']);
  });
});
