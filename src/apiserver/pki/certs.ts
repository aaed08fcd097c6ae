// The certificate helpers moved to src/util/certs.ts (the ingress needs them too); kept here for the API server's imports.
export * from '../../util/certs.js';
