// gRPC health probes against a tiny grpc.health.v1 server written with node:http2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Http2Server } from 'node:http2';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { grpcHealthCheck, healthCheckRequest, parseHealthCheckResponse, goSeconds, runProbe } from './probes.js';

/** Serves Health/Check: status per service name (1 SERVING, 2 NOT_SERVING); unknown names get NOT_FOUND. */
async function healthServer(statuses: Record<string, number>, opts: { hang?: boolean; reset?: boolean } = {}): Promise<{ port: number; seen: string[]; close(): Promise<void> }> {
  const seen: string[] = [];
  const server: Http2Server = createServer();
  server.on('stream', (stream, headers) => {
    if (opts.hang) return;
    stream.on('error', () => undefined);
    if (opts.reset) return void stream.close(2); // NGHTTP2_INTERNAL_ERROR
    const chunks: Buffer[] = [];
    stream.on('data', (b: Buffer) => chunks.push(b));
    stream.on('end', () => {
      const req = Buffer.concat(chunks);
      // HealthCheckRequest: optional field 1 (string), short names only in this test.
      const name = req.length > 7 ? req.subarray(7, 7 + (req[6] ?? 0)).toString() : '';
      seen.push(`${String(headers[':path'])} ${String(headers['content-type'])} ${String(headers.te)} ${name}`);
      const status = statuses[name];
      if (status === undefined) {
        stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '5', 'grpc-message': 'unknown service' }, { endStream: true });
        return;
      }
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(Buffer.from([0, 0, 0, 0, 2, 0x08, status]));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const sessions = new Set<import('node:http2').ServerHttp2Session>();
  server.on('session', (s) => sessions.add(s));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    close: () => new Promise((r) => {
      for (const s of sessions) s.destroy();
      server.close(() => r());
    }),
  };
}

test('request and response framing', () => {
  assert.deepEqual([...healthCheckRequest('')], [0, 0, 0, 0, 0]);
  assert.deepEqual([...healthCheckRequest('ab')], [0, 0, 0, 0, 4, 0x0a, 2, 0x61, 0x62]);
  assert.equal(healthCheckRequest('x'.repeat(200)).readUInt32BE(1), 203);
  assert.equal(parseHealthCheckResponse(Buffer.from([0, 0, 0, 0, 2, 0x08, 1])), 1);
  assert.equal(parseHealthCheckResponse(Buffer.from([0, 0, 0, 0, 0])), 0);
  assert.equal(parseHealthCheckResponse(Buffer.from([0, 0, 0, 0, 9])), undefined);
  assert.equal(goSeconds(1), '1s');
  assert.equal(goSeconds(90), '1m30s');
});

test('SERVING succeeds, NOT_SERVING and unknown services fail with kubelet words', async () => {
  const s = await healthServer({ '': 1, db: 2 });
  try {
    const ok = await grpcHealthCheck({ host: '127.0.0.1', port: s.port, service: '', timeoutMs: 1000 });
    assert.deepEqual(ok, { ok: true, message: 'service healthy' });
    const bad = await grpcHealthCheck({ host: '127.0.0.1', port: s.port, service: 'db', timeoutMs: 1000 });
    assert.deepEqual(bad, { ok: false, message: 'service unhealthy (responded with "NOT_SERVING")' });
    const missing = await grpcHealthCheck({ host: '127.0.0.1', port: s.port, service: 'nope', timeoutMs: 1000 });
    assert.deepEqual(missing, { ok: false, message: 'error: health rpc probe failed: rpc error: code = NotFound desc = unknown service' });
    assert.deepEqual(s.seen.slice(0, 2), [
      '/grpc.health.v1.Health/Check application/grpc trailers ',
      '/grpc.health.v1.Health/Check application/grpc trailers db',
    ]);
    // Through runProbe, as the prober calls it.
    const r = await runProbe({ grpc: { port: s.port, service: 'db' }, timeoutSeconds: 1 }, { ip: '127.0.0.1', container: { name: 'c' }, exec: () => Promise.reject(new Error('no exec')) });
    assert.equal(r.ok, false);
  } finally {
    await s.close();
  }
});

test('unreachable service reads as a connect timeout', async () => {
  // A port that was just free: bind, read, close.
  const probe = createNetServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const r = await grpcHealthCheck({ host: '127.0.0.1', port, service: '', timeoutMs: 1000 });
  assert.deepEqual(r, { ok: false, message: `timeout: failed to connect service "127.0.0.1:${port}" within 1s: context deadline exceeded` });
});

test('a server that never answers times out the rpc', async () => {
  const s = await healthServer({}, { hang: true });
  try {
    const started = Date.now();
    const r = await grpcHealthCheck({ host: '127.0.0.1', port: s.port, service: '', timeoutMs: 300 });
    assert.equal(r.ok, false);
    assert.match(r.message, /^timeout: health rpc did not complete within /);
    assert.ok(Date.now() - started < 2000);
  } finally {
    await s.close();
  }
});

test('a stream reset by the server fails the probe at once', async () => {
  const s = await healthServer({}, { reset: true });
  try {
    const r = await grpcHealthCheck({ host: '127.0.0.1', port: s.port, service: '', timeoutMs: 5000 });
    assert.equal(r.ok, false);
    assert.match(r.message, /^error: health rpc probe failed: rpc error: code = Unavailable/);
  } finally {
    await s.close();
  }
});
