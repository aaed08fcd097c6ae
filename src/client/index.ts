// The client: REST over HTTPS or in process, informers, work queues, leader election, events, and test fakes.
export * from './types.js';
export * as resources from './resources.js';
export * from './resources.js';
export { RestClient, clientFromKubeconfig, inProcessClient, resourcePath, statusToError, type RestClientOptions } from './rest.js';
export { httpsTransport, inProcessTransport, type Transport, type TransportRequest, type TransportResponse, type HttpsTransportOptions, type InProcessOptions } from './transport.js';
export { readKubeconfig, parseKubeconfig, type KubeconfigTarget } from './kubeconfig.js';
export { SharedInformer, NAMESPACE_INDEX, OWNER_INDEX, ownerUids, type InformerOptions } from './informer.js';
export { SharedInformerFactory, createInformerFactory, type InformerFactoryOptions } from './informer-factory.js';
export { KeyQueue, createWorkQueue, runWorkers, backoffDelay, isConflict, type WorkQueueOptions, type RunWorkersOptions } from './workqueue.js';
export { LeaderElector, runAsLeader, microTime, type LeaderElectionOptions } from './leader.js';
export {
  ClientEventRecorder,
  createEventRecorder,
  nullEventRecorder,
  referenceOf,
  eventKey,
  metaTime,
  type EventRecorder,
  type EventRecorderOptions,
  type EventType,
  type ObjectReference,
} from './events.js';
export { FakeClient, FakeInformer, FakeInformerFactory, matchLabelSelector, matchFieldSelector, type Action, type ActionVerb, type Reactor } from './fake.js';

