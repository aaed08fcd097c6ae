// Upgrade requests (WebSocket, SPDY/3.1) reach Node's 'upgrade' event, not 'request'. serveUpgrades hands them to
// the API server's normal path (authn, authz, routing to the pods/exec... handler) with a ServerResponse bound to
// the raw socket, so errors before the upgrade are ordinary Status responses; the relay then takes the socket.
import { ServerResponse, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

interface Upgrade {
  socket: Duplex;
  /** The method the client sent (POST for SPDY exec), to be forwarded as such. */
  method: string;
  taken: boolean;
}

const upgrades = new WeakMap<IncomingMessage, Upgrade>();

export function serveUpgrades(server: Server, handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>): void {
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (head.length > 0) socket.unshift(head);
    socket.on('error', () => socket.destroy());
    const up: Upgrade = { socket, method: req.method ?? 'GET', taken: false };
    upgrades.set(req, up);
    // The server reads a body for POST, but an upgrade request has none: the bytes after its headers belong to
    // the new protocol. Until the server skips bodies for upgrades itself, present SPDY's POST as a GET.
    if (req.method === 'POST') req.method = 'GET';
    const res = new ServerResponse(req);
    res.assignSocket(socket as Socket);
    res.on('finish', () => {
      // An error answer: nothing more can follow on this connection.
      if (!up.taken) socket.end();
    });
    void handle(req, res);
  });
}

/** The raw socket of an upgrade request, detached from its ServerResponse; undefined for plain requests. */
export function takeUpgrade(req: IncomingMessage, res: ServerResponse): { socket: Duplex; method: string } | undefined {
  const up = upgrades.get(req);
  if (!up || up.taken) return undefined;
  up.taken = true;
  res.detachSocket(up.socket as Socket);
  return { socket: up.socket, method: up.method };
}

export function isUpgrade(req: IncomingMessage): boolean {
  return upgrades.has(req);
}
