// Where each kubernetes-types module comes from in Kubernetes: the OpenAPI definition prefix (the Go package
// path, dotted, as Kubernetes names its definitions) and the Go package alias used in decode error messages.

export interface ModuleOrigin {
  /** e.g. "io.k8s.api.apps.v1" */
  prefix: string;
  /** Go package name as Go prints it in type names ("v1" in "[]v1.Container"). */
  goPackage: string;
}

/** Module path inside kubernetes-types (without .d.ts), e.g. "apps/v1", "meta/v1", "runtime". */
export function moduleOrigin(modulePath: string): ModuleOrigin {
  const parts = modulePath.split('/');
  const last = parts[parts.length - 1] ?? modulePath;
  switch (parts[0]) {
    case 'meta':
      return { prefix: `io.k8s.apimachinery.pkg.apis.meta.${last}`, goPackage: last };
    case 'runtime':
      return { prefix: 'io.k8s.apimachinery.pkg.runtime', goPackage: 'runtime' };
    case 'version':
      return { prefix: 'io.k8s.apimachinery.pkg.version', goPackage: 'version' };
    case 'api':
      return { prefix: 'io.k8s.apimachinery.pkg.api.resource', goPackage: 'resource' };
    case 'apiextensions':
      return { prefix: `io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.${last}`, goPackage: last };
    default:
      return { prefix: `io.k8s.api.${parts.join('.')}`, goPackage: last };
  }
}

export const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
export const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
