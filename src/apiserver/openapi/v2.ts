// The swagger 2.0 document of /openapi/v2 (JSON form; proto.ts encodes the same document as protobuf).
import type { Json } from './paths.js';
import { pathsFor } from './paths.js';
import type { Model } from './served.js';

export function buildV2(model: Model, serverVersion: string): Json {
  const paths: Record<string, Json> = {};
  for (const k of model.kinds) Object.assign(paths, pathsFor(k));
  const definitions: Record<string, unknown> = {};
  for (const name of [...model.definitions.keys()].sort()) definitions[name] = model.definitions.get(name);
  return {
    swagger: '2.0',
    info: { title: 'Kubernetes', version: serverVersion },
    paths,
    definitions,
    securityDefinitions: { BearerToken: { description: 'Bearer Token authentication', type: 'apiKey', name: 'authorization', in: 'header' } },
    security: [{ BearerToken: [] }],
  };
}
