// Watches pods through the API (one list, then one watch from its resourceVersion, re-watching when the server
// ends the stream) and calls check(pods) after every event with the set of pods as of that event, so a test can
// assert an invariant (surge, availability, budget) at every moment of a rollout rather than only at the end.
import type { ObjectMeta } from '../../src/api/object.js';
import type { Pod } from '../../src/sim/types.js';
import { clientFromKubeconfig, pods as PODS, type RestClient } from '../../src/client/index.js';

export type WatchedPod = Pod & { metadata: ObjectMeta };

export interface PodWatcher {
  /** Every message check() returned, with the revision it was seen at. */
  readonly violations: string[];
  /** How many events were checked. */
  readonly events: number;
  /** The pods as of the last event. */
  current(): WatchedPod[];
  /** Waits until pred holds for the current pods (checked after each event), or throws after ms. */
  until(pred: (pods: WatchedPod[]) => boolean, ms: number, what: string): Promise<void>;
  stop(): Promise<void>;
}

/** A pod that counts: not being deleted and not finished (what ReplicaSets count as active). */
export function isActive(p: Pod): boolean {
  return !p.metadata?.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed';
}

export function isReady(p: Pod): boolean {
  return p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** The pod's owning ReplicaSet's pod-template-hash label (which template it runs). */
export function templateHash(p: Pod): string {
  return p.metadata?.labels?.['pod-template-hash'] ?? '';
}

export async function watchPods(o: {
  kubeconfig: string;
  namespace: string;
  labelSelector?: string;
  /** Returns a message when the invariant is broken, undefined when it holds. */
  check?: (pods: WatchedPod[]) => string | undefined;
}): Promise<PodWatcher> {
  const client: RestClient = clientFromKubeconfig(o.kubeconfig);
  const byName = new Map<string, WatchedPod>();
  const violations: string[] = [];
  const waiters = new Set<() => void>();
  const ac = new AbortController();
  let events = 0;

  const list = await client.list<WatchedPod>(PODS, o.namespace, { labelSelector: o.labelSelector });
  for (const p of list.items) byName.set(p.metadata.name ?? '', p);
  let rv = list.metadata.resourceVersion ?? '';

  const onEvent = () => {
    events++;
    const msg = o.check?.([...byName.values()]);
    if (msg) violations.push(`rv ${rv}: ${msg}`);
    for (const w of waiters) w();
  };
  onEvent();

  const loop = (async () => {
    while (!ac.signal.aborted) {
      const stream = client.watch<WatchedPod>(PODS, o.namespace, {
        labelSelector: o.labelSelector,
        resourceVersion: rv,
        signal: ac.signal,
        timeoutSeconds: 60,
      });
      try {
        for await (const ev of stream) {
          if (ev.type === 'BOOKMARK' || ev.type === 'ERROR') continue;
          const name = ev.object.metadata?.name ?? '';
          rv = ev.object.metadata?.resourceVersion ?? rv;
          if (ev.type === 'DELETED') byName.delete(name);
          else byName.set(name, ev.object);
          onEvent();
        }
      } catch (e) {
        if (ac.signal.aborted) return;
        // The server went away (a restart test) or the watch expired: list again after a short pause.
        await new Promise((r) => setTimeout(r, 200));
        try {
          const again = await client.list<WatchedPod>(PODS, o.namespace, { labelSelector: o.labelSelector });
          byName.clear();
          for (const p of again.items) byName.set(p.metadata.name ?? '', p);
          rv = again.metadata.resourceVersion ?? '';
          onEvent();
        } catch {
          // still down; try again
        }
        void e;
      }
    }
  })();

  return {
    violations,
    get events() {
      return events;
    },
    current: () => [...byName.values()],
    until(pred, ms, what) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!pred([...byName.values()])) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          const seen = [...byName.values()].map((p) => `${p.metadata.name} ${p.status?.phase ?? '-'}${isReady(p) ? ' ready' : ''}${p.metadata.deletionTimestamp ? ' deleting' : ''} on ${p.spec?.nodeName ?? '-'}`);
          reject(new Error(`pods: ${what} not reached within ${ms} ms; now:\n  ${seen.join('\n  ')}`));
        }, ms);
        waiters.add(check);
        check();
      });
    },
    async stop() {
      ac.abort();
      await loop.catch(() => undefined);
      client.close?.();
    },
  };
}
