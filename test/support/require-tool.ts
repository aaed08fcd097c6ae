// Tests that need a tool from outside npm (etcd, kubectl, runc...) call requireTool. In CI (CI=true) a missing
// tool is a failure; elsewhere the test is skipped with a message naming what to install.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { TestContext } from 'node:test';

/** The full path of an executable found on PATH (or given absolute), or undefined. */
export function findTool(name: string): string | undefined {
  const candidates = name.includes('/') ? [name] : (process.env.PATH ?? '').split(delimiter).map((d) => join(d, name));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * Returns the tool's path, or (outside CI) skips the test and returns undefined. In CI it throws, so a missing
 * tool fails the run instead of silently passing.
 */
export function requireTool(t: TestContext, name: string, install: string): string | undefined {
  const found = findTool(name);
  if (found) return found;
  const msg = `${name} not found: install it with \`${install}\``;
  if (process.env.CI === 'true') throw new Error(msg);
  t.skip(msg);
  return undefined;
}

/** A host tool and how to install it: [name or absolute path, install hint]. */
export type Tool = readonly [name: string, install: string];

/** What a suite with real pod networks needs: the CNI bridge plugin and nft. */
export const POD_NETWORK_TOOLS: readonly Tool[] = [
  ['/usr/lib/cni/bridge', 'apt-get install containernetworking-plugins'],
  ['nft', 'apt-get install nftables'],
];

/** Host tools pods run to reach services by name (the process runtime runs them in the pod's namespaces). */
export const SERVICE_CLIENT_TOOLS: readonly Tool[] = [
  ['curl', 'apt-get install curl'],
  ['dig', 'apt-get install bind9-dnsutils'],
];

/** Whether every tool is on this machine (for a before hook, which has no test to skip). */
export function haveAllTools(tools: readonly Tool[]): boolean {
  return tools.every(([name]) => !!findTool(name));
}

/**
 * For suites that need root and host tools. Without root: in CI a failure naming why (`the ... suite needs
 * root (...)`), elsewhere a skip with the same words; then requireTool for each tool in turn. True when the test
 * can go on.
 */
export function requireRootAndTools(t: TestContext, needsRoot: string, tools: readonly Tool[]): boolean {
  if (process.getuid?.() !== 0) {
    if (process.env.CI === 'true') throw new Error(needsRoot);
    t.skip(needsRoot);
    return false;
  }
  return tools.every(([name, install]) => !!requireTool(t, name, install));
}
