// The built-in ingress controller: an HTTP/1.1 and HTTP/2 reverse proxy from Ingress objects of its class.
// Contract for src/cli/node-services.ts; the implementation lives beside it in this folder.
import type { Client, InformerFactory } from '../client/index.js';
import type { Logger } from '../util/logger.js';

export interface IngressOptions {
  client: Client;
  informers?: InformerFactory;
  logger: Logger;
  signal: AbortSignal;
  nodeName: string;
  /** Written to each served Ingress's status.loadBalancer.ingress. */
  nodeIP: string;
  http?: { host: string; port: number };
  https?: { host: string; port: number };
  /** IngressClass name (default "tugboat", created as the default class when missing). */
  className: string;
}

export interface IngressController {
  httpPort?: number;
  httpsPort?: number;
  close(): Promise<void>;
}

export async function startIngress(_o: IngressOptions): Promise<IngressController> {
  throw new Error('the ingress controller is not built yet');
}
