// kubelet's image manager: imagePullPolicy, pull credentials from the pod's imagePullSecrets, one pull of an image
// at a time on the node (later pods wait for it: "including waiting"), per pod-and-image back-off after a failed
// pull (10 s doubling to 5 min), and the events and waiting reasons kubelet writes for each step.
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import type { EventRecorder, ObjectReference } from '../client/index.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { DockerAuths, ImageInfo, ImageService } from '../runtime/types.js';
import type { ConfigSource } from './env.js';
import { BACKOFF_MAX_MS, BACKOFF_START_MS } from './pod-state.js';

export type EnsureResult = { image: ImageInfo } | { waiting: { reason: string; message: string }; event: string; retryMs: number };

export interface ImagePullerOptions {
  recorder: EventRecorder;
  clock: Clock;
  log: Logger;
  source: ConfigSource;
  /** Long pulls log their progress this often (default 5 s). */
  progressEveryMs?: number;
}

/** Go's time.Duration text for a millisecond count: 850ms, 1.234s, 2m3.5s. */
export function goDuration(ms: number): string {
  const r = Math.round(ms);
  if (r < 1000) return `${r}ms`;
  const trim = (s: number) => String(Number(s.toFixed(3)));
  if (r < 60_000) return `${trim(r / 1000)}s`;
  const m = Math.floor(r / 60_000);
  return `${m}m${trim((r % 60_000) / 1000)}s`;
}

/** The policy the API defaults to when a container has none (`:latest` or no tag: Always). */
export function pullPolicyOf(c: Container): string {
  if (c.imagePullPolicy) return c.imagePullPolicy;
  const image = c.image ?? '';
  const tail = image.slice(image.lastIndexOf('/') + 1);
  if (tail.includes('@')) return 'IfNotPresent';
  const colon = tail.indexOf(':');
  return colon < 0 || tail.slice(colon + 1) === 'latest' ? 'Always' : 'IfNotPresent';
}

/** `.dockerconfigjson` (and legacy `.dockercfg`) Secrets named by the pod, as auths maps; missing ones are named. */
export function pullSecretsOf(pod: Pod, source: ConfigSource): { auths: DockerAuths[]; missing: string[] } {
  const ns = pod.metadata?.namespace ?? 'default';
  const auths: DockerAuths[] = [];
  const missing: string[] = [];
  for (const ref of pod.spec?.imagePullSecrets ?? []) {
    const name = ref.name ?? '';
    const s = source.secret(ns, name);
    if (!s) {
      missing.push(`${ns}/${name}`);
      continue;
    }
    const raw = (key: string) => (s.data?.[key] !== undefined ? Buffer.from(s.data[key]!, 'base64').toString('utf8') : s.stringData?.[key]);
    try {
      if (s.type === 'kubernetes.io/dockerconfigjson' && raw('.dockerconfigjson')) {
        const cfg = JSON.parse(raw('.dockerconfigjson')!) as { auths?: DockerAuths };
        if (cfg.auths) auths.push(cfg.auths);
      } else if (s.type === 'kubernetes.io/dockercfg' && raw('.dockercfg')) {
        auths.push(JSON.parse(raw('.dockercfg')!) as DockerAuths);
      }
    } catch {
      // A malformed secret gives no credentials, as kubelet skips it.
    }
  }
  return { auths, missing };
}

export class ImagePuller {
  /** The tail of each image's pull queue: pulls of one image run one after the other. */
  private readonly queues = new Map<string, Promise<unknown>>();
  /** Back-off per pod and image (kubelet's key: podUID_image). */
  private readonly backoff = new Map<string, { delayMs: number; until: number; error: string }>();

  constructor(private readonly o: ImagePullerOptions) {}

  /**
   * Makes sure the container's image is in the store, pulling it per policy. Returns the image, or why the
   * container waits (with the "Error: ..." event the caller records, and when to look again).
   */
  async ensure(images: ImageService, pod: Pod, c: Container, ref: ObjectReference): Promise<EnsureResult> {
    const image = c.image ?? '';
    const policy = pullPolicyOf(c);
    const ev = (type: 'Normal' | 'Warning', reason: string, msg: string) => this.o.recorder.event(ref, type, reason, msg);
    const present = policy === 'Always' ? undefined : await images.inspect(image);
    if (present) {
      ev('Normal', 'Pulled', `Container image ${JSON.stringify(image)} already present on machine`);
      return { image: present };
    }
    if (policy === 'Never') {
      const msg = `Container image ${JSON.stringify(image)} is not present with pull policy of Never`;
      ev('Warning', 'ErrImageNeverPull', msg);
      return { waiting: { reason: 'ErrImageNeverPull', message: msg }, event: 'Error: ErrImageNeverPull', retryMs: 5000 };
    }
    const key = `${pod.metadata?.uid ?? ''}_${image}`;
    const now = this.o.clock.now().getTime();
    const bo = this.backoff.get(key);
    if (bo && now < bo.until) {
      const msg = `Back-off pulling image ${JSON.stringify(image)}`;
      ev('Normal', 'BackOff', msg);
      return { waiting: { reason: 'ImagePullBackOff', message: `${msg}: ErrImagePull: ${bo.error}` }, event: 'Error: ImagePullBackOff', retryMs: bo.until - now };
    }
    const { auths, missing } = pullSecretsOf(pod, this.o.source);
    if (missing.length) ev('Warning', 'FailedToRetrieveImagePullSecret', `Unable to retrieve some image pull secrets (${missing.join(', ')}); attempting to pull the image may not succeed.`);
    ev('Normal', 'Pulling', `Pulling image ${JSON.stringify(image)}`);
    const t0 = this.o.clock.now().getTime();
    let pulledIn = 0;
    try {
      const info = await this.serial(image, async () => {
        // Pulled by another pod meanwhile: nothing left to fetch.
        const have = policy === 'Always' ? undefined : await images.inspect(image);
        if (have) return have;
        const t1 = this.o.clock.now().getTime();
        const got = await this.pullLogged(images, image, auths);
        pulledIn = this.o.clock.now().getTime() - t1;
        return got;
      });
      const total = this.o.clock.now().getTime() - t0;
      this.backoff.delete(key);
      ev('Normal', 'Pulled', `Successfully pulled image ${JSON.stringify(image)} in ${goDuration(pulledIn)} (${goDuration(total)} including waiting). Image size: ${info.size} bytes.`);
      return { image: info };
    } catch (e) {
      const err = (e as Error).message;
      const delayMs = bo ? Math.min(bo.delayMs * 2, BACKOFF_MAX_MS) : BACKOFF_START_MS;
      const done = this.o.clock.now().getTime();
      this.backoff.set(key, { delayMs, until: done + delayMs, error: err });
      ev('Warning', 'Failed', `Failed to pull image ${JSON.stringify(image)}: ${err}`);
      return { waiting: { reason: 'ErrImagePull', message: err }, event: 'Error: ErrImagePull', retryMs: delayMs };
    }
  }

  /** Forgets a pod's back-offs (the pod is gone). */
  forgetPod(uid: string): void {
    for (const k of this.backoff.keys()) if (k.startsWith(`${uid}_`)) this.backoff.delete(k);
  }

  private serial<T>(image: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.queues.get(image) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.queues.set(image, tail);
    void tail.then(() => {
      if (this.queues.get(image) === tail) this.queues.delete(image);
    });
    return run;
  }

  private async pullLogged(images: ImageService, image: string, auths: DockerAuths[]): Promise<ImageInfo> {
    const every = this.o.progressEveryMs ?? 5000;
    let last = Date.now();
    const started = last;
    const info = await images.pull(image, {
      ...(auths.length ? { auths } : {}),
      onProgress: (p) => {
        const t = Date.now();
        if (t - last < every) return;
        last = t;
        const pct = p.total ? Math.floor((p.fetched / p.total) * 100) : 0;
        this.o.log.info('pulling image', { image, fetched: p.fetched, total: p.total, percent: pct, seconds: Math.round((t - started) / 1000) });
      },
    });
    if (Date.now() - started >= every) this.o.log.info('pulled image', { image, bytes: info.size, seconds: Math.round((Date.now() - started) / 100) / 10 });
    return info;
  }
}
