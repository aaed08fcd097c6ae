// Table-driven tests of the raw data path's HTTP/1.1 framing (RFC 9112): which request heads it serves itself,
// how it reads a backend's response head, and where a chunked body ends however its bytes are split.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ChunkedScanner, parseRequestHead, parseResponseHead, type RequestHead, type ResponseHead } from './http1-framing.js';

/** A head as fast-path.ts passes it: lines joined by CRLF, without the blank line. */
const head = (...lines: string[]): string => lines.join('\r\n');

test('parseRequestHead accepts the common shape', () => {
  const cases: Array<{ name: string; input: string; expected: Partial<RequestHead> }> = [
    {
      name: 'plain GET',
      input: head('GET / HTTP/1.1', 'Host: example.com'),
      expected: { method: 'GET', target: '/', host: 'example.com', contentLength: 0, close: false, upstreamHead: 'GET / HTTP/1.1' },
    },
    { name: 'query kept', input: head('GET /a/b?x=1&y=%20z#f HTTP/1.1', 'Host: h'), expected: { target: '/a/b?x=1&y=%20z#f' } },
    ...['HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'].map((m) => ({
      name: m,
      input: head(`${m} /x HTTP/1.1`, 'Host: h'),
      expected: { method: m, target: '/x', upstreamHead: `${m} /x HTTP/1.1` },
    })),
    {
      name: 'Content-Length',
      input: head('POST /up HTTP/1.1', 'Host: h', 'Content-Length: 42'),
      expected: { contentLength: 42, upstreamHead: 'POST /up HTTP/1.1\r\nContent-Length: 42' },
    },
    { name: 'Content-Length 0', input: head('POST / HTTP/1.1', 'Host: h', 'Content-Length: 0'), expected: { contentLength: 0 } },
    { name: 'Content-Length 15 digits', input: head('PUT / HTTP/1.1', 'Host: h', 'content-length: 999999999999999'), expected: { contentLength: 999999999999999 } },
    { name: 'Connection: close', input: head('GET / HTTP/1.1', 'Host: h', 'Connection: close'), expected: { close: true, upstreamHead: 'GET / HTTP/1.1' } },
    { name: 'Connection tokens any case', input: head('GET / HTTP/1.1', 'Host: h', 'connection: Keep-Alive, CLOSE'), expected: { close: true, upstreamHead: 'GET / HTTP/1.1' } },
    { name: 'Connection: keep-alive', input: head('GET / HTTP/1.1', 'Host: h', 'Connection: keep-alive'), expected: { close: false, upstreamHead: 'GET / HTTP/1.1' } },
    {
      name: 'headers named in Connection dropped, others keep order and case',
      input: head('GET / HTTP/1.1', 'X-A: 1', 'Host: h', 'Connection: X-Hop, foo', 'x-hop: 2', 'Accept: */*', 'FOO: 3', 'X-Custom-Case: MiXed'),
      expected: { close: false, upstreamHead: head('GET / HTTP/1.1', 'X-A: 1', 'Accept: */*', 'X-Custom-Case: MiXed') },
    },
    { name: 'TE: trailers kept', input: head('GET / HTTP/1.1', 'Host: h', 'te: Trailers', 'Accept: a'), expected: { upstreamHead: head('GET / HTTP/1.1', 'Accept: a', 'TE: trailers') } },
    { name: 'TE: trailers listed in Connection', input: head('GET / HTTP/1.1', 'Host: h', 'Connection: TE', 'TE: trailers'), expected: { upstreamHead: head('GET / HTTP/1.1', 'TE: trailers') } },
    { name: 'other TE dropped', input: head('GET / HTTP/1.1', 'Host: h', 'TE: gzip', 'Accept: a'), expected: { upstreamHead: head('GET / HTTP/1.1', 'Accept: a') } },
    {
      name: 'forwarding and hop-by-hop headers dropped',
      input: head(
        'GET / HTTP/1.1',
        'Host: h',
        'X-Forwarded-For: 1.2.3.4',
        'x-forwarded-proto: https',
        'X-Forwarded-Host: evil',
        'X-Forwarded-Port: 1',
        'X-Real-IP: 1.2.3.4',
        'Forwarded: for=1.2.3.4',
        'Accept: a',
        'Keep-Alive: timeout=5',
        'Proxy-Connection: keep-alive',
        'Trailer: X-Sum',
      ),
      expected: { upstreamHead: head('GET / HTTP/1.1', 'Accept: a') },
    },
    { name: 'obs-text in a value', input: head('GET / HTTP/1.1', 'Host: h', 'X-Name: caf\xe9 \x80\xff'), expected: { upstreamHead: head('GET / HTTP/1.1', 'X-Name: caf\xe9 \x80\xff') } },
    { name: 'empty value', input: head('GET / HTTP/1.1', 'Host: h', 'X-Empty:'), expected: { upstreamHead: head('GET / HTTP/1.1', 'X-Empty:') } },
    { name: 'OWS around Host trimmed', input: head('GET / HTTP/1.1', 'Host: \t example.com:8080 \t'), expected: { host: 'example.com:8080' } },
    { name: 'Host without space', input: head('GET / HTTP/1.1', 'hOsT:h'), expected: { host: 'h', upstreamHead: 'GET / HTTP/1.1' } },
  ];
  for (const c of cases) {
    const got = parseRequestHead(c.input);
    assert.ok(got, `${c.name}: refused`);
    for (const [k, v] of Object.entries(c.expected)) assert.deepEqual(got[k as keyof RequestHead], v, `${c.name}: ${k}`);
  }
});

test('parseRequestHead leaves everything else to Node (undefined)', () => {
  const H = 'Host: h';
  const cases: Array<{ name: string; input: string }> = [
    { name: 'HTTP/1.0', input: head('GET / HTTP/1.0', H) },
    { name: 'HTTP/2.0', input: head('GET / HTTP/2.0', H) },
    { name: 'lower-case version', input: head('GET / http/1.1', H) },
    { name: 'lower-case method', input: head('get / HTTP/1.1', H) },
    { name: 'PROPFIND', input: head('PROPFIND / HTTP/1.1', H) },
    { name: 'CONNECT authority-form', input: head('CONNECT h:443 HTTP/1.1', H) },
    { name: 'CONNECT origin-form', input: head('CONNECT / HTTP/1.1', H) },
    { name: 'absolute-form', input: head('GET http://h/ HTTP/1.1', H) },
    { name: 'asterisk-form', input: head('OPTIONS * HTTP/1.1', H) },
    { name: 'space in target', input: head('GET /a b HTTP/1.1', H) },
    { name: 'double space', input: head('GET  / HTTP/1.1', H) },
    { name: 'control char in target', input: head('GET /a\x01 HTTP/1.1', H) },
    { name: 'tab in target', input: head('GET /a\tb HTTP/1.1', H) },
    { name: 'DEL in target', input: head('GET /a\x7f HTTP/1.1', H) },
    { name: 'non-ASCII in target', input: head('GET /caf\xe9 HTTP/1.1', H) },
    { name: 'bare LF after request line', input: 'GET / HTTP/1.1\nHost: h' },
    { name: 'missing Host', input: head('GET / HTTP/1.1', 'Accept: a') },
    { name: 'no headers at all', input: 'GET / HTTP/1.1' },
    { name: 'two Host headers', input: head('GET / HTTP/1.1', H, H) },
    { name: 'Transfer-Encoding: chunked', input: head('POST / HTTP/1.1', H, 'Transfer-Encoding: chunked') },
    { name: 'Transfer-Encoding: identity', input: head('POST / HTTP/1.1', H, 'transfer-encoding: identity') },
    { name: 'TRANSFER-ENCODING upper case', input: head('POST / HTTP/1.1', H, 'TRANSFER-ENCODING: gzip') },
    { name: 'Transfer-Encoding with Content-Length', input: head('POST / HTTP/1.1', H, 'Content-Length: 3', 'Transfer-Encoding: chunked') },
    { name: 'Upgrade', input: head('GET / HTTP/1.1', H, 'Upgrade: websocket') },
    { name: 'Connection: Upgrade', input: head('GET / HTTP/1.1', H, 'Connection: Upgrade') },
    { name: 'Connection: keep-alive, upgrade', input: head('GET / HTTP/1.1', H, 'Connection: keep-alive, upgrade') },
    { name: 'HTTP2-Settings', input: head('GET / HTTP/1.1', H, 'HTTP2-Settings: AAMAAABkAAQAAP__') },
    { name: 'space before colon (Host)', input: head('GET / HTTP/1.1', 'Host : h') },
    { name: 'space before colon (other)', input: head('GET / HTTP/1.1', H, 'X-A : 1') },
    { name: 'obs-fold', input: head('GET / HTTP/1.1', H, 'X-A: 1', '  continued') },
    { name: 'obs-fold with tab', input: head('GET / HTTP/1.1', H, 'X-A: 1', '\tcontinued') },
    { name: 'empty header name', input: head('GET / HTTP/1.1', H, ': value') },
    { name: 'line without colon', input: head('GET / HTTP/1.1', H, 'NoColon') },
    { name: 'empty line inside the head', input: head('GET / HTTP/1.1', H, '', 'X-A: 1') },
    { name: 'NUL in value', input: head('GET / HTTP/1.1', H, 'X-A: a\x00b') },
    { name: 'bare CR in value', input: head('GET / HTTP/1.1', H, 'X-A: a\rb') },
    { name: 'bare LF in value', input: head('GET / HTTP/1.1', H, 'X-A: a\nb') },
    { name: 'DEL in value', input: head('GET / HTTP/1.1', H, 'X-A: a\x7fb') },
    { name: 'Content-Length non-digits', input: head('POST / HTTP/1.1', H, 'Content-Length: abc') },
    { name: 'Content-Length hex', input: head('POST / HTTP/1.1', H, 'Content-Length: 0x10') },
    { name: 'Content-Length negative', input: head('POST / HTTP/1.1', H, 'Content-Length: -1') },
    { name: 'Content-Length plus sign', input: head('POST / HTTP/1.1', H, 'Content-Length: +5') },
    { name: 'Content-Length empty', input: head('POST / HTTP/1.1', H, 'Content-Length:') },
    { name: 'Content-Length 16 digits', input: head('POST / HTTP/1.1', H, 'Content-Length: 1000000000000000') },
    { name: 'Content-Length list', input: head('POST / HTTP/1.1', H, 'Content-Length: 5, 5') },
    { name: 'Content-Length repeated, equal', input: head('POST / HTTP/1.1', H, 'Content-Length: 5', 'Content-Length: 5') },
    { name: 'Content-Length repeated, different', input: head('POST / HTTP/1.1', H, 'Content-Length: 5', 'Content-Length: 6') },
  ];
  for (const c of cases) assert.equal(parseRequestHead(c.input), undefined, c.name);
});

test('parseRequestHead never sends a body upstream without its Content-Length', () => {
  // Connection may name any field, Content-Length included; dropping it while the body is still relayed would have
  // the backend read the body as the next request (smuggling). Refusing, or keeping the field, are both safe.
  const cases = [
    head('POST / HTTP/1.1', 'Host: h', 'Connection: content-length', 'Content-Length: 5'),
    head('POST / HTTP/1.1', 'Host: h', 'Content-Length: 5', 'Connection: keep-alive, Content-Length'),
  ];
  for (const input of cases) {
    const got = parseRequestHead(input);
    if (got) assert.match(got.upstreamHead, /\r\nContent-Length: 5(\r\n|$)/i, JSON.stringify(input));
  }
});

type Want = Partial<ResponseHead> | 'error';

test('parseResponseHead: framing, reuse and interim responses', () => {
  const OK = 'HTTP/1.1 200 OK';
  const cases: Array<{ name: string; input: string; method?: string; expected: Want }> = [
    { name: '200 + CL', input: head(OK, 'Content-Length: 5'), expected: { status: 200, interim: false, framing: { kind: 'length', length: 5 }, reusable: true } },
    { name: '200 + CL 0', input: head(OK, 'content-length: 0'), expected: { framing: { kind: 'length', length: 0 }, reusable: true } },
    { name: 'chunked', input: head(OK, 'Transfer-Encoding: chunked'), expected: { framing: { kind: 'chunked' }, reusable: true } },
    { name: 'CHUNKED any case', input: head(OK, 'transfer-encoding: Chunked'), expected: { framing: { kind: 'chunked' }, reusable: true } },
    { name: 'gzip, chunked', input: head(OK, 'Transfer-Encoding: gzip, chunked'), expected: { framing: { kind: 'chunked' }, reusable: true } },
    { name: 'gzip then chunked fields', input: head(OK, 'Transfer-Encoding: gzip', 'Transfer-Encoding: chunked'), expected: { framing: { kind: 'chunked' } } },
    { name: 'chunked, gzip', input: head(OK, 'Transfer-Encoding: chunked, gzip'), expected: { framing: { kind: 'close' }, reusable: false } },
    { name: 'TE and CL: chunked wins', input: head(OK, 'Content-Length: 10', 'Transfer-Encoding: chunked'), expected: { framing: { kind: 'chunked' } } },
    { name: 'CL after TE: chunked wins', input: head(OK, 'Transfer-Encoding: chunked', 'Content-Length: 10'), expected: { framing: { kind: 'chunked' } } },
    { name: 'no CL or TE', input: head(OK, 'X-A: 1'), expected: { framing: { kind: 'close' }, reusable: false } },
    { name: 'status line only', input: OK, expected: { status: 200, framing: { kind: 'close' }, reusable: false, clientHead: OK } },
    { name: 'HEAD with CL', method: 'HEAD', input: head(OK, 'Content-Length: 5'), expected: { framing: { kind: 'none' }, reusable: true } },
    { name: 'HEAD with chunked', method: 'HEAD', input: head(OK, 'Transfer-Encoding: chunked'), expected: { framing: { kind: 'none' }, reusable: true } },
    { name: '204', input: 'HTTP/1.1 204 No Content', expected: { status: 204, framing: { kind: 'none' }, reusable: true } },
    { name: '304 with CL', input: head('HTTP/1.1 304 Not Modified', 'Content-Length: 10'), expected: { status: 304, framing: { kind: 'none' }, reusable: true } },
    { name: '100 Continue', input: 'HTTP/1.1 100 Continue', expected: { status: 100, interim: true, framing: { kind: 'none' } } },
    { name: '103 Early Hints', input: head('HTTP/1.1 103 Early Hints', 'Link: </s.css>; rel=preload'), expected: { status: 103, interim: true, framing: { kind: 'none' } } },
    { name: '101', input: head('HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade'), expected: 'error' },
    { name: 'HTTP/1.0 with CL', input: head('HTTP/1.0 200 OK', 'Content-Length: 5'), expected: { framing: { kind: 'length', length: 5 }, reusable: false } },
    { name: 'HTTP/1.0 no framing', input: 'HTTP/1.0 200 OK', expected: { framing: { kind: 'close' }, reusable: false } },
    {
      name: 'HTTP/1.0 keep-alive + CL',
      input: head('HTTP/1.0 200 OK', 'Connection: keep-alive', 'Content-Length: 5'),
      expected: { framing: { kind: 'length', length: 5 }, reusable: true, clientHead: head('HTTP/1.1 200 OK', 'Content-Length: 5') },
    },
    { name: 'HTTP/1.0 keep-alive, no CL', input: head('HTTP/1.0 200 OK', 'Connection: Keep-Alive'), expected: { framing: { kind: 'close' }, reusable: false } },
    { name: 'HTTP/1.1 keep-alive, close', input: head(OK, 'Connection: keep-alive, close', 'Content-Length: 1'), expected: { reusable: false } },
    { name: 'Connection: close', input: head(OK, 'Connection: close', 'Content-Length: 5'), expected: { framing: { kind: 'length', length: 5 }, reusable: false } },
    { name: 'Connection: CLOSE', input: head(OK, 'connection: CLOSE', 'Transfer-Encoding: chunked'), expected: { framing: { kind: 'chunked' }, reusable: false } },
    { name: 'two equal CLs', input: head(OK, 'Content-Length: 5', 'Content-Length: 5'), expected: { framing: { kind: 'length', length: 5 }, reusable: true } },
    { name: 'two different CLs', input: head(OK, 'Content-Length: 5', 'Content-Length: 6'), expected: 'error' },
    { name: 'CL list', input: head(OK, 'Content-Length: 5, 6'), expected: 'error' },
    { name: 'CL non-digits', input: head(OK, 'Content-Length: five'), expected: 'error' },
    { name: 'CL negative', input: head(OK, 'Content-Length: -5'), expected: 'error' },
    { name: 'CL 16 digits', input: head(OK, 'Content-Length: 1000000000000000'), expected: 'error' },
    { name: 'header line without colon', input: head(OK, 'NoColon'), expected: 'error' },
    { name: 'empty header name', input: head(OK, ': x'), expected: 'error' },
    { name: 'status two digits', input: 'HTTP/1.1 20 OK', expected: 'error' },
    { name: 'status four digits', input: 'HTTP/1.1 2000 OK', expected: 'error' },
    { name: 'no space before reason', input: 'HTTP/1.1 200OK', expected: 'error' },
    { name: 'HTTP/2', input: 'HTTP/2 200 OK', expected: 'error' },
    { name: 'HTTP/1.2', input: 'HTTP/1.2 200 OK', expected: 'error' },
    { name: 'not HTTP', input: 'ICY 200 OK', expected: 'error' },
    { name: 'empty head', input: '', expected: 'error' },
    { name: 'missing reason phrase', input: head('HTTP/1.1 200', 'Content-Length: 0'), expected: { status: 200, framing: { kind: 'length', length: 0 }, clientHead: head('HTTP/1.1 200 ', 'Content-Length: 0') } },
    { name: 'empty reason phrase', input: head('HTTP/1.1 200 ', 'Content-Length: 0'), expected: { status: 200, clientHead: head('HTTP/1.1 200 ', 'Content-Length: 0') } },
  ];
  for (const c of cases) {
    const got = parseResponseHead(c.input, c.method ?? 'GET');
    if (c.expected === 'error') {
      assert.equal(typeof got, 'string', `${c.name}: accepted`);
      continue;
    }
    assert.equal(typeof got, 'object', `${c.name}: ${String(got)}`);
    for (const [k, v] of Object.entries(c.expected)) assert.deepEqual((got as ResponseHead)[k as keyof ResponseHead], v, `${c.name}: ${k}`);
  }
});

test('parseResponseHead: the head for the client', () => {
  const cases: Array<{ name: string; input: string; expected: string }> = [
    { name: 'HTTP/1.0 rewritten, reason kept', input: head('HTTP/1.0 404 Not Found', 'Connection: keep-alive', 'Content-Length: 0'), expected: head('HTTP/1.1 404 Not Found', 'Content-Length: 0') },
    { name: 'reason with spaces', input: head("HTTP/1.1 418 I'm a teapot", 'Content-Length: 0'), expected: head("HTTP/1.1 418 I'm a teapot", 'Content-Length: 0') },
    {
      name: 'hop-by-hop dropped',
      input: head('HTTP/1.1 200 OK', 'Connection: X-Hop, Keep-Alive', 'Keep-Alive: timeout=5', 'Proxy-Connection: keep-alive', 'Upgrade: h2c', 'x-hop: 1', 'X-Keep: 2', 'Content-Length: 3'),
      expected: head('HTTP/1.1 200 OK', 'X-Keep: 2', 'Content-Length: 3'),
    },
    {
      name: 'Transfer-Encoding kept though listed in Connection',
      input: head('HTTP/1.1 200 OK', 'Connection: transfer-encoding', 'Transfer-Encoding: chunked'),
      expected: head('HTTP/1.1 200 OK', 'Transfer-Encoding: chunked'),
    },
    {
      name: 'Content-Length kept though listed in Connection',
      input: head('HTTP/1.1 200 OK', 'Content-Length: 3', 'Connection: Content-Length, X-A', 'X-A: 1'),
      expected: head('HTTP/1.1 200 OK', 'Content-Length: 3'),
    },
    {
      name: 'Set-Cookie lines kept apart, in order',
      input: head('HTTP/1.1 200 OK', 'Set-Cookie: a=1; Path=/', 'X: y', 'set-cookie: b=2, c=3', 'Content-Length: 0'),
      expected: head('HTTP/1.1 200 OK', 'Set-Cookie: a=1; Path=/', 'X: y', 'set-cookie: b=2, c=3', 'Content-Length: 0'),
    },
    { name: 'other fields verbatim', input: head('HTTP/1.1 200 OK', 'x-MiXeD:  spaced  ', 'Content-Length: 0'), expected: head('HTTP/1.1 200 OK', 'x-MiXeD:  spaced  ', 'Content-Length: 0') },
  ];
  for (const c of cases) {
    const got = parseResponseHead(c.input, 'GET');
    assert.equal(typeof got, 'object', `${c.name}: ${String(got)}`);
    assert.equal((got as ResponseHead).clientHead, c.expected, c.name);
  }
});

test('parseResponseHead: Content-Length removed when Transfer-Encoding overrides it', () => {
  // RFC 9112 6.3 (3): an intermediary forwarding a message with both MUST first remove Content-Length, or a client
  // that trusted it would split the chunked stream at the wrong place.
  const got = parseResponseHead(head('HTTP/1.1 200 OK', 'Content-Length: 10', 'Transfer-Encoding: chunked'), 'GET');
  assert.equal(typeof got, 'object');
  assert.doesNotMatch((got as ResponseHead).clientHead, /content-length/i);
});

/** Chunked bodies; `after` is what follows on the connection (the next message), not theirs to consume. */
const BODIES: Array<{ name: string; input: string; after?: string }> = [
  { name: 'one chunk', input: '5\r\nhello\r\n0\r\n\r\n' },
  { name: 'several chunks', input: '5\r\nhello\r\n1\r\n \r\n6\r\nworld!\r\n0\r\n\r\n' },
  { name: 'data holding CRLFs', input: '4\r\n\r\n\r\n\r\n0\r\n\r\n' },
  { name: 'extension', input: '5;name=val\r\nhello\r\n0\r\n\r\n' },
  { name: 'extensions with BWS and quotes', input: '5 ; a=b;c ;d="x y"\r\nhello\r\n0;last\r\n\r\n' },
  { name: 'upper-case hex', input: `A\r\n${'x'.repeat(10)}\r\n1F\r\n${'y'.repeat(31)}\r\n0\r\n\r\n` },
  { name: 'lower-case hex', input: `1f\r\n${'y'.repeat(31)}\r\n0\r\n\r\n` },
  { name: 'leading zeros', input: '005\r\nhello\r\n000\r\n\r\n' },
  { name: '15 hex digits', input: '000000000000003\r\nabc\r\n0\r\n\r\n' },
  { name: 'one trailer', input: '3\r\nabc\r\n0\r\nX-Sum: 1\r\n\r\n' },
  { name: 'several trailers', input: '3\r\nabc\r\n0\r\nX-Sum: 1\r\nX-Two: a b\r\nServer-Timing: t;dur=1\r\n\r\n' },
  { name: 'bytes after the end', input: '3\r\nabc\r\n0\r\n\r\n', after: 'HTTP/1.1 200 OK\r\n' },
  { name: 'bytes after trailers', input: '0\r\nX: 1\r\n\r\n', after: '0\r\n\r\n' },
  { name: 'zero-length last chunk only', input: '0\r\n\r\n' },
];

test('ChunkedScanner finds the end in one buffer, from an offset, and does not consume past it', () => {
  for (const c of BODIES) {
    const b = Buffer.from(c.input + (c.after ?? ''), 'latin1');
    const end = c.input.length;
    const s = new ChunkedScanner();
    assert.equal(s.done, false, c.name);
    assert.equal(s.feed(b), end, c.name);
    assert.equal(s.done, true, c.name);
    // Once done, nothing more is read, even bytes that are not chunked framing.
    assert.equal(s.feed(Buffer.from('garbage')), 0, `${c.name}: after done`);
    const prefix = Buffer.from('HTTP/1.1 200 OK\r\n\r\n');
    assert.equal(new ChunkedScanner().feed(Buffer.concat([prefix, b]), prefix.length), prefix.length + end, `${c.name}: from offset`);
  }
});

test('ChunkedScanner finds the same end however the bytes are split', () => {
  for (const c of BODIES) {
    const b = Buffer.from(c.input + (c.after ?? ''), 'latin1');
    const end = c.input.length;
    for (let k = 1; k < b.length; k++) {
      const s = new ChunkedScanner();
      const first = s.feed(b.subarray(0, k));
      if (end <= k) {
        assert.equal(first, end, `${c.name} split at ${k}`);
        assert.equal(s.done, true);
        continue;
      }
      assert.equal(first, -1, `${c.name} split at ${k}: first part`);
      assert.equal(s.done, false, `${c.name} split at ${k}: done early`);
      assert.equal(s.feed(b.subarray(k)), end - k, `${c.name} split at ${k}: second part`);
      assert.equal(s.done, true);
    }
    // One byte at a time: -1 and not done until the last byte of the body.
    const s = new ChunkedScanner();
    for (let i = 0; i < end; i++) {
      const last = i === end - 1;
      assert.equal(s.feed(b.subarray(i, i + 1)), last ? 1 : -1, `${c.name} byte ${i}`);
      assert.equal(s.done, last, `${c.name} done at byte ${i}`);
    }
  }
});

test('ChunkedScanner throws on malformed framing', () => {
  const cases: Array<{ name: string; input: string }> = [
    { name: 'missing CRLF after data', input: '5\r\nhello0\r\n\r\n' },
    { name: 'data longer than its size', input: '3\r\nhello\r\n0\r\n\r\n' },
    { name: 'CR without LF after data', input: '5\r\nhello\rX' },
    { name: 'non-hex size', input: 'g\r\nhello\r\n' },
    { name: 'hex then non-hex', input: '5g\r\nhello\r\n' },
    { name: '0x prefix', input: '0x5\r\nhello\r\n' },
    { name: 'negative size', input: '-5\r\nhello\r\n' },
    { name: 'empty size', input: '\r\nhello\r\n' },
    { name: 'extension without size', input: ';a=b\r\nhello\r\n' },
    { name: 'LF-only size line', input: '5\nhello\r\n0\r\n\r\n' },
    { name: 'LF-only after data', input: '5\r\nhello\n0\r\n\r\n' },
    { name: 'LF-only everywhere', input: '5\nhello\n0\n\n' },
    { name: 'LF-only last-chunk line', input: '0\n\n' },
    { name: 'CR then non-LF after size', input: '5\rXhello' },
    { name: '16 hex digits', input: '0000000000000005\r\nhello\r\n' },
    { name: 'control char in extension', input: '5;a\x01b\r\nhello\r\n0\r\n\r\n' },
    { name: 'NUL in extension', input: '5;a=\x00\r\nhello\r\n' },
    { name: 'DEL in extension', input: '5;a\x7f\r\nhello\r\n' },
    { name: 'LF in extension', input: '5;a\nb\r\nhello\r\n' },
    { name: 'bare CR in a trailer', input: '0\r\nX: 1\rY\r\n\r\n' },
    { name: 'CR then non-LF at the end', input: '0\r\n\rX' },
  ];
  for (const c of cases) {
    const b = Buffer.from(c.input, 'latin1');
    assert.throws(() => new ChunkedScanner().feed(b), Error, `${c.name}: whole`);
    const s = new ChunkedScanner();
    assert.throws(() => {
      for (let i = 0; i < b.length; i++) s.feed(b.subarray(i, i + 1));
    }, Error, `${c.name}: byte by byte`);
  }
});

test('ChunkedScanner keeps to the grammar where lenient readers would disagree', () => {
  // Each of these is read differently by some client or backend, so the relay must not carry on past it:
  // a chunk size followed by BWS but no ";" (RFC 9112 7.1.1), and a bare LF in the trailer section, which a reader
  // that takes LF as a line end (RFC 9112 2.2 allows it) would see as the end of the body.
  const cases: Array<{ name: string; input: string }> = [
    { name: 'whitespace then not ";" after size', input: '5 x\r\nhello\r\n0\r\n\r\n' },
    { name: 'LF-only blank line after last chunk', input: '0\r\n\nHTTP/1.1 200 OK\r\n\r\n' },
    { name: 'LF-only trailer line', input: '0\r\nX: 1\n\r\n\r\n' },
  ];
  for (const c of cases) assert.throws(() => new ChunkedScanner().feed(Buffer.from(c.input, 'latin1')), Error, c.name);
});
