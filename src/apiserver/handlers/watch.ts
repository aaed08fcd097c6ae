// watch: a stream of {"type":"ADDED|MODIFIED|DELETED|BOOKMARK|ERROR","object":...} events.
//   resourceVersion unset or "0": ADDED for every current object first, then changes (Kubernetes' "get state
//   and start at most recent"); resourceVersion=N: changes after N, or one ERROR 410 Expired if N is compacted;
//   sendInitialEvents=true: current objects, then a BOOKMARK annotated k8s.io/initial-events-end.
import { errors, type Status } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import { apiVersionOf } from '../../api/resource.js';
import { isStoreError, type WatchEvent } from '../../store/types.js';
import { fromStore } from '../object-meta.js';
import { isTrue } from '../request-info.js';
import { prefixFor, keyFor, type Op } from './common.js';
import { objectFilter } from './read.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** Where events go; the server encodes them for the client's media type. */
export interface WatchSink {
  send(type: WatchEventType, object: KubeObject | Status): void;
  /** Aborted when the client goes away or the server shuts down. */
  signal: AbortSignal;
}

export async function watchObjects(op: Op, sink: WatchSink): Promise<void> {
  const q = op.rr.query;
  const keep = objectFilter(op);
  const info = op.served.info;
  const bookmarks = isTrue(q.get('allowWatchBookmarks'));
  const sendInitial = q.get('sendInitialEvents');
  const rvParam = q.get('resourceVersion') ?? '';
  if (sendInitial !== null) {
    if (q.get('resourceVersionMatch') !== 'NotOlderThan') {
      throw errors.badRequest('sendInitialEvents: Forbidden: sendInitialEvents is forbidden for watch unless resourceVersionMatch is set to NotOlderThan');
    }
    if (isTrue(sendInitial) && !bookmarks) {
      throw errors.badRequest('allowWatchBookmarks: Forbidden: allowWatchBookmarks must be set to true when sendInitialEvents is set to true');
    }
  }
  // A watch on one object (the old /watch/.../name path) narrows to its key.
  const name = op.rr.info.name;
  const prefix = name ? keyFor(op, op.rr.info.namespace, name) : prefixFor(op, op.rr.info.namespace);
  const exactKey = name ? prefix : undefined;
  const listFirst = isTrue(sendInitial) || (sendInitial === null && (rvParam === '' || rvParam === '0'));
  const timeoutSec = Number.parseInt(q.get('timeoutSeconds') ?? '', 10);
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  sink.signal.addEventListener('abort', onAbort, { once: true });
  const timer = Number.isFinite(timeoutSec) && timeoutSec > 0 ? setTimeout(onAbort, timeoutSec * 1000) : undefined;
  let lastRev = 0;
  const bookmark = (annotations?: Record<string, string>) => {
    const meta: Record<string, unknown> = { resourceVersion: String(lastRev) };
    if (annotations) meta['annotations'] = annotations;
    sink.send('BOOKMARK', { kind: info.kind, apiVersion: apiVersionOf(info.group, op.rr.version), metadata: meta } as KubeObject);
  };
  const ticker = bookmarks ? setInterval(() => bookmark(), op.ctx.bookmarkIntervalMs) : undefined;
  try {
    let after: number;
    if (listFirst) {
      const page = await op.ctx.store.range(prefix);
      for (const kv of page.kvs) {
        if (exactKey && kv.key !== exactKey) continue;
        const obj = fromStore(kv, info, op.rr.version);
        if (keep(obj)) sink.send('ADDED', obj);
      }
      after = page.revision;
      lastRev = after;
      if (isTrue(sendInitial)) bookmark({ 'k8s.io/initial-events-end': 'true' });
    } else {
      const n = Number(rvParam);
      if (!Number.isInteger(n) || n < 0) throw errors.badRequest(`resourceVersion: Invalid value: "${rvParam}": must be a non-negative integer`);
      after = n;
      lastRev = n;
      const oldest = await op.ctx.store.compactedRevision();
      if (n < oldest) {
        sink.send('ERROR', errors.tooOldResourceVersion(n, oldest).toStatus());
        return;
      }
    }
    const w = op.ctx.store.watch(prefix, { afterRevision: after, signal: stop.signal });
    try {
      for await (const ev of w) {
        if (exactKey && ev.key !== exactKey) continue;
        lastRev = ev.revision;
        const out = translate(op, ev, keep);
        if (out) sink.send(out.type, out.object);
      }
    } catch (e) {
      if (isStoreError(e, 'Compacted')) {
        sink.send('ERROR', errors.tooOldResourceVersion(after, await op.ctx.store.compactedRevision()).toStatus());
      } else if (isStoreError(e, 'TooSlow')) {
        sink.send('ERROR', errors.gone('watch fell too far behind; relist').toStatus());
      } else if (!stop.signal.aborted) throw e;
    }
  } finally {
    if (timer) clearTimeout(timer);
    if (ticker) clearInterval(ticker);
    sink.signal.removeEventListener('abort', onAbort);
  }
}

/** A store event seen through the selectors: leaving the selection is DELETED, entering it ADDED. */
function translate(op: Op, ev: WatchEvent, keep: (o: KubeObject) => boolean): { type: WatchEventType; object: KubeObject } | undefined {
  const info = op.served.info;
  const v = op.rr.version;
  if (ev.type === 'delete') {
    if (!ev.prev) return undefined;
    const obj = fromStore(ev.prev, info, v);
    // The deleted object carries the revision of its deletion, as Kubernetes' watch does.
    obj.metadata = { ...obj.metadata, resourceVersion: String(ev.revision) };
    return keep(obj) ? { type: 'DELETED', object: obj } : undefined;
  }
  const obj = fromStore(ev.kv!, info, v);
  const now = keep(obj);
  if (ev.type === 'create') return now ? { type: 'ADDED', object: obj } : undefined;
  const before = ev.prev ? keep(fromStore(ev.prev, info, v)) : false;
  if (now && before) return { type: 'MODIFIED', object: obj };
  if (now) return { type: 'ADDED', object: obj };
  if (before) return { type: 'DELETED', object: obj };
  return undefined;
}
