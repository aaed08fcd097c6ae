// The API server's public face: what the CLI and tests use.
export { startApiServer, type StartApiServerOptions, type RunningApiServer } from './start.js';
export { createApiServer, type ApiServer, type ApiServerOptions } from './server.js';
export { allowAuthenticated, certAuthenticator, fileAuthenticator, parseTokenFile, tokenAuthenticator, unionAuthenticator } from './auth.js';
export { ensurePki, type Pki } from './pki/ensure.js';
export { kubeconfigYaml, writeKubeconfig } from './pki/kubeconfig.js';
export type { Authenticator, Authorizer, Hooks, UserInfo } from './types.js';
