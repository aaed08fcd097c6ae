import assert from 'node:assert/strict';
import { it } from 'node:test';
import { cidrContains, gatewayOf, parseCidr } from './cidr.js';

it('does IPv4 CIDR arithmetic', () => {
  assert.equal(gatewayOf('10.42.3.0/24'), '10.42.3.1');
  assert.ok(cidrContains('10.42.0.0/16', '10.42.9.7'));
  assert.ok(!cidrContains('10.42.0.0/16', '10.43.0.1'));
  assert.deepEqual(parseCidr('10.42.3.9/24').bits, 24);
  assert.throws(() => parseCidr('10.42.0.0/33'));
});
