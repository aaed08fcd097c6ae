import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { advertiseAddress, type AdvertiseInput } from './advertise.js';

describe('advertiseAddress', () => {
  const cases: [string, AdvertiseInput, ReturnType<typeof advertiseAddress>][] = [
    ['loopback with a pod network: the gateway, listened on too', { listenHost: '127.0.0.1', nodeIP: '192.0.2.7', podCidr: '10.42.0.0/24' }, { ip: '10.42.0.1', listenAlso: true }],
    ['another pod CIDR', { listenHost: '127.0.0.1', nodeIP: '192.0.2.7', podCidr: '10.42.246.0/24' }, { ip: '10.42.246.1', listenAlso: true }],
    ['localhost counts as loopback', { listenHost: 'localhost', nodeIP: '192.0.2.7', podCidr: '10.42.0.0/24' }, { ip: '10.42.0.1', listenAlso: true }],
    ['loopback without a pod network: nothing to advertise', { listenHost: '127.0.0.1', nodeIP: '192.0.2.7' }, undefined],
    ['wildcard: the node address', { listenHost: '0.0.0.0', nodeIP: '192.0.2.7', podCidr: '10.42.0.0/24' }, { ip: '192.0.2.7', listenAlso: false }],
    ['a specific address: itself', { listenHost: '192.0.2.9', nodeIP: '192.0.2.7', podCidr: '10.42.0.0/24' }, { ip: '192.0.2.9', listenAlso: false }],
    ['given wins', { given: '192.0.2.50', listenHost: '127.0.0.1', nodeIP: '192.0.2.7', podCidr: '10.42.0.0/24' }, { ip: '192.0.2.50', listenAlso: false }],
    ['a host name is not an address', { listenHost: 'api.example', nodeIP: '192.0.2.7' }, undefined],
  ];
  for (const [name, input, want] of cases) it(name, () => assert.deepEqual(advertiseAddress(input), want));

  it('refuses a given value that is not an IPv4 address', () => {
    assert.throws(() => advertiseAddress({ given: 'api.example', listenHost: '127.0.0.1', nodeIP: '192.0.2.7' }), /--advertise-address "api.example" is not an IPv4 address/);
  });
});
