// The `oci` runtime: containers from images, run by runc/crun (see runtime.ts for the on-disk layout).
import type { ContainerRuntime, SandboxLister } from '../types.js';
import { OciRuntime, type OciRuntimeOptions } from './runtime.js';

export { OciRuntime, type OciRuntimeOptions } from './runtime.js';
export { buildSpec, cpuShares, cpuQuota, type OciSpec, type SpecInput } from './spec.js';
export { detectCgroupLayout, type CgroupLayout, type CgroupUsage } from './cgroups.js';

export function createOciRuntime(o: OciRuntimeOptions): ContainerRuntime & SandboxLister & OciRuntime {
  return new OciRuntime(o);
}
