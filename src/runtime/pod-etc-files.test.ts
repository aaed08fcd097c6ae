import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { defaultHosts, fillHostsFile, formatResolvConf } from './pod-etc-files.js';
import { HOSTS_POD_IP } from './types.js';

describe('pod /etc files', () => {
  it('leaves out empty search and options lines', () => {
    assert.equal(formatResolvConf({ nameservers: ['192.0.2.1', '192.0.2.2'], searches: [], options: [] }), 'nameserver 192.0.2.1\nnameserver 192.0.2.2\n');
  });

  it('puts the sandbox IP in every placeholder of a hosts file', () => {
    assert.equal(fillHostsFile(`${HOSTS_POD_IP}\ta\n${HOSTS_POD_IP}\tb\n`, '10.42.0.7'), '10.42.0.7\ta\n10.42.0.7\tb\n');
    const hosts = defaultHosts('10.42.0.7', 'web-1').split('\n');
    assert.equal(hosts[0], '# Kubernetes-managed hosts file.');
    assert.equal(hosts.at(-2), '10.42.0.7\tweb-1');
    assert.equal(hosts.at(-1), '');
  });
});
