// Shapes shared across the API server: who is calling, what they asked for, and the hooks other parts plug in.
import type { IncomingMessage } from 'node:http';
import type { KubeObject } from '../api/object.js';
import type { ResourceInfo } from '../api/resource.js';
import type { Store } from '../store/types.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { AdmissionConfig } from './admission/types.js';
import type { ResourceRegistry } from './registry.js';
import type { ServiceAccountTokens } from './serviceaccount/tokens.js';

export interface UserInfo {
  name: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** Returns the caller, or undefined when the request carries no valid credential (-> 401). */
export type Authenticator = (req: IncomingMessage) => UserInfo | undefined;

/** Decides whether user may do what the request asks; a string is the reason for a 403. */
export type Authorizer = (user: UserInfo, attrs: RequestInfo) => true | string;

export type RequestVerb =
  | 'get'
  | 'list'
  | 'watch'
  | 'create'
  | 'update'
  | 'patch'
  | 'delete'
  | 'deletecollection'
  | 'connect';

/** What a request is about, parsed from its method and path (Kubernetes' RequestInfo). */
export type RequestInfo =
  | { isResource: false; path: string; method: string; verb: string }
  | {
      isResource: true;
      path: string;
      method: string;
      verb: RequestVerb;
      apiPrefix: 'api' | 'apis';
      group: string;
      version: string;
      namespace?: string;
      /** plural, e.g. "pods" */
      resource: string;
      name?: string;
      subresource?: string;
      /** Old-style /watch/ path prefix. */
      watchPath?: boolean;
    };

export interface Hooks {
  /** Called after a namespace got its deletionTimestamp (the namespace controller takes over from there). */
  namespaceDeleting?(ns: KubeObject): void;
  /**
   * Admission check for pod eviction (PodDisruptionBudgets); throw an ApiError to refuse. On a dry run the
   * check decides but spends no disruption.
   */
  checkEviction?(pod: KubeObject, opts?: { dryRun?: boolean }): Promise<void>;
  /** log, exec, attach, portforward, proxy: relayed to the pod's node agent. */
  podStream?(ctx: StreamRequest): Promise<void>;
  /** metrics.k8s.io: NodeMetrics and PodMetrics (src/apiserver/metrics). */
  metrics?(rr: ResourceRequest): Promise<{ code: number; kind: 'object' | 'list'; body: KubeObject }>;
}

export interface StreamRequest {
  req: IncomingMessage;
  res: import('node:http').ServerResponse;
  pod: KubeObject;
  subresource: string;
  query: URLSearchParams;
}

/** Everything a handler needs, made once per server. */
export interface ServerContext {
  store: Store;
  registry: ResourceRegistry;
  clock: Clock;
  logger: Logger;
  hooks: Hooks;
  /** Interval between BOOKMARK events on watches that allow them. */
  bookmarkIntervalMs: number;
  /** Watches end on this signal (server shutdown). */
  shutdown: AbortSignal;
  /** Settings of the admission plugins (admission/); their defaults when absent. */
  admission?: AdmissionConfig;
  /** Issues and checks service account tokens (serviceaccounts/x/token, TokenReview). */
  tokens?: ServiceAccountTokens;
  /** The server's authorizer (access reviews). */
  authorize?: Authorizer;
  /** The server's authenticator applied to a bare bearer token (TokenReview). */
  authenticateToken?(token: string): UserInfo | undefined;
}

/** One resource request, resolved against the registry. */
export interface ResourceRequest {
  info: Extract<RequestInfo, { isResource: true }>;
  resource: ResourceInfo;
  /** The version the client speaks (the path's). */
  version: string;
  user: UserInfo;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  /** Decoded request body, when the method carries one. */
  body?: unknown;
  /** The raw body's media type (for patches). */
  contentType?: string;
  /** Warnings to send back as `Warning: 299` headers. */
  warnings: string[];
}
