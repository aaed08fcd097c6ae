// port-forward over SPDY (portforward.k8s.io): for each forwarded connection the client opens an error stream
// and a data stream carrying the same requestID and port headers. The data stream is connected to the port;
// a failure is written as text on the error stream, which is closed when the connection ends.
import { header } from './spdy-frames.js';
import type { SpdyStream } from './spdy-session.js';
import type { PodRef, StreamTarget } from './target.js';

export const PORT_FORWARD_PROTOCOL = 'portforward.k8s.io';

interface Pair {
  data?: SpdyStream;
  error?: SpdyStream;
}

/** Returns the onStream handler of one port-forward session. */
export function portForwardHandler(pod: PodRef, target: StreamTarget): (s: SpdyStream) => void {
  const pairs = new Map<string, Pair>();
  return (s) => {
    const type = header(s.headers, 'streamtype');
    // Old clients sent no requestID: then the data stream follows its error stream (ids two apart).
    const key = header(s.headers, 'requestid') ?? String(type === 'data' ? s.id - 2 : s.id);
    const portText = header(s.headers, 'port') ?? '';
    const port = Number(portText);
    if (type !== 'data' && type !== 'error') {
      s.reset();
      return;
    }
    const pair = pairs.get(key) ?? {};
    pair[type] = s;
    pairs.set(key, pair);
    if (type === 'error') s.resume(); // the client never writes on it
    if (!pair.data || !pair.error) return;
    pairs.delete(key);
    const { data, error } = pair;
    if (!Number.isInteger(port) || port <= 0 || port > 65535) {
      error.end(`invalid port: ${JSON.stringify(portText)}`);
      data.end();
      return;
    }
    void target
      .portForward(pod, port, data)
      .catch((e: unknown) => {
        const msg = e instanceof Error ? e.message : String(e);
        if (!error.writableEnded) error.write(`error forwarding port ${port} to pod ${pod.name}, uid ${pod.uid}: ${msg}`);
      })
      .finally(() => {
        if (!error.writableEnded) error.end();
        if (!data.writableEnded) data.end();
      });
  };
}
