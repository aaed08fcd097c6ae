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
