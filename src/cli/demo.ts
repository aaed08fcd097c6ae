// Loads the demo workload (examples/demo.yaml) through the API, as `kubectl apply` would create it. The file is a
// template: "{{NODE}}" becomes this machine's node binary (the demo's containers run it).
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../api/object.js';
import { parseApiVersion } from '../api/resource.js';
import type { Client } from '../client/types.js';
import { builtinResources } from '../api/resources/index.js';
import type { Logger } from '../util/logger.js';

export const DEMO_FILE = new URL('../../../examples/demo.yaml', import.meta.url);

export interface DemoOptions {
  /** One replica only: on the host network the replicas would all want the same port. */
  singleReplica?: boolean;
}

/** The demo manifests with the template filled in. */
export function demoObjects(o: DemoOptions = {}): KubeObject[] {
  const text = readFileSync(DEMO_FILE, 'utf8').replaceAll('"{{NODE}}"', JSON.stringify(process.execPath));
  const docs = parseAllDocuments(text).map((d) => d.toJS() as KubeObject);
  if (o.singleReplica) {
    for (const d of docs) if (d.kind === 'Deployment' && d.spec && typeof d.spec === 'object') (d.spec as { replicas?: number }).replicas = 1;
  }
  return docs;
}

export async function loadDemo(client: Client, logger: Logger, o: DemoOptions = {}): Promise<number> {
  const docs = demoObjects(o);
  let created = 0;
  for (const obj of docs) {
    const { group, version } = parseApiVersion(obj.apiVersion ?? '');
    const info = builtinResources.find((r) => r.group === group && r.kind === obj.kind);
    if (!info) throw new Error(`demo: unknown kind ${obj.kind}`);
    const ref = { group, version, resource: info.plural, namespaced: info.namespaced };
    try {
      await client.create(ref, obj.metadata?.namespace, obj, { fieldManager: 'tug-demo' });
      created++;
    } catch (err) {
      if ((err as { reason?: string }).reason !== 'AlreadyExists') throw err;
      logger.debug('demo object already there', { kind: obj.kind, name: obj.metadata?.name });
    }
  }
  return created;
}
