import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { Client } from '../client/index.js';
import type { ContainerInfo, ContainerRuntime, Sandbox } from '../runtime/types.js';
import { runtimeForPod } from './runtime-class.js';
import { RuntimeSet } from './runtime-set.js';

/** A runtime that records calls and hands out ids with its own prefix. */
function fakeRuntime(name: 'process' | 'oci', prefix: string): ContainerRuntime & { calls: string[] } {
  const calls: string[] = [];
  const infos = new Map<string, ContainerInfo>();
  return {
    name,
    calls,
    createSandbox: async (cfg) => (calls.push(`sandbox ${cfg.podUid}`), { id: `${prefix}-sb-${cfg.podUid}`, podUid: cfg.podUid, ip: '10.0.0.1' }),
    removeSandbox: async (id) => void calls.push(`rm-sandbox ${id}`),
    createAndStart: async (sb: Sandbox, cfg) => {
      const info: ContainerInfo = { id: `${prefix}-${cfg.name}`, sandboxId: sb.id, podUid: sb.podUid, name: cfg.name, attempt: 0, status: { state: 'created' } };
      infos.set(info.id, info);
      calls.push(`start ${info.id}`);
      return info;
    },
    stop: async (id) => void calls.push(`stop ${id}`),
    remove: async (id) => void (calls.push(`remove ${id}`), infos.delete(id)),
    status: async (id) => infos.get(id),
    list: async () => [...infos.values()],
    onExit: () => undefined,
    exec: async () => 0,
    attach: async () => undefined,
    portForward: async () => undefined,
  };
}

const classes: Record<string, string> = { host: 'process', fast: 'crun', odd: 'kata' };
const client = {
  get: async (_r: unknown, _ns: unknown, name: string) => {
    if (!(name in classes)) throw Object.assign(new Error('not found'), { reason: 'NotFound' });
    return { metadata: { name }, handler: classes[name] };
  },
} as unknown as Client;

const pod = (uid: string, runtimeClassName?: string): Pod => ({ metadata: { uid, name: uid, namespace: 'd' }, spec: { containers: [], ...(runtimeClassName ? { runtimeClassName } : {}) } });

describe('RuntimeClass and the runtime set', () => {
  it('routes each pod to its handler\'s runtime and every later call by id', async () => {
    const proc = fakeRuntime('process', 'p');
    const runc = fakeRuntime('oci', 'r');
    const crun = fakeRuntime('oci', 'c');
    const set = new RuntimeSet(new Map<string, ContainerRuntime>([['process', proc], ['runc', runc], ['crun', crun]]), 'runc');
    assert.equal(await runtimeForPod(client, set, pod('a')), runc);
    assert.equal(await runtimeForPod(client, set, pod('b', 'host')), proc);
    assert.equal(await runtimeForPod(client, set, pod('c', 'fast')), crun);
    const sbB = await set.createSandbox({ podUid: 'b', namespace: 'd', name: 'b', hostname: 'b', hostNetwork: false, podDir: '/x' });
    const cB = await set.createAndStart(sbB, { name: 'main', attempt: 0, argv: [], env: {}, mounts: [], tty: false, stdin: false, stdinOnce: false, logPath: '/x' });
    const sbA = await set.createSandbox({ podUid: 'a', namespace: 'd', name: 'a', hostname: 'a', hostNetwork: false, podDir: '/x' });
    await set.createAndStart(sbA, { name: 'main', attempt: 0, argv: [], env: {}, mounts: [], tty: false, stdin: false, stdinOnce: false, logPath: '/x' });
    await set.stop(cB.id, 0);
    await set.removeSandbox(sbB.id);
    assert.deepEqual(proc.calls, ['sandbox b', 'start p-main', 'stop p-main', 'rm-sandbox p-sb-b']);
    assert.deepEqual(runc.calls, ['sandbox a', 'start r-main']);
    assert.deepEqual(crun.calls, []);
    assert.equal((await set.list()).length, 2);
  });

  it('an unknown class or handler is kubelet\'s and containerd\'s error', async () => {
    const set = new RuntimeSet(new Map<string, ContainerRuntime>([['process', fakeRuntime('process', 'p')]]), 'process');
    assert.equal(((await runtimeForPod(client, set, pod('x', 'nope'))) as Error).message, 'runtimeclass.node.k8s.io "nope" not found');
    assert.equal(((await runtimeForPod(client, set, pod('y', 'odd'))) as Error).message, 'failed to get sandbox runtime: no runtime for "kata" is configured');
    // A lone runtime (no set) answers to its own handlers only.
    const lone = fakeRuntime('process', 'p');
    assert.equal(await runtimeForPod(client, lone, pod('z', 'host')), lone);
    assert.ok((await runtimeForPod(client, lone, pod('z', 'fast'))) instanceof Error);
  });
});
