// hooks.podStream: the API server's side of log/exec/attach/portforward. After the server has authenticated and
// authorized the caller and read the pod, the relay checks the request as kube-apiserver does (container name,
// pod phase), finds the pod's node agent (the Node's InternalIP and status.daemonEndpoints.kubeletEndpoint.Port)
// and relays: logs as a streamed HTTPS GET, upgrades as raw bytes both ways over a TLS connection that presents
// the API server's client certificate. The agent speaks the protocols (src/node/streams/server.ts).
import type { IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { ApiError, errors } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import { isPlainObject } from '../../api/object.js';
import type { Store } from '../../store/types.js';
import type { StreamRequest } from '../types.js';
import { takeUpgrade } from './upgrade.js';

export interface PodStreamRelayOptions {
  getNode(name: string): Promise<KubeObject | undefined>;
  /** PEM: the client certificate the agents trust, and the CA that signed the agents' serving certificates. */
  tls: { key: string; cert: string; ca: string };
  /** Connection timeout to an agent. */
  dialTimeoutMs?: number;
}

export interface AgentAddress {
  host: string;
  port: number;
}

const LOG_PARAMS = ['follow', 'previous', 'tailLines', 'sinceSeconds', 'sinceTime', 'timestamps', 'limitBytes', 'insecureSkipTLSVerifyBackend'];
const EXEC_PARAMS = ['command', 'stdin', 'stdout', 'stderr', 'tty'];
const FORWARDED_HEADERS = ['upgrade', 'connection', 'x-stream-protocol-version', 'sec-websocket-key', 'sec-websocket-version', 'sec-websocket-protocol', 'sec-websocket-extensions', 'user-agent'];

/** Nodes read straight from the store (the relay runs inside the API server). */
export function nodeFromStore(store: Store): (name: string) => Promise<KubeObject | undefined> {
  return async (name) => {
    const kv = await store.get(`/registry/nodes/${name}`);
    return kv ? (JSON.parse(kv.value) as KubeObject) : undefined;
  };
}

export function agentAddress(node: KubeObject): AgentAddress | undefined {
  const status = isPlainObject(node.status) ? node.status : {};
  const addrs = (Array.isArray(status['addresses']) ? status['addresses'] : []) as { type?: string; address?: string }[];
  const pick = (t: string) => addrs.find((a) => a.type === t && a.address)?.address;
  const host = pick('InternalIP') ?? pick('ExternalIP') ?? pick('Hostname');
  const de = isPlainObject(status['daemonEndpoints']) ? status['daemonEndpoints'] : {};
  const ke = isPlainObject(de['kubeletEndpoint']) ? de['kubeletEndpoint'] : {};
  const port = ke['Port'];
  if (!host || typeof port !== 'number' || port <= 0) return undefined;
  return { host, port };
}

interface ContainerSpec {
  name?: string;
}

function containerNames(pod: KubeObject): { all: string[]; regular: string[] } {
  const spec = isPlainObject(pod.spec) ? pod.spec : {};
  const names = (k: string) => ((Array.isArray(spec[k]) ? spec[k] : []) as ContainerSpec[]).map((c) => c.name ?? '').filter(Boolean);
  const regular = names('containers');
  return { all: [...regular, ...names('initContainers'), ...names('ephemeralContainers')], regular };
}

/** The container a request is about, defaulted and checked with kube-apiserver's messages. */
export function resolveContainer(pod: KubeObject, asked: string | null): string {
  const name = pod.metadata?.name ?? '';
  const { all, regular } = containerNames(pod);
  if (!asked) {
    const dflt = pod.metadata?.annotations?.['kubectl.kubernetes.io/default-container'];
    if (dflt && all.includes(dflt)) return dflt;
    if (regular.length === 1) return regular[0]!;
    throw errors.badRequest(`a container name must be specified for pod ${name}, choose one of: [${all.join(' ')}]`);
  }
  if (!all.includes(asked)) throw errors.badRequest(`container ${asked} is not valid for pod ${name}`);
  return asked;
}

function agentPath(sub: string, pod: KubeObject, query: URLSearchParams): string {
  const m = pod.metadata ?? {};
  const base = [m.namespace ?? 'default', m.name ?? '', m.uid ?? ''].map(encodeURIComponent).join('/');
  const phase = isPlainObject(pod.status) ? pod.status['phase'] : undefined;
  const pass = (names: string[]) => {
    const q = new URLSearchParams();
    for (const n of names) for (const v of query.getAll(n)) q.append(n, v);
    const s = q.toString();
    return s ? `?${s}` : '';
  };
  switch (sub) {
    case 'log':
      return `/containerLogs/${base}/${encodeURIComponent(resolveContainer(pod, query.get('container')))}${pass(LOG_PARAMS)}`;
    case 'exec':
    case 'attach': {
      if (phase === 'Succeeded' || phase === 'Failed') {
        const verb = sub === 'exec' ? 'exec into' : 'attach to';
        throw errors.badRequest(`cannot ${verb} a container in a completed pod; current phase is ${String(phase)}`);
      }
      const c = encodeURIComponent(resolveContainer(pod, query.get('container')));
      return `/${sub}/${base}/${c}${pass(EXEC_PARAMS)}`;
    }
    case 'portforward':
      return `/portForward/${base}`;
    default:
      throw errors.unavailable(`pods/${sub} is not supported by this node agent`);
  }
}

export function podStreamRelay(o: PodStreamRelayOptions): (ctx: StreamRequest) => Promise<void> {
  const dialTimeoutMs = o.dialTimeoutMs ?? 10_000;
  return async ({ req, res, pod, subresource, query }) => {
    const nodeName = String((isPlainObject(pod.spec) ? pod.spec['nodeName'] : '') ?? '');
    const path = agentPath(subresource, pod, query);
    const node = await o.getNode(nodeName);
    if (!node) throw errors.notFound({ group: '', resource: 'nodes' }, nodeName);
    const agent = agentAddress(node);
    if (!agent) throw errors.unavailable(`node "${nodeName}" has no reachable agent endpoint (status.addresses and status.daemonEndpoints.kubeletEndpoint)`);
    if (subresource === 'log') return relayLogs(o, agent, path, req, res);
    if (!req.headers.upgrade) throw errors.badRequest('Upgrade request required');
    const agentSocket = await dial(o, agent, dialTimeoutMs);
    const up = takeUpgrade(req, res);
    if (!up) {
      agentSocket.destroy();
      throw errors.internal('upgrade requests are not wired to this server (serveUpgrades)');
    }
    await tunnel(up.socket, agentSocket, requestHead(up.method, path, agent, req));
  };
}

function requestHead(method: string, path: string, agent: AgentAddress, req: IncomingMessage): string {
  const lines = [`${method} ${path} HTTP/1.1`, `Host: ${agent.host.includes(':') ? `[${agent.host}]` : agent.host}:${agent.port}`];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    if (FORWARDED_HEADERS.includes(name.toLowerCase())) lines.push(`${name}: ${req.rawHeaders[i + 1]!}`);
  }
  return `${lines.join('\r\n')}\r\n\r\n`;
}

function dial(o: PodStreamRelayOptions, agent: AgentAddress, timeoutMs: number): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host: agent.host, port: agent.port, key: o.tls.key, cert: o.tls.cert, ca: o.tls.ca });
    const timer = setTimeout(() => s.destroy(new Error('i/o timeout')), timeoutMs);
    s.once('secureConnect', () => {
      clearTimeout(timer);
      s.removeAllListeners('error');
      s.on('error', () => s.destroy());
      resolve(s);
    });
    s.once('error', (e) => {
      clearTimeout(timer);
      reject(errors.internal(`error dialing backend: dial tcp ${agent.host}:${agent.port}: ${e.message}`));
    });
  });
}

/** Bytes both ways until both sides are closed; one side's end is passed on as a half-close (pipe does it). */
function tunnel(client: Duplex, agent: Duplex, head: string): Promise<void> {
  return new Promise((resolve) => {
    let open = 2;
    const closed = (other: Duplex) => () => {
      if (--open === 0) return resolve();
      // Let the other side flush what it holds, then make sure it goes too.
      other.end();
      setTimeout(() => other.destroy(), 5_000).unref();
    };
    client.once('close', closed(agent));
    agent.once('close', closed(client));
    client.on('error', () => agent.destroy());
    agent.on('error', () => client.destroy());
    agent.write(head);
    client.pipe(agent);
    agent.pipe(client);
  });
}

function relayLogs(o: PodStreamRelayOptions, agent: AgentAddress, path: string, req: IncomingMessage, res: import('node:http').ServerResponse): Promise<void> {
  return new Promise((resolve, reject) => {
    const up = httpsRequest({ host: agent.host, port: agent.port, path, method: 'GET', key: o.tls.key, cert: o.tls.cert, ca: o.tls.ca }, (ar) => {
      const headers: Record<string, string> = { 'Content-Type': String(ar.headers['content-type'] ?? 'text/plain') };
      res.writeHead(ar.statusCode ?? 500, headers);
      res.flushHeaders();
      ar.pipe(res);
      ar.on('end', () => resolve());
      ar.on('error', () => resolve());
    });
    up.on('error', (e) => {
      if (res.headersSent) {
        res.destroy();
        resolve();
      } else reject(e instanceof ApiError ? e : errors.internal(`error dialing backend: dial tcp ${agent.host}:${agent.port}: ${e.message}`));
    });
    // The client going away ends a followed log.
    res.on('close', () => up.destroy());
    req.on('aborted', () => up.destroy());
    up.end();
  });
}
