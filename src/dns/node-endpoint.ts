// This node's DNS server as an endpoint of the `kube-dns` Service: one EndpointSlice per node (kube-dns-<node>),
// managed by us, naming the address the server listens on (the pod gateway). With the Service's
// internalTrafficPolicy Local, the service proxy sends each node's pods to their own node's server, and two
// clusters on one machine never share a DNS listener. The slice is put back when someone changes or deletes it,
// and deleted when the server stops cleanly.
import type { Client, Informer } from '../client/types.js';
import type { Logger } from '../util/logger.js';
import { ENDPOINT_SLICES } from './cluster-view.js';
import type { EndpointSlice } from './types.js';

export const DNS_MANAGED_BY = 'tugboat-dns.tugboat.dev';
const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
const RETRY_MS = 1000;
/** A clean stop does not wait longer than this for the API to take the delete. */
const DELETE_TIMEOUT_MS = 2000;

export interface NodeEndpointOptions {
  client: Client;
  /** The EndpointSlice informer of the DNS server's caches (already started or about to be). */
  slices: Informer<EndpointSlice>;
  logger: Logger;
  nodeName: string;
  ip: string;
  port: number;
}

export const sliceName = (nodeName: string) => `kube-dns-${nodeName}`.slice(0, 253);

export function nodeSlice(o: { nodeName: string; ip: string; port: number }): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: sliceName(o.nodeName),
      namespace: 'kube-system',
      labels: { [SERVICE_NAME_LABEL]: 'kube-dns', [MANAGED_BY_LABEL]: DNS_MANAGED_BY },
    },
    addressType: 'IPv4',
    endpoints: [{ addresses: [o.ip], nodeName: o.nodeName, conditions: { ready: true, serving: true, terminating: false } }],
    // Named as the Service's ports, so the proxy matches them.
    ports: [
      { name: 'dns', port: o.port, protocol: 'UDP' },
      { name: 'dns-tcp', port: o.port, protocol: 'TCP' },
    ],
  };
}

/** Whether the stored slice says what we want (labels we set, endpoints and ports). */
function same(have: EndpointSlice, want: EndpointSlice): boolean {
  const labels = have.metadata?.labels ?? {};
  return (
    labels[SERVICE_NAME_LABEL] === 'kube-dns' &&
    labels[MANAGED_BY_LABEL] === DNS_MANAGED_BY &&
    have.addressType === want.addressType &&
    JSON.stringify(have.endpoints ?? []) === JSON.stringify(want.endpoints) &&
    JSON.stringify(have.ports ?? []) === JSON.stringify(want.ports)
  );
}

export interface NodeEndpoint {
  /** Resolves once the slice was written (or found right) at least once. */
  published(): Promise<void>;
  /** Stops keeping it and deletes it. */
  close(): Promise<void>;
}

/** Publishes the slice now and keeps it right (informer events, retries) until close. */
export function publishNodeEndpoint(o: NodeEndpointOptions): NodeEndpoint {
  const want = nodeSlice(o);
  const name = want.metadata!.name!;
  let closed = false;
  let running: Promise<void> | undefined;
  let again = false;
  let retry: NodeJS.Timeout | undefined;
  let onPublished: () => void = () => undefined;
  const first = new Promise<void>((r) => (onPublished = r));

  const ensure = async () => {
    const have = o.slices.get('kube-system', name) ?? (await o.client.get<EndpointSlice>(ENDPOINT_SLICES, 'kube-system', name).catch(notFound));
    if (closed) return;
    if (!have) await o.client.create(ENDPOINT_SLICES, 'kube-system', want);
    else if (!same(have, want)) {
      const labels = { ...(have.metadata?.labels ?? {}), ...want.metadata!.labels };
      await o.client.update(ENDPOINT_SLICES, 'kube-system', { ...want, metadata: { ...have.metadata, labels } });
    }
  };
  // One write at a time; a change seen meanwhile runs the check again after it.
  const kick = () => {
    if (closed) return;
    if (running) {
      again = true;
      return;
    }
    running = ensure().then(
      () => {
        onPublished();
        return undefined;
      },
      (e: unknown) => {
        o.logger.debug('kube-dns endpoint not written yet', { err: e });
        if (!closed) retry = setTimeout(kick, RETRY_MS).unref();
      },
    );
    void running.finally(() => {
      running = undefined;
      if (again) {
        again = false;
        kick();
      }
    });
  };
  const ours = (s: EndpointSlice) => s.metadata?.namespace === 'kube-system' && s.metadata?.name === name;
  o.slices.addHandlers({ update: (_old, s) => ours(s) && kick(), delete: (s) => ours(s) && kick() });
  kick();

  return {
    published: () => first,
    async close() {
      if (closed) return;
      closed = true;
      clearTimeout(retry);
      await running;
      const del = o.client.delete(ENDPOINT_SLICES, 'kube-system', name).catch((e: { reason?: string }) => {
        if (e.reason !== 'NotFound') o.logger.warn('kube-dns endpoint not deleted', { slice: name, err: e });
      });
      await Promise.race([del, new Promise((r) => setTimeout(r, DELETE_TIMEOUT_MS).unref())]);
    },
  };
}

function notFound(e: { reason?: string }): undefined {
  if (e.reason === 'NotFound') return undefined;
  throw e;
}
