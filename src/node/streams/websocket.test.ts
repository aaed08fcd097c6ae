import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { FakeTarget } from './fake-target.js';
import { startAgentStreamServer, type AgentStreamServer } from './server.js';

describe('agent WebSocket channels (v5.channel.k8s.io)', () => {
  let srv: AgentStreamServer;
  before(async () => {
    srv = await startAgentStreamServer({ host: '127.0.0.1', port: 0, authorize: () => true, target: new FakeTarget() });
  });
  after(() => srv.close());

  function session(query: string, send: (ws: WebSocket) => void): Promise<{ protocol: string; channels: Map<number, string> }> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/exec/default/web/uid-1/main?${query}`, ['v5.channel.k8s.io']);
      const channels = new Map<number, string>();
      ws.on('open', () => send(ws));
      ws.on('message', (d: Buffer) => channels.set(d[0]!, (channels.get(d[0]!) ?? '') + d.subarray(1).toString()));
      ws.on('close', (code) => (code === 1000 ? resolve({ protocol: ws.protocol, channels }) : reject(new Error(`closed ${code}`))));
      ws.on('error', reject);
    });
  }

  it('runs a command: stdout and stderr channels, exit code as a Status on channel 3', async () => {
    const q = 'command=sh&command=-c&command=echo%20out%3B%20echo%20err%20%3E%262%3B%20exit%207&stdout=true&stderr=true';
    const r = await session(q, () => {});
    assert.equal(r.protocol, 'v5.channel.k8s.io');
    assert.equal(r.channels.get(1), 'out\n');
    assert.equal(r.channels.get(2), 'err\n');
    const status = JSON.parse(r.channels.get(3)!) as { status: string; reason: string; details: { causes: { reason: string; message: string }[] } };
    assert.equal(status.status, 'Failure');
    assert.equal(status.reason, 'NonZeroExitCode');
    assert.deepEqual(status.details.causes, [{ reason: 'ExitCode', message: '7' }]);
  });

  it('stdin on channel 0, closed by the v5 CLOSE signal (255, 0)', async () => {
    const r = await session('command=cat&stdin=true&stdout=true', (ws) => {
      ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('piped\n')]));
      ws.send(Buffer.from([255, 0]));
    });
    assert.equal(r.channels.get(1), 'piped\n');
    assert.deepEqual(JSON.parse(r.channels.get(3)!), { metadata: {}, status: 'Success' });
  });
});
