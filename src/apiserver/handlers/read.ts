// get and list: consistent reads from the store with selectors, pagination and resourceVersion semantics.
import { ApiError, errors } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import { apiVersionOf } from '../../api/resource.js';
import { isStoreError } from '../../store/types.js';
import { decodeContinue, encodeContinue } from '../continue-token.js';
import { fieldMatcher } from '../field-labels.js';
import { rawList, spliceStoredItem } from '../list-json.js';
import { fromStore } from '../object-meta.js';
import { matchLabels, parseFieldSelector, parseLabelSelector } from '../selectors.js';
import { prefixFor, readCurrent, type Op, type Reply } from './common.js';

export async function getObject(op: Op, name: string): Promise<Reply> {
  const { obj } = await readCurrent(op, name);
  return { code: 200, kind: 'object', body: obj };
}

/** A predicate from labelSelector and fieldSelector. */
export function objectFilter(op: Op): (o: KubeObject) => boolean {
  return selectorFilter(op) ?? (() => true);
}

/** The selectors' predicate, or undefined when the request has none (a list then never parses its items). */
function selectorFilter(op: Op): ((o: KubeObject) => boolean) | undefined {
  const q = op.rr.query;
  const labels = parseLabelSelector(q.get('labelSelector') ?? '');
  const fieldReqs = parseFieldSelector(q.get('fieldSelector') ?? '');
  const fields = fieldMatcher(op.served.info.group, op.served.info.plural, fieldReqs);
  if (labels.length === 0 && fieldReqs.length === 0) return undefined;
  return (o) => matchLabels(labels, o.metadata?.labels) && fields(o);
}

/** Which revision a list reads at, from resourceVersion and resourceVersionMatch. */
async function listRevision(op: Op): Promise<number | undefined> {
  const q = op.rr.query;
  const rv = q.get('resourceVersion') ?? '';
  const match = q.get('resourceVersionMatch') ?? '';
  if (match && !rv) throw errors.badRequest('resourceVersionMatch is forbidden unless resourceVersion is provided');
  if (match && q.get('continue')) throw errors.badRequest('resourceVersionMatch is forbidden when continue is provided');
  if (match && match !== 'Exact' && match !== 'NotOlderThan') {
    throw errors.badRequest(`resourceVersionMatch: Unsupported value: "${match}": supported values: "Exact", "NotOlderThan"`);
  }
  if (!rv || rv === '0') {
    if (match === 'Exact') throw errors.badRequest('resourceVersionMatch "Exact" is forbidden for resourceVersion "0"');
    return undefined;
  }
  const n = Number(rv);
  if (!Number.isInteger(n) || n < 0) throw errors.badRequest(`resourceVersion: Invalid value: "${rv}": must be a non-negative integer`);
  const current = await op.ctx.store.currentRevision();
  if (n > current) {
    throw new ApiError(504, 'Timeout', `Too large resource version: ${n}, current: ${current}`, { retryAfterSeconds: 1, causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }] });
  }
  return match === 'Exact' ? n : undefined;
}

export async function listObjects(op: Op): Promise<Reply> {
  const q = op.rr.query;
  const keep = selectorFilter(op);
  const info = op.served.info;
  const apiVersion = apiVersionOf(info.group, op.rr.version);
  const prefix = prefixFor(op, op.rr.info.namespace);
  const limitRaw = q.get('limit');
  const limit = limitRaw ? Math.max(0, Number.parseInt(limitRaw, 10) || 0) : 0;
  let revision = await listRevision(op);
  let after: string | undefined;
  const token = q.get('continue');
  if (token) {
    const c = decodeContinue(token, prefix);
    after = c.after;
    revision = c.revision;
  }
  // Items as JSON text: the stored text spliced when it can be, else the parsed object encoded.
  const items: string[] = [];
  let more = false;
  let lastKey: string | undefined;
  let servedAt = 0;
  try {
    // With selectors a page can come back short: keep reading until the limit is filled or the keys run out.
    for (;;) {
      const page = await op.ctx.store.range(prefix, {
        limit: limit > 0 ? Math.max(limit - items.length, Math.min(limit * 2, 500)) : 0,
        continueAfter: after,
        revision,
      });
      servedAt = page.revision;
      revision = page.revision;
      let stoppedEarly = false;
      for (const kv of page.kvs) {
        if (limit > 0 && items.length >= limit) {
          stoppedEarly = true;
          break;
        }
        lastKey = kv.key;
        const obj = keep ? fromStore(kv, info, op.rr.version) : undefined;
        if (obj && !keep!(obj)) continue;
        items.push(spliceStoredItem(kv, apiVersion, info.kind) ?? JSON.stringify(obj ?? fromStore(kv, info, op.rr.version)));
      }
      if (stoppedEarly) {
        more = true;
        break;
      }
      if (!page.more) break;
      after = page.kvs[page.kvs.length - 1]?.key;
      if (limit > 0 && items.length >= limit) {
        more = true;
        break;
      }
    }
  } catch (e) {
    if (isStoreError(e, 'Compacted')) {
      if (token) {
        throw errors.gone('The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.');
      }
      throw errors.gone(`The resourceVersion for the provided list is too old.`);
    }
    throw e;
  }
  const metadata: Record<string, unknown> = { resourceVersion: String(servedAt) };
  if (more && lastKey) metadata['continue'] = encodeContinue(lastKey, prefix, servedAt);
  return { code: 200, kind: 'list', body: rawList(info.listKind, apiVersion, metadata, items) };
}
