import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from '../api/errors.js';
import { checkBodyDepth, decodeBody, MAX_BODY_DEPTH } from './media.js';
import { checkReadQuery } from './query-params.js';
import { parseRequestInfo } from './request-info.js';

const q = (s: string) => new URLSearchParams(s);
const is400 = (f: () => void) => assert.throws(f, (e: unknown) => e instanceof ApiError && e.code === 400);

describe('read query parameters', () => {
  it('refuses values Kubernetes cannot decode', () => {
    for (const s of ['limit=abc', 'limit=1.5', 'timeoutSeconds=abc', 'timeoutSeconds=-1x', 'watch=maybe', 'allowWatchBookmarks=yes', 'resourceVersion=abc', 'resourceVersion=-5', 'limit=99999999999999999999']) {
      is400(() => checkReadQuery('list', q(s)));
    }
    is400(() => checkReadQuery('list', q('sendInitialEvents=true')));
    is400(() => checkReadQuery('get', q('resourceVersion=x')));
  });
  it('takes what Kubernetes takes', () => {
    for (const s of ['limit=-1', 'limit=500', 'timeoutSeconds=30', 'watch=true', 'watch=1', 'watch=False', 'resourceVersion=0', 'resourceVersion=', 'limit=']) {
      checkReadQuery('list', q(s));
    }
    checkReadQuery('watch', q('sendInitialEvents=true&resourceVersionMatch=NotOlderThan'));
    checkReadQuery('create', q('limit=abc'));
  });
});

describe('request bodies', () => {
  it('refuses nesting deeper than the limit, without recursing', () => {
    const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
    checkBodyDepth(JSON.parse(deep(MAX_BODY_DEPTH)));
    is400(() => checkBodyDepth(JSON.parse(deep(MAX_BODY_DEPTH + 1))));
    is400(() => decodeBody(Buffer.from(`{"a":${deep(100_000)}}`), 'application/json'));
    is400(() => decodeBody(Buffer.from(`a: ${'['.repeat(5000)}${']'.repeat(5000)}`), 'application/yaml'));
  });
  it('answers 400 to a YAML alias bomb', () => {
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 10; i++) lines.push(`a${i}: &a${i} [${Array.from({ length: 10 }, () => `*a${i - 1}`).join(', ')}]`);
    is400(() => decodeBody(Buffer.from(lines.join('\n')), 'application/yaml'));
  });
});

describe('request paths', () => {
  it('a malformed %-escape is a 400, not a crash', () => {
    is400(() => parseRequestInfo('GET', '/api/v1/namespaces/%ZZ/pods', q('')));
    is400(() => parseRequestInfo('GET', '/api/v1/namespaces/default/pods/%E0%A4%A', q('')));
  });
});
