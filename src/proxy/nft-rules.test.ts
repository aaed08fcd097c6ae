import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findTool } from '../../test/support/require-tool.js';
import { runTool } from './exec.js';
import { ep, slice, svc } from './testing-objects.js';
import { buildEntries, type EndpointSlice, type Service } from './model.js';
import { GOLDEN } from './nft-rules.golden.js';
import { parseTableObjects, renderRules, type RenderOptions } from './nft-rules.js';

const opts: RenderOptions = { table: 'tp', clusterCidr: '10.42.0.0/16', nodeIPs: ['192.0.2.2', '127.0.0.1'], masqueradeAll: false };
const render = (services: Service[], slices: EndpointSlice[], o: Partial<RenderOptions> = {}) =>
  renderRules(buildEntries(services, slices, 'n1'), { ...opts, ...o });
const skeleton = new Set(renderRules([], opts).text.split('\n'));
/** The lines a case adds to the skeleton, shortened as in the golden file. */
const added = (text: string) =>
  text
    .split('\n')
    .filter((l) => !skeleton.has(l))
    .map((l) => l.replace('add rule ip tp ', '').replace('add chain ip tp ', 'chain ').replace('add element ip tp ', 'element ').replace('add set ip tp ', 'set '));

/** The cluster DNS as Tugboat runs it: no selector, Local policy, one slice per node naming its pod gateway. */
const kubeDns: Service = {
  metadata: { namespace: 'kube-system', name: 'kube-dns' },
  spec: {
    clusterIP: '10.43.0.10',
    internalTrafficPolicy: 'Local',
    ports: [
      { name: 'dns', port: 53, protocol: 'UDP' },
      { name: 'dns-tcp', port: 53, protocol: 'TCP' },
    ],
  },
};
const dnsSlice = (node: string, ip: string): EndpointSlice => ({
  metadata: { namespace: 'kube-system', name: `kube-dns-${node}`, labels: { 'kubernetes.io/service-name': 'kube-dns' } },
  addressType: 'IPv4',
  ports: [
    { name: 'dns', port: 53, protocol: 'UDP' },
    { name: 'dns-tcp', port: 53, protocol: 'TCP' },
  ],
  endpoints: [ep(ip, node)],
});

const CASES: [string, Service[], EndpointSlice[]][] = [
  ['three', [svc('web', { clusterIP: '10.43.0.20' })], [slice('web', [ep('10.42.1.5'), ep('10.42.2.6', 'n2'), ep('10.42.1.7')])]],
  [
    'affinity',
    [svc('sticky', { clusterIP: '10.43.0.21', sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 600 } } })],
    [slice('sticky', [ep('10.42.1.5'), ep('10.42.2.6', 'n2')])],
  ],
  ['nodeport', [svc('np', { type: 'NodePort', clusterIP: '10.43.0.22', ports: [{ name: 'http', port: 80, nodePort: 30080 }] })], [slice('np', [ep('10.42.1.5')])]],
  [
    'itp-local',
    [svc('loc', { clusterIP: '10.43.0.23', internalTrafficPolicy: 'Local' }), svc('far', { clusterIP: '10.43.0.24', internalTrafficPolicy: 'Local' })],
    [slice('loc', [ep('10.42.1.5'), ep('10.42.2.6', 'n2')]), slice('far', [ep('10.42.2.7', 'n2')])],
  ],
  ['reject', [svc('none', { clusterIP: '10.43.0.25', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] })], [slice('none', [ep('10.42.1.5', 'n1', false)])]],
  ['selectorless', [{ metadata: { namespace: 'kube-system', name: 'kube-dns' }, spec: { clusterIP: '10.43.0.10', ports: [{ port: 53, protocol: 'UDP' }] } }], []],
  ['kube-dns-node', [kubeDns], [dnsSlice('n1', '10.42.1.1'), dnsSlice('n2', '10.42.2.1')]],
  [
    'lb-etp-local',
    [
      svc(
        'lb',
        { type: 'LoadBalancer', clusterIP: '10.43.0.26', externalTrafficPolicy: 'Local', ports: [{ name: 'http', port: 80, nodePort: 30081 }] },
        { loadBalancer: { ingress: [{ ip: '192.0.2.2', ipMode: 'VIP' }, { ip: '192.0.2.3', ipMode: 'VIP' }] } },
      ),
    ],
    [slice('lb', [ep('10.42.1.5'), ep('10.42.2.6', 'n2')])],
  ],
];

describe('nft rule rendering', () => {
  for (const [name, services, slices] of CASES) {
    it(`renders the golden text for ${name}`, () => {
      assert.deepEqual(added(render(services, slices).text), GOLDEN[name]);
    });
  }

  it('hooks prerouting and output for DNAT, postrouting for masquerade, and never lists loopback node IPs', () => {
    const text = render([], []).text;
    assert.match(text, /add chain ip tp nat-output \{ type nat hook output priority -100; policy accept; \}/);
    assert.match(text, /add rule ip tp nat-prerouting jump services/);
    assert.match(text, /add rule ip tp masquerading masquerade fully-random/);
    assert.match(text, /add element ip tp node-ips \{ 192\.0\.2\.2 \}/);
    assert.doesNotMatch(text, /127\.0\.0\.1/);
    assert.match(text, /^add table ip tp .*\nflush table ip tp\n/);
  });

  it('with a pod bridge, leaves service-CIDR traffic from elsewhere alone in prerouting but not the host\'s own', () => {
    const [, services, slices] = CASES[2]!;
    const plain = render(services, slices).text;
    const text = render(services, slices, { podBridge: { name: 'tugt238', serviceCidr: '10.43.0.0/16' } }).text;
    const prerouting = text.split('\n').filter((l) => l.startsWith('add rule ip tp nat-prerouting '));
    assert.deepEqual(prerouting, ['add rule ip tp nat-prerouting iifname != "tugt238" ip daddr 10.43.0.0/16 return', 'add rule ip tp nat-prerouting jump services']);
    // Nothing else differs: nat-output, the maps (NodePorts, ClusterIPs) and the chains are the same.
    assert.deepEqual(text.split('\n').filter((l) => !l.includes('nat-prerouting iifname')), plain.split('\n'));
    assert.throws(() => render([], [], { podBridge: { name: 'br" accept', serviceCidr: '10.43.0.0/16' } }), /bad pod bridge name/);
  });

  it('never rejects the cluster DNS: no slice is no rule (selector-less), another node\'s slice only is a drop', () => {
    assert.deepEqual(added(render([kubeDns], []).text), []);
    const elsewhere = added(render([kubeDns], [dnsSlice('n2', '10.42.2.1')]).text);
    assert.deepEqual(elsewhere, ['element no-endpoint-services { 10.43.0.10 . tcp . 53 : drop, 10.43.0.10 . udp . 53 : drop }']);
  });

  it('masquerades all service traffic when bridged replies skip netfilter (br_netfilter off)', () => {
    const [, services, slices] = CASES[0]!;
    const text = render(services, slices, { masqueradeAll: true }).text;
    assert.match(text, /svc-67060B69-demo\/web\/tcp\/http jump mark-for-masquerade/);
    assert.doesNotMatch(text, /ip saddr != 10\.42\.0\.0\/16/);
  });

  it('deletes chains and sets of the previous sync that are no longer rendered, after the refill', () => {
    const [, services, slices] = CASES[1]!;
    const first = render(services, slices);
    const second = render([], [], { existing: first });
    const lines = second.text.trim().split('\n');
    const deletes = lines.filter((l) => l.startsWith('delete '));
    assert.equal(deletes.length, 4 + 2); // cluster, svc and 2 endpoint chains; 2 affinity sets
    assert.ok(lines.slice(-deletes.length).every((l) => l.startsWith('delete ')));
    assert.ok(deletes.includes('delete set ip tp aff-ECB16490-demo/sticky'));
  });

  it('reads chain and set names back from an nft listing', () => {
    const listing = 'table ip tp {\n\tset aff-1-demo/x {\n\t\ttype ipv4_addr\n\t}\n\tmap service-ips {\n\t}\n\tchain svc-1-demo/x/tcp/80 {\n\t}\n}\n';
    const got = parseTableObjects(listing);
    assert.deepEqual([...got.chains], ['svc-1-demo/x/tcp/80']);
    assert.deepEqual([...got.sets], ['aff-1-demo/x']);
  });

  it('is accepted by nft (check mode, nothing applied) for every case together', async (t) => {
    if (process.getuid?.() !== 0 || !findTool('nft')) return t.skip('needs root and nft (apt install nftables) to check syntax');
    const sctp = svc('sc', { clusterIP: '10.43.0.60', ports: [{ name: 'http', port: 80, protocol: 'SCTP' }] });
    const sctpSlice = { ...slice('sc', [ep('10.42.1.5')]), ports: [{ name: 'http', port: 9000, protocol: 'SCTP' }] };
    const text = render([...CASES.flatMap((c) => c[1]), sctp], [...CASES.flatMap((c) => c[2]), sctpSlice], { podBridge: { name: 'tugt238', serviceCidr: '10.43.0.0/16' } }).text;
    assert.match(text, /meta l4proto sctp dnat to 10\.42\.1\.5:9000/);
    const r = await runTool('nft', ['-c', '-f', '-'], text);
    assert.equal(r.code, 0, r.stderr);
  });
});
