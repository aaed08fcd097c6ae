// A SPDY/3.1 server session over one byte stream: accepts the peer's streams (SYN_STREAM -> SYN_REPLY), moves
// DATA both ways with FIN half-closes, answers PING, honours RST_STREAM and GOAWAY, and does flow control.
// Flow control: we always grant the peer more window as we consume (WINDOW_UPDATE per stream and for the
// session). On the sending side we hold to the peer's windows only once it has shown that it keeps them (sent a
// WINDOW_UPDATE): kubectl's moby/spdystream never sends one and relies on TCP backpressure alone.
import { Duplex } from 'node:stream';
import { DEFAULT_WINDOW, encodeFrame, FLAG_FIN, FrameReader, HeaderCodec, RST, SETTINGS_INITIAL_WINDOW_SIZE, type SpdyFrame, type SpdyHeaders } from './spdy-frames.js';

// Kept small so one stream cannot hold the connection for long.
const MAX_DATA_FRAME = 16_384;

export class SpdyStream extends Duplex {
  sendWindow: number;
  private pendingAck = 0;
  private waitWindow: (() => void) | undefined;
  remoteClosed = false;
  localClosed = false;

  constructor(
    readonly session: SpdySession,
    readonly id: number,
    readonly headers: SpdyHeaders,
    initialWindow: number,
  ) {
    super({ allowHalfOpen: true });
    this.sendWindow = initialWindow;
  }

  /** Peer data arrived; returns after queueing it for the reader. */
  receive(data: Buffer): void {
    if (this.remoteClosed) return;
    this.pendingAck += data.length;
    if (this.push(data)) this.ack();
  }

  private ack(): void {
    if (this.pendingAck > 0 && !this.remoteClosed) {
      this.session.send({ type: 'window_update', streamId: this.id, delta: this.pendingAck });
    }
    this.pendingAck = 0;
  }

  remoteFin(): void {
    if (this.remoteClosed) return;
    this.remoteClosed = true;
    this.push(null);
    this.session.maybeForget(this);
  }

  grow(delta: number): void {
    this.sendWindow += delta;
    const w = this.waitWindow;
    this.waitWindow = undefined;
    w?.();
  }

  override _read(): void {
    this.ack();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    void this.writeChunks(chunk).then(() => cb(), (e: unknown) => cb(e as Error));
  }

  private async writeChunks(chunk: Buffer): Promise<void> {
    let off = 0;
    while (off < chunk.length) {
      if (this.destroyed || this.session.closed) throw new Error('spdy stream closed');
      let n = Math.min(MAX_DATA_FRAME, chunk.length - off);
      if (this.session.peerDoesFlowControl) {
        const allowed = Math.min(this.sendWindow, this.session.sendWindow);
        if (allowed <= 0) {
          await new Promise<void>((r) => {
            this.waitWindow = r;
            this.session.waiters.add(r);
          });
          continue;
        }
        n = Math.min(n, allowed);
        this.sendWindow -= n;
        this.session.sendWindow -= n;
      }
      await this.session.sendAndDrain({ type: 'data', streamId: this.id, flags: 0, data: chunk.subarray(off, off + n) });
      off += n;
    }
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (!this.localClosed && !this.session.closed) this.session.send({ type: 'data', streamId: this.id, flags: FLAG_FIN, data: Buffer.alloc(0) });
    this.localClosed = true;
    this.session.maybeForget(this);
    cb();
  }

  /** Abandons the stream (RST_STREAM CANCEL). */
  reset(): void {
    if (!this.localClosed || !this.remoteClosed) this.session.send({ type: 'rst_stream', streamId: this.id, status: RST.CANCEL });
    this.localClosed = this.remoteClosed = true;
    this.session.maybeForget(this);
    this.destroy();
  }
}

export interface SpdySessionOptions {
  /** Called for every stream the peer opens, after the SYN_REPLY is queued. */
  onStream(stream: SpdyStream): void;
  onError?(err: Error): void;
}

export class SpdySession {
  readonly streams = new Map<number, SpdyStream>();
  readonly waiters = new Set<() => void>();
  private readonly codec = new HeaderCodec();
  private readonly reader = new FrameReader(this.codec);
  private initialWindow = DEFAULT_WINDOW;
  private lastPeerStream = 0;
  private pendingSessionAck = 0;
  sendWindow = DEFAULT_WINDOW;
  peerDoesFlowControl = false;
  closed = false;
  readonly done: Promise<void>;

  constructor(
    private readonly socket: Duplex,
    private readonly opts: SpdySessionOptions,
  ) {
    let resolveDone!: () => void;
    this.done = new Promise((r) => (resolveDone = r));
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const f of this.reader.push(chunk)) this.handle(f);
      } catch (e) {
        opts.onError?.(e as Error);
        this.send({ type: 'goaway', lastGoodStreamId: this.lastPeerStream, status: 1 });
        this.destroy();
      }
    });
    const finish = () => {
      this.teardown();
      resolveDone();
    };
    socket.on('close', finish);
    socket.on('end', () => {
      // The peer will send nothing more: its streams are over.
      for (const s of this.streams.values()) s.remoteFin();
    });
    socket.on('error', (e) => opts.onError?.(e));
  }

  private handle(f: SpdyFrame): void {
    switch (f.type) {
      case 'syn_stream': {
        if (this.closed || f.streamId <= this.lastPeerStream || f.streamId % 2 === 0) {
          this.send({ type: 'rst_stream', streamId: f.streamId, status: RST.PROTOCOL_ERROR });
          return;
        }
        this.lastPeerStream = f.streamId;
        const s = new SpdyStream(this, f.streamId, f.headers, this.initialWindow);
        this.streams.set(f.streamId, s);
        this.send({ type: 'syn_reply', streamId: f.streamId, flags: 0, headers: {} });
        if (f.flags & FLAG_FIN) s.remoteFin();
        this.opts.onStream(s);
        return;
      }
      case 'data': {
        this.pendingSessionAck += f.data.length;
        // Session window: give it back in batches rather than per frame.
        if (this.pendingSessionAck >= DEFAULT_WINDOW / 2) {
          this.send({ type: 'window_update', streamId: 0, delta: this.pendingSessionAck });
          this.pendingSessionAck = 0;
        }
        const s = this.streams.get(f.streamId);
        if (!s) return;
        if (f.data.length > 0) s.receive(f.data);
        if (f.flags & FLAG_FIN) s.remoteFin();
        return;
      }
      case 'rst_stream': {
        const s = this.streams.get(f.streamId);
        if (!s) return;
        s.remoteClosed = s.localClosed = true;
        this.streams.delete(f.streamId);
        s.push(null);
        s.destroy();
        return;
      }
      case 'settings':
        for (const e of f.entries) {
          if (e.id !== SETTINGS_INITIAL_WINDOW_SIZE) continue;
          const delta = e.value - this.initialWindow;
          this.initialWindow = e.value;
          for (const s of this.streams.values()) s.grow(delta);
        }
        return;
      case 'window_update':
        this.peerDoesFlowControl = true;
        if (f.streamId === 0) {
          this.sendWindow += f.delta;
          for (const w of this.waiters) w();
          this.waiters.clear();
        } else this.streams.get(f.streamId)?.grow(f.delta);
        return;
      case 'ping':
        // Our (server) ping ids are even; an odd id is the peer's, to be echoed.
        if (f.id % 2 === 1) this.send(f);
        return;
      case 'goaway':
        this.closed = true;
        return;
      case 'headers':
      case 'syn_reply':
      case 'unknown':
        return;
    }
  }

  send(f: SpdyFrame): boolean {
    if (this.socket.destroyed || this.socket.writableEnded) return false;
    return this.socket.write(encodeFrame(f, this.codec));
  }

  /** Sends and waits until the socket has room again (backpressure for DATA). */
  sendAndDrain(f: SpdyFrame): Promise<void> {
    if (this.send(f) || this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }

  maybeForget(s: SpdyStream): void {
    if (s.localClosed && s.remoteClosed) this.streams.delete(s.id);
  }

  /** GOAWAY, then end our side; the peer closes the connection when it is done reading. */
  close(): void {
    if (!this.closed) this.send({ type: 'goaway', lastGoodStreamId: this.lastPeerStream, status: 0 });
    this.closed = true;
    if (!this.socket.writableEnded) this.socket.end();
  }

  destroy(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private teardown(): void {
    this.closed = true;
    for (const s of this.streams.values()) {
      s.remoteClosed = s.localClosed = true;
      s.push(null);
      s.destroy();
    }
    this.streams.clear();
    for (const w of this.waiters) w();
    this.waiters.clear();
    this.codec.close();
  }
}
