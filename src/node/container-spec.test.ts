import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { checkRunAsNonRoot, containerResources, containerSecurity, mergeArgv, mergeEnv, parseImageUser, processUser } from './container-spec.js';

const image = { entrypoint: ['/bin/ep'], cmd: ['--default'] };

describe('container-spec', () => {
  it('merges command/args with ENTRYPOINT/CMD as Kubernetes does (the four cases)', () => {
    const cases: [string[] | undefined, string[] | undefined, string[]][] = [
      [undefined, undefined, ['/bin/ep', '--default']],
      [['/bin/other'], undefined, ['/bin/other']],
      [undefined, ['--mine'], ['/bin/ep', '--mine']],
      [['/bin/other'], ['--mine'], ['/bin/other', '--mine']],
    ];
    for (const [command, args, want] of cases) assert.deepEqual(mergeArgv(command, args, image), want);
    assert.deepEqual(mergeArgv(undefined, undefined, { cmd: ['sh'] }), ['sh']);
    assert.deepEqual(mergeArgv(undefined, undefined, {}), []);
  });

  it('puts the image env under the spec env', () => {
    const env = mergeEnv({ PATH: '/default' }, { env: ['PATH=/img/bin', 'A=image', 'B=x=y'] }, { A: 'spec' });
    assert.deepEqual(env, { PATH: '/img/bin', A: 'spec', B: 'x=y' });
  });

  it('parses image users', () => {
    assert.deepEqual(parseImageUser('1000'), { uid: 1000 });
    assert.deepEqual(parseImageUser('1000:50'), { uid: 1000, gid: 50 });
    assert.deepEqual(parseImageUser('app:staff'), { userName: 'app', groupName: 'staff' });
    assert.deepEqual(parseImageUser(''), {});
  });

  const pod = (sc: Pod['spec'] extends infer S ? (S extends { securityContext?: infer P } ? P : never) : never, c: Partial<Container> = {}): [Pod, Container] => {
    const ctr: Container = { name: 'app', image: 'x', ...c };
    return [{ metadata: { name: 'p', namespace: 'ns', uid: 'u1' }, spec: { securityContext: sc, containers: [ctr] } }, ctr];
  };

  it('refuses runAsNonRoot with kubelet messages', () => {
    const [p, c] = pod({ runAsNonRoot: true });
    assert.throws(() => checkRunAsNonRoot(p, c, {}), { message: 'container has runAsNonRoot and image will run as root (pod: "p_ns(u1)", container: app)' });
    assert.throws(() => checkRunAsNonRoot(p, c, { uid: 0 }), /image will run as root/);
    assert.throws(() => checkRunAsNonRoot(p, c, { userName: 'app' }), { message: 'container has runAsNonRoot and image has non-numeric user (app), cannot verify user is non-root (pod: "p_ns(u1)", container: app)' });
    checkRunAsNonRoot(p, c, { uid: 1000 });
    const [p2, c2] = pod({ runAsNonRoot: true, runAsUser: 0 });
    assert.throws(() => checkRunAsNonRoot(p2, c2, { uid: 1000 }), { message: `container's runAsUser breaks non-root policy (pod: "p_ns(u1)", container: app)` });
    const [p3, c3] = pod({ runAsNonRoot: true }, { securityContext: { runAsUser: 5 } });
    checkRunAsNonRoot(p3, c3, {});
    const [p4, c4] = pod({}, {});
    checkRunAsNonRoot(p4, c4, {});
  });

  it('takes the user from the securityContext (container over pod), else the image', () => {
    const [p, c] = pod({ runAsUser: 10, runAsGroup: 20 }, { securityContext: { runAsUser: 11 } });
    assert.deepEqual(processUser(p, c, { uid: 1, gid: 2 }), { uid: 11, gid: 20 });
    const [p2, c2] = pod({});
    assert.deepEqual(processUser(p2, c2, { userName: 'app' }), { userName: 'app' });
  });

  it('translates securityContext and resources', () => {
    const [p, c] = pod(
      { fsGroup: 2000, supplementalGroups: [3000], seccompProfile: { type: 'RuntimeDefault' } },
      { securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } }, resources: { limits: { cpu: '250m', memory: '64Mi' }, requests: { cpu: '100m' } } },
    );
    assert.deepEqual(containerSecurity(p, c, { uid: 1000, gid: 0 }), {
      runAsUser: 1000,
      runAsGroup: 0,
      supplementalGroups: [3000],
      fsGroup: 2000,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL'] },
      seccomp: 'RuntimeDefault',
    });
    assert.deepEqual(containerResources(c), { limits: { cpuMillis: 250, memoryBytes: 64 * 2 ** 20 }, cpuRequestMillis: 100 });
    assert.deepEqual(containerResources({ name: 'x', resources: { limits: { cpu: '1' } } }), { limits: { cpuMillis: 1000 }, cpuRequestMillis: 1000 });
    assert.deepEqual(containerResources({ name: 'x' }), {});
  });
});
