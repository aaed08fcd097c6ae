// Resource requests to their handler: verb x subresource.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors } from '../api/errors.js';
import type { KubeObject } from '../api/object.js';
import { isPlainObject } from '../api/object.js';
import type { Verb } from '../api/resource.js';
import { qualifiedResource } from '../api/resource.js';
import { type Op, type Reply } from './handlers/common.js';
import { createObject } from './handlers/create.js';
import { deleteCollection, deleteObject } from './handlers/delete.js';
import { patchObject } from './handlers/patch.js';
import { getObject, listObjects, objectFilter } from './handlers/read.js';
import { updateObject } from './handlers/update.js';
import { watchObjects, type WatchSink } from './handlers/watch.js';
import { PATCH_TYPES } from './media.js';
import { notFoundPath } from './nonresource.js';
import { checkReadQuery } from './query-params.js';
import { getScale, writeScale } from './subresources/scale.js';
import { bindPod, evictPod, podStream } from './subresources/pods.js';
import { requestToken } from './subresources/token-request.js';
import { createReview, isReview } from './reviews/index.js';
import type { ResourceRequest, ServerContext } from './types.js';

export interface RouteIo {
  req: IncomingMessage;
  res: ServerResponse;
  /** Opens the watch stream (headers sent) and gives the sink. */
  openWatch(op: Op): WatchSink;
}

const STREAMS = new Set(['log', 'exec', 'attach', 'portforward', 'proxy']);

export async function routeResource(ctx: ServerContext, rr: ResourceRequest, io: RouteIo): Promise<Reply> {
  const info = rr.info;
  const served = ctx.registry.lookup(info.group, info.version, info.resource);
  if (!served) throw notFoundPath();
  const op: Op = { ctx, rr, served };
  checkReadQuery(info.verb, rr.query);
  const ri = served.info;
  const name = info.name;
  const sub = info.subresource;
  const notAllowed = () => errors.methodNotAllowed(info.method, { group: ri.group, resource: sub ? `${ri.plural}/${sub}` : ri.plural });
  if (info.namespace !== undefined && !ri.namespaced) throw notFoundPath();
  if (ri.group === 'metrics.k8s.io') {
    if (!ctx.hooks.metrics) throw errors.unavailable('the server is currently unable to handle the request');
    return ctx.hooks.metrics(rr);
  }
  if (!sub) {
    const verb = info.verb as Verb;
    if (info.verb !== 'connect' && !ri.verbs.includes(verb)) throw notAllowed();
    switch (info.verb) {
      case 'get':
        return getObject(op, name!);
      case 'list':
        return listObjects(op);
      case 'watch': {
        // Selectors are checked before the stream opens, so a bad one is a 400 rather than an ERROR event.
        objectFilter(op);
        const sink = io.openWatch(op);
        await watchObjects(op, sink);
        return { kind: 'streamed' };
      }
      case 'create':
        if (name) throw notAllowed();
        if (isReview(ri.group, ri.plural)) return createReview(op);
        return createObject(op);
      case 'update':
        return updateObject(op, name!);
      case 'patch':
        return patchObject(op, name!);
      case 'delete':
        return deleteObject(op, name!);
      case 'deletecollection':
        return deleteCollection(op);
      default:
        throw notAllowed();
    }
  }
  const subInfo = (ri.subresources ?? []).find((s) => s.name === sub);
  const customScale = sub === 'scale' && served.custom?.versions.get(rr.version)?.scale;
  if (!subInfo && !customScale) throw notFoundPath();
  if (!name) throw notFoundPath();
  if (STREAMS.has(sub)) return podStream(op, name, io.req, io.res);
  const m = info.method;
  switch (sub) {
    case 'status':
      if (m === 'GET') return getObject(op, name);
      if (m === 'PUT') return updateObject(op, name, 'status');
      if (m === 'PATCH') return patchObject(op, name, 'status');
      throw notAllowed();
    case 'scale':
      if (m === 'GET') return getScale(op, name);
      if (m === 'PUT') return writeScale(op, name);
      if (m === 'PATCH') return writeScale(op, name, patchTypeOf(rr));
      throw notAllowed();
    case 'binding':
      if (m === 'POST') return bindPod(op, name);
      throw notAllowed();
    case 'eviction':
      if (m === 'POST') return evictPod(op, name);
      throw notAllowed();
    case 'token':
      if (m === 'POST' && ri.group === '' && ri.plural === 'serviceaccounts') return requestToken(op, name);
      throw notAllowed();
    case 'finalize':
      if (m === 'PUT' && ri.plural === 'namespaces') return finalizeNamespace(op, name);
      throw notAllowed();
    default:
      // Subresources listed by the registry but not served by Tugboat yet (serviceaccounts/token...).
      throw errors.methodNotAllowed(m, { group: ri.group, resource: `${qualifiedResource(ri)}/${sub}` });
  }
}

function patchTypeOf(rr: ResourceRequest): string {
  const t = (rr.contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (!Object.values(PATCH_TYPES).includes(t as never)) throw errors.unsupportedMediaType(t);
  return t;
}

/** PUT namespaces/x/finalize: only spec.finalizers changes (the namespace controller's last step). */
async function finalizeNamespace(op: Op, name: string): Promise<Reply> {
  const body = op.rr.body;
  const fin = isPlainObject(body) && isPlainObject(body['spec']) ? body['spec']['finalizers'] : undefined;
  const patchOp: Op = {
    ...op,
    rr: { ...op.rr, body: { spec: { finalizers: Array.isArray(fin) ? fin : [] } } as KubeObject, contentType: PATCH_TYPES.merge },
  };
  return patchObject(patchOp, name, 'finalize');
}
