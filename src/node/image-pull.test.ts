import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Container, Pod, Secret } from 'kubernetes-types/core/v1.js';
import { FakeClock } from '../util/clock.js';
import { silentLogger } from '../util/logger.js';
import { ImagePullError, type ImageInfo, type ImageService, type PullOptions } from '../runtime/types.js';
import { goDuration, ImagePuller, pullPolicyOf, pullSecretsOf } from './image-pull.js';

function info(ref: string): ImageInfo {
  return { id: 'sha256:cfg', repoTags: [ref], repoDigests: [`${ref.split(':')[0]}@sha256:man`], size: 1234, config: {} };
}

/** An image store whose pulls take `pullMs` of fake time and fail while `fail` is set. */
function fakeImages(clock: FakeClock, o: { pullMs?: number; fail?: () => string | undefined } = {}) {
  const have = new Map<string, ImageInfo>();
  const pulls: { ref: string; opts?: PullOptions }[] = [];
  const svc: ImageService = {
    inspect: async (ref) => have.get(ref),
    pull: async (ref, opts) => {
      pulls.push({ ref, ...(opts ? { opts } : {}) });
      const err = o.fail?.();
      if (err) throw new ImagePullError(err, 'not-found');
      if (o.pullMs) clock.advance(o.pullMs);
      const i = info(ref);
      have.set(ref, i);
      return i;
    },
    list: async () => [...have.values()],
    remove: async () => undefined,
    import: async () => [],
    gc: async () => [],
    layers: async () => [],
  };
  return { svc, pulls, have };
}

function setup(secrets: Secret[] = []) {
  const clock = new FakeClock();
  const events: string[] = [];
  const puller = new ImagePuller({
    clock,
    log: silentLogger,
    recorder: { event: (_o, type, reason, msg) => void events.push(`${type} ${reason} ${msg}`) },
    source: { configMap: () => undefined, secret: (ns, n) => secrets.find((s) => s.metadata?.namespace === ns && s.metadata?.name === n) },
  });
  return { clock, events, puller };
}

const pod = (extra: Partial<NonNullable<Pod['spec']>> = {}): Pod => ({ metadata: { name: 'p', namespace: 'ns', uid: 'u1' }, spec: { containers: [], ...extra } });
const ctr = (image: string, imagePullPolicy?: string): Container => ({ name: 'c', image, ...(imagePullPolicy ? { imagePullPolicy } : {}) });
const ref = { kind: 'Pod', name: 'p', namespace: 'ns' };

describe('image pulls', () => {
  it('formats durations as Go does', () => {
    assert.equal(goDuration(850), '850ms');
    assert.equal(goDuration(1234), '1.234s');
    assert.equal(goDuration(2000), '2s');
    assert.equal(goDuration(123_500), '2m3.5s');
  });

  it('defaults the policy from the tag', () => {
    assert.equal(pullPolicyOf(ctr('busybox')), 'Always');
    assert.equal(pullPolicyOf(ctr('busybox:latest')), 'Always');
    assert.equal(pullPolicyOf(ctr('127.0.0.1:5000/app')), 'Always');
    assert.equal(pullPolicyOf(ctr('127.0.0.1:5000/app:v1')), 'IfNotPresent');
    assert.equal(pullPolicyOf(ctr('busybox@sha256:abc')), 'IfNotPresent');
    assert.equal(pullPolicyOf(ctr('busybox', 'Never')), 'Never');
  });

  it('pulls with Pulling/Pulled events, then finds the image present', async () => {
    const { clock, events, puller } = setup();
    const { svc } = fakeImages(clock, { pullMs: 1234 });
    const r = await puller.ensure(svc, pod(), ctr('app:v1'), ref);
    assert.ok('image' in r);
    assert.deepEqual(events, ['Normal Pulling Pulling image "app:v1"', 'Normal Pulled Successfully pulled image "app:v1" in 1.234s (1.234s including waiting). Image size: 1234 bytes.']);
    events.length = 0;
    await puller.ensure(svc, pod(), ctr('app:v1'), ref);
    assert.deepEqual(events, ['Normal Pulled Container image "app:v1" already present on machine']);
  });

  it('Never with the image absent: ErrImageNeverPull', async () => {
    const { clock, events, puller } = setup();
    const { svc, pulls } = fakeImages(clock);
    const r = await puller.ensure(svc, pod(), ctr('app:v1', 'Never'), ref);
    assert.ok(!('image' in r));
    assert.equal(r.waiting.reason, 'ErrImageNeverPull');
    assert.equal(r.waiting.message, 'Container image "app:v1" is not present with pull policy of Never');
    assert.deepEqual(events, ['Warning ErrImageNeverPull Container image "app:v1" is not present with pull policy of Never']);
    assert.equal(pulls.length, 0);
  });

  it('a failed pull: ErrImagePull, then ImagePullBackOff for 10 s, 20 s after the next failure', async () => {
    const { clock, events, puller } = setup();
    let fail: string | undefined = 'manifest unknown';
    const { svc, pulls } = fakeImages(clock, { fail: () => fail });
    const r1 = await puller.ensure(svc, pod(), ctr('app:v1'), ref);
    assert.ok(!('image' in r1));
    assert.deepEqual([r1.waiting.reason, r1.event, r1.retryMs], ['ErrImagePull', 'Error: ErrImagePull', 10_000]);
    assert.deepEqual(events, ['Normal Pulling Pulling image "app:v1"', 'Warning Failed Failed to pull image "app:v1": manifest unknown']);
    events.length = 0;
    clock.advance(4000);
    const r2 = await puller.ensure(svc, pod(), ctr('app:v1'), ref);
    assert.ok(!('image' in r2));
    assert.deepEqual([r2.waiting.reason, r2.event, r2.retryMs], ['ImagePullBackOff', 'Error: ImagePullBackOff', 6000]);
    assert.deepEqual(events, ['Normal BackOff Back-off pulling image "app:v1"']);
    assert.equal(pulls.length, 1);
    clock.advance(6000);
    const r3 = await puller.ensure(svc, pod(), ctr('app:v1'), ref);
    assert.ok(!('image' in r3) && r3.retryMs === 20_000);
    fail = undefined;
    clock.advance(20_000);
    assert.ok('image' in (await puller.ensure(svc, pod(), ctr('app:v1'), ref)));
    assert.equal(pulls.length, 3);
  });

  it('one pull of an image at a time: a second pod waits and finds it pulled', async () => {
    const { clock, events, puller } = setup();
    const { svc, pulls } = fakeImages(clock, { pullMs: 500 });
    const [a, b] = await Promise.all([puller.ensure(svc, pod(), ctr('app:v1'), ref), puller.ensure(svc, { ...pod(), metadata: { name: 'q', namespace: 'ns', uid: 'u2' } }, ctr('app:v1'), ref)]);
    assert.ok('image' in a && 'image' in b);
    assert.equal(pulls.length, 1);
    assert.equal(events.filter((e) => e.startsWith('Normal Pulled Successfully')).length, 2);
  });

  it('passes the pod\'s dockerconfigjson secrets as auths and names missing ones', async () => {
    const auths = { '127.0.0.1:5000': { username: 'u', password: 'p' } };
    const secret: Secret = { metadata: { name: 'reg', namespace: 'ns' }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': Buffer.from(JSON.stringify({ auths })).toString('base64') } };
    assert.deepEqual(pullSecretsOf(pod({ imagePullSecrets: [{ name: 'reg' }, { name: 'gone' }] }), { configMap: () => undefined, secret: (_ns, n) => (n === 'reg' ? secret : undefined) }), { auths: [auths], missing: ['ns/gone'] });
    const { clock, events, puller } = setup([secret]);
    const { svc, pulls } = fakeImages(clock);
    await puller.ensure(svc, pod({ imagePullSecrets: [{ name: 'reg' }] }), ctr('127.0.0.1:5000/app:v1'), ref);
    assert.deepEqual(pulls[0]?.opts?.auths, [auths]);
    assert.ok(!events.some((e) => e.includes('FailedToRetrieveImagePullSecret')));
  });
});
