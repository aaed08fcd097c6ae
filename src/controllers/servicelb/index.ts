// The built-in LoadBalancer: node addresses as status.loadBalancer.ingress (see controller.ts).
export { ServiceLbController, startServiceLbController, ingressFor, isOurs, SERVICELB_CLASS } from './controller.js';
