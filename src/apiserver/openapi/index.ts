// OpenAPI documents (STUB: the schema/discovery engineer fills these in).
import type { ResourceInfo } from '../../api/resource.js';

/** GET /openapi/v2 as JSON. */
export function openapiV2Json(_resources: readonly ResourceInfo[]): object {
  return { swagger: '2.0', info: { title: 'Kubernetes', version: 'v1.33.0' }, paths: {}, definitions: {} };
}
/** GET /openapi/v2 as the gnostic protobuf message kubectl 1.27/1.28 decode. */
export function openapiV2Protobuf(_resources: readonly ResourceInfo[]): Uint8Array {
  return new Uint8Array();
}
/** GET /openapi/v3: the index of group/version documents. */
export function openapiV3Index(_resources: readonly ResourceInfo[]): object {
  return { paths: {} };
}
/** GET /openapi/v3/<api|apis/group>/<version>, or undefined. */
export function openapiV3Document(_resources: readonly ResourceInfo[], _groupVersionPath: string): object | undefined {
  return undefined;
}
