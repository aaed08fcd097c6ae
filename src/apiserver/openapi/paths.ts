// Swagger 2.0 path items for every served resource, shaped as Kubernetes writes them: list/create/
// deletecollection on the collection, read/replace/patch/delete on the item, the same for subresources,
// each operation tagged with x-kubernetes-action and x-kubernetes-group-version-kind. The PATCH operations
// carry the fieldValidation query parameter: kubectl looks for it to know the server validates fields.
import { apiVersionOf } from '../../api/resource.js';
import { definitionNameFor } from '../../api/schema/index.js';
import type { ServedKind } from './served.js';

export type Json = Record<string, unknown>;

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const ref = (def: string) => ({ $ref: `#/definitions/${def}` });

const q = (name: string, type: string, description: string): Json => ({ uniqueItems: true, type, description, name, in: 'query' });
const PARAMS = {
  pretty: q('pretty', 'string', "If 'true', then the output is pretty printed. Defaults to 'false' unless the user-agent indicates a browser or command-line HTTP tool (curl and wget)."),
  dryRun: q('dryRun', 'string', 'When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun directive will result in an error response and no further processing of the request. Valid values are: - All: all dry run stages will be processed'),
  fieldManager: q('fieldManager', 'string', 'fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint.'),
  fieldValidation: q('fieldValidation', 'string', 'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore: This will ignore any unknown fields that are silently dropped from the object, and will ignore all but the last duplicate field that the decoder encounters. This is the default behavior prior to v1.23. - Warn: This will send a warning via the standard warning response header for each unknown field that is dropped from the object, and for each duplicate field that is encountered. The request will still succeed if there are no other errors, and will only persist the last of any duplicate fields. This is the default in v1.23+ - Strict: This will fail the request with a BadRequest error if any unknown fields would be dropped from the object, or if any duplicate fields are present. The error returned from the server will contain all unknown and duplicate fields encountered.'),
  force: q('force', 'boolean', 'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people. Force flag must be unset for non-apply patch requests.'),
  gracePeriodSeconds: q('gracePeriodSeconds', 'integer', 'The duration in seconds before the object should be deleted. Value must be non-negative integer. The value zero indicates delete immediately.'),
  propagationPolicy: q('propagationPolicy', 'string', "Whether and how garbage collection will be performed. Acceptable values are: 'Orphan', 'Background', 'Foreground'."),
  labelSelector: q('labelSelector', 'string', 'A selector to restrict the list of returned objects by their labels. Defaults to everything.'),
  fieldSelector: q('fieldSelector', 'string', 'A selector to restrict the list of returned objects by their fields. Defaults to everything.'),
  limit: q('limit', 'integer', 'limit is a maximum number of responses to return for a list call.'),
  continue: q('continue', 'string', 'The continue option should be set when retrieving more results from the server.'),
  resourceVersion: q('resourceVersion', 'string', 'resourceVersion sets a constraint on what resource versions a request may be served from.'),
  resourceVersionMatch: q('resourceVersionMatch', 'string', 'resourceVersionMatch determines how resourceVersion is applied to list calls.'),
  watch: q('watch', 'boolean', 'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications.'),
  allowWatchBookmarks: q('allowWatchBookmarks', 'boolean', 'allowWatchBookmarks requests watch events with type "BOOKMARK".'),
  sendInitialEvents: q('sendInitialEvents', 'boolean', '`sendInitialEvents=true` may be set together with `watch=true`.'),
  timeoutSeconds: q('timeoutSeconds', 'integer', 'Timeout for the list/watch call.'),
};
const LIST_PARAMS = [PARAMS.allowWatchBookmarks, PARAMS.continue, PARAMS.fieldSelector, PARAMS.labelSelector, PARAMS.limit, PARAMS.resourceVersion, PARAMS.resourceVersionMatch, PARAMS.sendInitialEvents, PARAMS.timeoutSeconds, PARAMS.watch];
const WRITE_PARAMS = [PARAMS.dryRun, PARAMS.fieldManager, PARAMS.fieldValidation];

const pathParam = (name: string, description: string): Json => ({ uniqueItems: true, type: 'string', description, name, in: 'path', required: true });

/** "networking.k8s.io" -> "NetworkingV1"-style prefix used in operation ids and tags. */
function groupWords(group: string): string[] {
  if (group === '') return ['core'];
  return group.replace(/\.k8s\.io$/, '').split(/[.-]/);
}
const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export function pathsFor(k: ServedKind): Record<string, Json> {
  const { info, version } = k;
  const gvk = { group: info.group, version, kind: info.kind };
  const words = groupWords(info.group);
  const opPrefix = words.map(cap).join('') + cap(version);
  const tag = `${words.join('_')}_${version}`;
  const base = info.group === '' ? `/api/${version}` : `/apis/${apiVersionOf(info.group, version)}`;
  const ns = info.namespaced ? 'Namespaced' : '';
  const collection = info.namespaced ? `${base}/namespaces/{namespace}/${info.plural}` : `${base}/${info.plural}`;
  const item = `${collection}/{name}`;
  const body = (def: string | undefined): Json => ({ name: 'body', in: 'body', required: true, schema: def ? ref(def) : { type: 'object' } });
  const ok = (def: string | undefined, codes: string[] = ['200']): Json => {
    const r: Json = {};
    for (const c of codes) r[c] = def ? { description: c === '201' ? 'Created' : c === '202' ? 'Accepted' : 'OK', schema: ref(def) } : { description: 'OK' };
    r['401'] = { description: 'Unauthorized' };
    return r;
  };
  const op = (action: string, verb: string, scope: string, description: string, params: Json[], responses: Json, kindGvk = gvk): Json => ({
    description,
    consumes: action === 'patch'
      ? ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml']
      : ['*/*'],
    produces: ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'],
    schemes: ['https'],
    tags: [tag],
    operationId: `${verb}${opPrefix}${scope}`,
    parameters: params,
    responses,
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': kindGvk,
  });
  const has = (v: string) => (info.verbs as readonly string[]).includes(v);
  const nsParams = info.namespaced ? [pathParam('namespace', 'object name and auth scope, such as for teams and projects')] : [];
  const out: Record<string, Json> = {};

  const coll: Json = {};
  if (has('list')) coll.get = op('list', 'list', `${ns}${info.kind}`, `list or watch objects of kind ${info.kind}`, LIST_PARAMS, ok(k.listDef));
  if (has('create')) coll.post = op('post', 'create', `${ns}${info.kind}`, `create a ${info.kind}`, [body(k.def), ...WRITE_PARAMS], ok(k.def, ['200', '201', '202']));
  if (has('deletecollection')) coll.delete = op('deletecollection', 'deleteCollection', `${ns}${info.kind}`, `delete collection of ${info.kind}`, [body(`${META}.DeleteOptions`), ...LIST_PARAMS, PARAMS.dryRun, PARAMS.gracePeriodSeconds, PARAMS.propagationPolicy], ok(`${META}.Status`));
  if (Object.keys(coll).length > 0) out[collection] = { ...coll, parameters: [...nsParams, PARAMS.pretty] };
  if (info.namespaced && has('list')) {
    out[`${base}/${info.plural}`] = {
      get: op('list', 'list', `${info.kind}ForAllNamespaces`, `list or watch objects of kind ${info.kind}`, LIST_PARAMS, ok(k.listDef)),
      parameters: [PARAMS.pretty],
    };
  }

  const one: Json = {};
  const itemParams = [pathParam('name', `name of the ${info.kind}`), ...nsParams, PARAMS.pretty];
  if (has('get')) one.get = op('get', 'read', `${ns}${info.kind}`, `read the specified ${info.kind}`, [], ok(k.def));
  if (has('update')) one.put = op('put', 'replace', `${ns}${info.kind}`, `replace the specified ${info.kind}`, [body(k.def), ...WRITE_PARAMS], ok(k.def, ['200', '201']));
  if (has('patch')) one.patch = op('patch', 'patch', `${ns}${info.kind}`, `partially update the specified ${info.kind}`, [{ name: 'body', in: 'body', required: true, schema: { $ref: `#/definitions/${META}.Patch` } }, ...WRITE_PARAMS, PARAMS.force], ok(k.def, ['200', '201']));
  if (has('delete')) one.delete = op('delete', 'delete', `${ns}${info.kind}`, `delete a ${info.kind}`, [body(`${META}.DeleteOptions`), PARAMS.dryRun, PARAMS.gracePeriodSeconds, PARAMS.propagationPolicy], ok(`${META}.Status`, ['200', '202']));
  if (Object.keys(one).length > 0) out[item] = { ...one, parameters: itemParams };

  for (const s of info.subresources ?? []) {
    // Only subresources that speak an object with a schema (status, scale...) get operations; streaming ones
    // (log, exec, attach, portforward, proxy) are left out as their schemas are not objects.
    const sg = s.group ?? info.group;
    const sv = s.version ?? version;
    const sub: Json = {};
    const subDef = s.kind === info.kind && sg === info.group ? k.def : definitionNameFor(sg, sv, s.kind);
    const subGvk = { group: sg, version: sv, kind: s.kind };
    const verbs = s.verbs as readonly string[];
    const name = `${ns}${info.kind}${cap(s.name)}`;
    if (verbs.includes('get')) sub.get = op('get', 'read', name, `read ${s.name} of the specified ${info.kind}`, [], ok(subDef), subGvk);
    if (verbs.includes('update')) sub.put = op('put', 'replace', name, `replace ${s.name} of the specified ${info.kind}`, [body(subDef), ...WRITE_PARAMS], ok(subDef, ['200', '201']), subGvk);
    if (verbs.includes('patch')) sub.patch = op('patch', 'patch', name, `partially update ${s.name} of the specified ${info.kind}`, [{ name: 'body', in: 'body', required: true, schema: { $ref: `#/definitions/${META}.Patch` } }, ...WRITE_PARAMS, PARAMS.force], ok(subDef, ['200', '201']), subGvk);
    if (verbs.includes('create')) sub.post = op('post', 'create', name, `create ${s.name} of a ${info.kind}`, [body(subDef), ...WRITE_PARAMS], ok(subDef, ['200', '201', '202']), subGvk);
    if (Object.keys(sub).length > 0) out[`${item}/${s.name}`] = { ...sub, parameters: itemParams };
  }
  return out;
}
