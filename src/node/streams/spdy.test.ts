import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { inflateSync, constants } from 'node:zlib';
import { SPDY3_DICTIONARY } from './spdy-dictionary.js';
import { encodeFrame, FLAG_FIN, FrameReader, HeaderCodec, type SpdyFrame } from './spdy-frames.js';
import { SpdySession, type SpdyStream } from './spdy-session.js';

describe('SPDY frames', () => {
  it('the dictionary has the SPDY/3 size and ends as the draft says', () => {
    assert.equal(SPDY3_DICTIONARY.length, 1423);
    assert.equal(SPDY3_DICTIONARY.subarray(0, 11).toString('latin1'), '\0\0\0\x07options');
    assert.ok(SPDY3_DICTIONARY.toString('latin1').endsWith(',*,enq=0.'));
  });

  it('round-trips every frame type, header blocks through one compression context', () => {
    const out = new HeaderCodec();
    const inn = new HeaderCodec();
    const frames: SpdyFrame[] = [
      { type: 'syn_stream', streamId: 1, associatedId: 0, priority: 2, flags: 0, headers: { streamtype: ['error'] } },
      { type: 'syn_stream', streamId: 3, associatedId: 0, priority: 0, flags: FLAG_FIN, headers: { streamtype: ['data'], port: ['8080'], requestid: ['0'] } },
      { type: 'syn_reply', streamId: 3, flags: 0, headers: {} },
      { type: 'headers', streamId: 3, flags: 0, headers: { a: ['x', 'y'] } },
      { type: 'data', streamId: 3, flags: FLAG_FIN, data: Buffer.from('hello') },
      { type: 'rst_stream', streamId: 5, status: 5 },
      { type: 'settings', flags: 0, entries: [{ flags: 0, id: 7, value: 1 << 20 }] },
      { type: 'ping', id: 7 },
      { type: 'goaway', lastGoodStreamId: 9, status: 0 },
      { type: 'window_update', streamId: 0, delta: 1234 },
    ];
    const wire = Buffer.concat(frames.map((f) => encodeFrame(f, out)));
    // Byte by byte: frames must come out whole however the bytes arrive.
    const reader = new FrameReader(inn);
    const got: SpdyFrame[] = [];
    for (const b of wire) got.push(...reader.push(Buffer.from([b])));
    assert.deepEqual(got, frames);
  });

  it('header blocks are one zlib stream with the SPDY dictionary, each ending at a sync flush', () => {
    const c = new HeaderCodec();
    const a = c.encode({ streamtype: ['stdout'] });
    const b = c.encode({ streamtype: ['stderr'] });
    // The empty stored block (00 00 00 ff ff) ends each block, as zlib's sync flush does.
    assert.deepEqual([...a.subarray(-5)], [0, 0, 0, 0xff, 0xff]);
    const whole = inflateSync(Buffer.concat([a, b]), { dictionary: SPDY3_DICTIONARY, finishFlush: constants.Z_SYNC_FLUSH });
    assert.match(whole.toString('latin1'), /streamtype.*stdout.*streamtype.*stderr/s);
    // A dictionary-less inflater must refuse: the stream names the dictionary.
    assert.throws(() => inflateSync(a, { finishFlush: constants.Z_SYNC_FLUSH }));
  });
});

/** A client side for tests: frames in and out of a session over a PassThrough pair. */
function pair() {
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  // A duplex whose reads come from toServer and writes go to toClient.
  const duplex = new (class extends PassThrough {})();
  toServer.on('data', (d: Buffer) => duplex.emit('data', d));
  duplex.write = ((chunk: Buffer) => toClient.write(chunk)) as typeof duplex.write;
  const clientCodec = new HeaderCodec();
  const reader = new FrameReader(clientCodec);
  const received: SpdyFrame[] = [];
  toClient.on('data', (d: Buffer) => received.push(...reader.push(d)));
  const send = (f: SpdyFrame) => toServer.write(encodeFrame(f, clientCodec));
  return { duplex, received, send };
}

describe('SPDY session', () => {
  it('replies to streams, moves data with FIN, acks data, echoes pings', async () => {
    const p = pair();
    const streams: SpdyStream[] = [];
    new SpdySession(p.duplex, { onStream: (s) => streams.push(s) });
    p.send({ type: 'syn_stream', streamId: 1, associatedId: 0, priority: 0, flags: 0, headers: { streamtype: ['stdin'] } });
    p.send({ type: 'data', streamId: 1, flags: FLAG_FIN, data: Buffer.from('abc') });
    p.send({ type: 'ping', id: 1 });
    await new Promise((r) => setImmediate(r));
    assert.equal(streams.length, 1);
    const s = streams[0]!;
    let text = '';
    s.on('data', (d: Buffer) => (text += d.toString()));
    await new Promise((r) => s.once('end', r));
    assert.equal(text, 'abc');
    await new Promise<void>((r) => s.end('out', () => r()));
    await new Promise((r) => setImmediate(r));
    const types = p.received.map((f) => f.type);
    assert.deepEqual(types.filter((t) => t !== 'window_update'), ['syn_reply', 'ping', 'data', 'data']);
    assert.ok(p.received.some((f) => f.type === 'window_update' && f.streamId === 1 && f.delta === 3));
    const data = p.received.filter((f): f is Extract<SpdyFrame, { type: 'data' }> => f.type === 'data');
    assert.equal(data[0]!.data.toString(), 'out');
    assert.equal(data[1]!.flags & FLAG_FIN, FLAG_FIN);
  });

  it('holds to the peer window once the peer does flow control', async () => {
    const p = pair();
    const streams: SpdyStream[] = [];
    new SpdySession(p.duplex, { onStream: (s) => streams.push(s) });
    p.send({ type: 'settings', flags: 0, entries: [{ flags: 0, id: 7, value: 10 }] });
    p.send({ type: 'syn_stream', streamId: 1, associatedId: 0, priority: 0, flags: 0, headers: {} });
    p.send({ type: 'window_update', streamId: 0, delta: 1000 });
    await new Promise((r) => setImmediate(r));
    const s = streams[0]!;
    s.write(Buffer.alloc(25, 1));
    await new Promise((r) => setImmediate(r));
    const sent = () => p.received.filter((f) => f.type === 'data').reduce((n, f) => n + (f.type === 'data' ? f.data.length : 0), 0);
    assert.equal(sent(), 10);
    p.send({ type: 'window_update', streamId: 1, delta: 20 });
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(sent(), 25);
  });
});
