// The `kube-root-ca.crt` ConfigMap (the cluster CA bundle) in every active namespace.
export { RootCaPublisher, startRootCaPublisher, type RootCaPublisherDeps } from './controller.js';
export { ROOT_CA_CONFIGMAP, DESCRIPTION_ANNOTATION, DESCRIPTION } from './configmap.js';
