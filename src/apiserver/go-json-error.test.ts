import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryStore } from '../store/memory/memory-store.js';
import { goJsonSyntaxError, summarizeBody } from './go-json-error.js';
import { createApiServer } from './server.js';
import { call } from './testing.js';

const err = (s: string) => goJsonSyntaxError(Buffer.from(s));

describe("Go's encoding/json syntax errors", () => {
  it('words each error as Go does', () => {
    const cases: [string, string | undefined][] = [
      ['{"a": 1}', undefined],
      ['[1, 2.5e-3, "x\\u00e9", true, null]', undefined],
      ['', 'unexpected end of JSON input'],
      ['{"a": ', 'unexpected end of JSON input'],
      ['x', "invalid character 'x' looking for beginning of value"],
      ['{a: 1}', "invalid character 'a' looking for beginning of object key string"],
      ['{"a" 1}', "invalid character '1' after object key"],
      ['{"a": 1 "b": 2}', `invalid character '"' after object key:value pair`],
      ['{"a": 1,}', "invalid character '}' looking for beginning of object key string"],
      ['[1 2]', "invalid character '2' after array element"],
      ['[1,]', "invalid character ']' looking for beginning of value"],
      ['{} {}', "invalid character '{' after top-level value"],
      ['01', "invalid character '1' after top-level value"],
      ['-x', "invalid character 'x' in numeric literal"],
      ['1.x', "invalid character 'x' after decimal point in numeric literal"],
      ['1ex', "invalid character 'x' in exponent of numeric literal"],
      ['tru', 'unexpected end of JSON input'],
      ['trux', "invalid character 'x' in literal true (expecting 'e')"],
      ['nul1', "invalid character '1' in literal null (expecting 'l')"],
      ['"a\nb"', "invalid character '\\n' in string literal"],
      ['"\\q"', "invalid character 'q' in string escape code"],
      ['"\\u12x4"', "invalid character 'x' in \\u hexadecimal character escape"],
      ["{'a': 1}", "invalid character '\\'' looking for beginning of object key string"],
    ];
    for (const [input, want] of cases) assert.equal(err(input), want, input);
  });

  it('summarizes bodies as Kubernetes does', () => {
    assert.equal(summarizeBody(Buffer.from('{"kind": "ConfigMap", "apiVersion": "v1"')), '{"kind": "ConfigMap", "apiVers ...');
    assert.equal(summarizeBody(Buffer.from('[1]')), '5b315d');
    assert.equal(summarizeBody(Buffer.from('')), '<empty>');
  });

  it('is the 400 a malformed create gets', async () => {
    const store = new MemoryStore();
    const api = createApiServer({ store, authenticate: () => ({ name: 'a', groups: [] }) });
    await api.init();
    try {
      const r = await call(api, 'POST', '/api/v1/namespaces/default/configmaps', { body: '{"apiVersion": "v1", "kind": "ConfigMap", metadata: {}}' });
      assert.equal(r.code, 400);
      assert.equal(r.json()['message'], `the object provided is unrecognized ({"apiVersion": "v1", "kind": " ...): couldn't get version/kind; json parse error: invalid character 'm' looking for beginning of object key string`);
      const arr = await call(api, 'POST', '/api/v1/namespaces/default/configmaps', { body: '[]' });
      assert.equal(arr.json()['message'], `the object provided is unrecognized (5b5d): couldn't get version/kind; json parse error: json: cannot unmarshal array into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }`);
    } finally {
      await api.close();
      await store.close();
    }
  });
});
