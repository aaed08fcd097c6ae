import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTrue, parseRequestInfo } from './request-info.js';

describe('watch parameter as Go parses booleans', () => {
  it('takes every strconv.ParseBool spelling of true', () => {
    for (const v of ['1', 't', 'T', 'TRUE', 'true', 'True']) {
      assert.equal(parseRequestInfo('GET', '/api/v1/pods', new URLSearchParams({ watch: v })).verb, 'watch', v);
    }
    for (const v of ['0', 'f', 'false', 'False', '', 'yes']) assert.equal(isTrue(v), false, v);
    assert.equal(isTrue(null), false);
  });
});
