// The control plane of `tug server`: controllers and the scheduler, run only while this process holds the
// controller-manager Lease (so several servers over one etcd do not all act), plus simulated nodes when asked.
// Everything here talks to the API through the client; nothing touches the store.
import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Client } from '../client/types.js';
import { SharedInformerFactory, createEventRecorder, runAsLeader } from '../client/index.js';
import { startGarbageCollector } from '../controllers/garbagecollector/index.js';
import { startNamespaceController } from '../controllers/namespace/index.js';
import { startServiceAccountController } from '../controllers/serviceaccount/index.js';
import { startRootCaPublisher } from '../controllers/rootca/index.js';
import { startNodeLifecycleController } from '../controllers/nodelifecycle/index.js';
import { startDisruptionController } from '../controllers/disruption/index.js';
import { startEndpointSliceController } from '../controllers/endpointslice/index.js';
import { startServiceLbController } from '../controllers/servicelb/index.js';
import { startReplicaSetController, startReplicationControllerController } from '../controllers/replicaset/index.js';
import { startDeploymentController } from '../controllers/deployment/index.js';
import { startDaemonSetController } from '../controllers/daemonset/index.js';
import { startStatefulSetController } from '../controllers/statefulset/index.js';
import { startVolumeController } from '../controllers/volume/index.js';
import { startJobController } from '../controllers/job/index.js';
import { startCronJobController } from '../controllers/cronjob/index.js';
import { startHpaController, type HpaTuning } from '../controllers/hpa/index.js';
import { startScheduler } from '../scheduler/index.js';
import { startSimNodes, type SimNodes } from '../sim/index.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';

export interface ControlPlaneOptions {
  client: Client;
  clock: Clock;
  logger: Logger;
  signal: AbortSignal;
  /** Simulated nodes to register (0: none). */
  simNodes: number;
  /** How long a node may stay silent before it is NotReady/Unknown. */
  nodeGracePeriodMs: number;
  /** How long pods stay on an unreachable node without a toleration of their own. */
  evictionTimeoutMs: number;
  /** The server's data dir: local-path volumes live under it. */
  dataDir: string;
  /** --hpa-sync-period and --hpa-downscale-stabilization. */
  hpa: HpaTuning;
  /** The cluster CA bundle (PEM) published as `kube-root-ca.crt` in every namespace; unset: not published. */
  rootCaPem?: string;
  /** Where the `kubernetes` Service's endpoints point (the advertised address and the API's port). */
  apiServer?: { ip?: string; port?: number };
}

export interface ControlPlane {
  sim?: SimNodes;
  /** Resolves when every loop has stopped after the signal aborted. */
  done: Promise<void>;
}

export async function startControlPlane(o: ControlPlaneOptions): Promise<ControlPlane> {
  const { client, clock, logger, signal } = o;
  // Every loop and informer listens on these signals: dozens of listeners are expected, not a leak.
  setMaxListeners(500, signal);
  const identity = `${hostname()}_${randomBytes(4).toString('hex')}`;
  const loops: Promise<unknown>[] = [];

  let sim: SimNodes | undefined;
  if (o.simNodes > 0) {
    const informers = new SharedInformerFactory({ client, logger: logger.child('sim') });
    sim = await startSimNodes({
      client,
      informers,
      clock,
      logger: logger.child('sim'),
      signal,
      count: o.simNodes,
      // renew well inside the grace period, so a short --node-grace-period does not make nodes flap
      leaseIntervalMs: Math.max(500, Math.min(10_000, o.nodeGracePeriodMs / 4)),
    });
    loops.push(sim.done);
  }

  const leading = runAsLeader({
    client,
    name: 'tug-controller-manager',
    identity,
    clock,
    logger: logger.child('leader'),
    signal,
    onStartedLeading: async (leaderSignal) => {
      setMaxListeners(500, leaderSignal);
      logger.info('leading the control plane', { identity });
      // A fresh informer factory per term: a new leader starts from a fresh list.
      const informers = new SharedInformerFactory({ client, logger: logger.child('informers') });
      // One recorder per controller, so each event's source names the component as Kubernetes does.
      const recorder = (component: string) => createEventRecorder({ client, component, clock, logger });
      const deps = { client, informers, clock, signal: leaderSignal };
      const child = (name: string) => ({ ...deps, logger: logger.child(name) });
      const started = [
        startReplicaSetController({ ...child('replicaset'), recorder: recorder('replicaset-controller') }),
        startReplicationControllerController({
          ...child('replicationcontroller'),
          recorder: recorder('replicationcontroller-controller'),
        }),
        startDeploymentController({ ...child('deployment'), recorder: recorder('deployment-controller') }),
        startDaemonSetController({ ...child('daemonset'), recorder: recorder('daemonset-controller') }),
        startStatefulSetController({ ...child('statefulset'), recorder: recorder('statefulset-controller') }),
        startVolumeController({ ...child('volume'), recorder: recorder('persistentvolume-controller'), dataDir: o.dataDir }),
        startJobController({ ...child('job'), recorder: recorder('job-controller') }),
        startCronJobController({ ...child('cronjob'), recorder: recorder('cronjob-controller') }),
        startHpaController({ ...child('hpa'), recorder: recorder('horizontal-pod-autoscaler'), ...o.hpa }),
        startGarbageCollector(child('garbagecollector')),
        startNamespaceController(child('namespace')),
        startServiceAccountController(child('serviceaccount')),
        ...(o.rootCaPem ? [startRootCaPublisher({ ...child('rootca'), caPem: o.rootCaPem })] : []),
        startNodeLifecycleController({
          ...child('nodelifecycle'),
          gracePeriodMs: o.nodeGracePeriodMs,
          evictionTimeoutMs: o.evictionTimeoutMs,
          events: recorder('node-controller'),
        }),
        startDisruptionController(child('disruption')),
        startEndpointSliceController({ ...child('endpointslice'), ...(o.apiServer ? { apiServer: o.apiServer } : {}) }),
        startServiceLbController({ ...child('servicelb'), recorder: recorder('service-lb-controller') }),
        startScheduler({ ...child('scheduler'), recorder: recorder('default-scheduler') }).then((s) => s.done),
      ];
      await Promise.all(started.map((p) => p.catch((err: unknown) => logger.error('control loop failed', { err }))));
    },
  });
  loops.push(leading);
  return { sim, done: Promise.all(loops).then(() => undefined) };
}
