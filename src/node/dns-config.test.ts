// resolv.conf and /etc/hosts as kubelet writes them, as tables.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod, PodSpec } from 'kubernetes-types/core/v1.js';
import { fitSearches, formatResolvConf, hostResolvConfText, parseResolvConf, podDnsSettings, podHostsFile, sandboxDnsExtras } from './dns-config.js';

const cluster = { clusterDNS: ['10.43.0.10'], clusterDomain: 'cluster.local' };
const host = parseResolvConf('# generated\nnameserver 192.0.2.53\nnameserver 192.0.2.54\nsearch corp.example lab.example.\noptions edns0 timeout:2\n');
const pod = (spec: Partial<PodSpec> = {}, ns = 'demo'): Pod => ({ metadata: { name: 'web-1', namespace: ns }, spec: { containers: [], ...spec } });

describe('podDnsSettings', () => {
  const clusterFirst = {
    nameservers: ['10.43.0.10'],
    searches: ['demo.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'corp.example', 'lab.example'],
    options: ['ndots:5'],
  };
  const cases: { name: string; spec: Partial<PodSpec>; cluster?: typeof cluster | undefined; want: object }[] = [
    { name: 'ClusterFirst by default', spec: {}, want: clusterFirst },
    { name: 'ClusterFirst explicitly', spec: { dnsPolicy: 'ClusterFirst' }, want: clusterFirst },
    { name: 'ClusterFirst on the host network is Default', spec: { hostNetwork: true }, want: host },
    { name: 'ClusterFirstWithHostNet', spec: { hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }, want: clusterFirst },
    { name: 'Default', spec: { dnsPolicy: 'Default' }, want: host },
    { name: 'None without dnsConfig', spec: { dnsPolicy: 'None' }, want: { nameservers: [], searches: [], options: [] } },
    { name: 'no cluster DNS configured: the host\'s', spec: {}, cluster: undefined, want: host },
    {
      name: 'None with dnsConfig',
      spec: { dnsPolicy: 'None', dnsConfig: { nameservers: ['1.2.3.4'], searches: ['a.example'], options: [{ name: 'ndots', value: '2' }, { name: 'single-request' }] } },
      want: { nameservers: ['1.2.3.4'], searches: ['a.example'], options: ['ndots:2', 'single-request'] },
    },
    {
      name: 'ClusterFirst merged with dnsConfig: options override by name, duplicates dropped',
      spec: { dnsConfig: { nameservers: ['10.43.0.10', '192.0.2.99'], searches: ['svc.cluster.local', 'x.example'], options: [{ name: 'ndots', value: '1' }, { name: 'edns0' }] } },
      want: { nameservers: ['10.43.0.10', '192.0.2.99'], searches: [...clusterFirst.searches, 'x.example'], options: ['ndots:1', 'edns0'] },
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(podDnsSettings(pod(c.spec), 'cluster' in c ? c.cluster : cluster, host), c.want));
  }

  it('search list limits: 32 domains, 2048 characters', () => {
    const many = Array.from({ length: 40 }, (_, i) => `d${i}.example`);
    assert.equal(fitSearches(many).length, 32);
    const long = Array.from({ length: 10 }, (_, i) => `${String(i).repeat(250)}.example`);
    const fit = fitSearches(long);
    assert.ok(fit.join(' ').length <= 2048);
    assert.equal(fit.length, 7);
  });
});

describe('resolv.conf text', () => {
  it('parses and formats as a pod sees it', () => {
    assert.deepEqual(host, { nameservers: ['192.0.2.53', '192.0.2.54'], searches: ['corp.example', 'lab.example'], options: ['edns0', 'timeout:2'] });
    assert.equal(
      formatResolvConf(podDnsSettings(pod(), cluster, { nameservers: [], searches: [], options: [] })),
      'search demo.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.43.0.10\noptions ndots:5\n',
    );
    assert.deepEqual(parseResolvConf('search .\nnameserver 10.0.0.1').searches, []);
  });

  it('skips a loopback stub resolver for systemd\'s upstream list', () => {
    const files: Record<string, string> = { '/etc/resolv.conf': 'nameserver 127.0.0.53\nsearch lan\n', '/run/systemd/resolve/resolv.conf': 'nameserver 192.0.2.1\n' };
    assert.equal(hostResolvConfText((p) => files[p]), 'nameserver 192.0.2.1\n');
    assert.equal(hostResolvConfText((p) => (p === '/etc/resolv.conf' ? 'nameserver 192.0.2.9\n' : files[p])), 'nameserver 192.0.2.9\n');
    assert.equal(hostResolvConfText((p) => (p === '/etc/resolv.conf' ? files[p] : undefined)), files['/etc/resolv.conf']);
  });
});

describe('podHostsFile', () => {
  const head = [
    '# Kubernetes-managed hosts file.',
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'fe00::0\tip6-mcastprefix',
    'fe00::1\tip6-allnodes',
    'fe00::2\tip6-allrouters',
  ].join('\n');
  const cases: { name: string; spec: Partial<PodSpec>; want: string }[] = [
    { name: 'the pod name', spec: {}, want: `${head}\n{{POD_IP}}\tweb-1\n` },
    { name: 'hostname and subdomain', spec: { hostname: 'db-0', subdomain: 'db' }, want: `${head}\n{{POD_IP}}\tdb-0.db.demo.svc.cluster.local\tdb-0\n` },
    {
      name: 'hostAliases',
      spec: { hostAliases: [{ ip: '192.0.2.5', hostnames: ['foo.local', 'bar.local'] }, { ip: '192.0.2.6', hostnames: ['baz'] }] },
      want: `${head}\n{{POD_IP}}\tweb-1\n\n# Entries added by HostAliases.\n192.0.2.5\tfoo.local\tbar.local\n192.0.2.6\tbaz\n`,
    },
  ];
  for (const c of cases) it(c.name, () => assert.equal(podHostsFile(pod(c.spec), 'cluster.local'), c.want));

  it('host-network pods keep the host\'s files unless they ask for the cluster DNS', () => {
    assert.deepEqual(sandboxDnsExtras(pod({ hostNetwork: true }), cluster, host), {});
    assert.deepEqual(Object.keys(sandboxDnsExtras(pod({ hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }), cluster, host)), ['dns']);
    assert.deepEqual(Object.keys(sandboxDnsExtras(pod(), cluster, host)), ['dns', 'hostsFile']);
  });
});
