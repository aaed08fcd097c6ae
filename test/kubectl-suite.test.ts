// The kubectl end-to-end suite (issue 4): for each of kubectl 1.27, 1.30 and 1.33, a `tug server` child process
// (real CLI, sqlite store, temp data dir) driven through every API-level command, asserting on what kubectl
// prints, which must be what it prints against Kubernetes. Versions run one after another (2 shared cores);
// the server must exit 0 on SIGTERM.
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { findTool, requireTool } from './support/require-tool.js';
import { kubectlPath, startTugProcess, type TugProcess } from './support/tug-server.js';
import { suiteCtx, type SuiteCtx } from './kubectl-suite-context.js';
import { applyFiles, applyKustomize, serverSideApply } from './kubectl-suite-apply.js';
import { describeObjects, discovery, getOutputs, getWatch } from './kubectl-suite-read.js';
import { createCommands, editAndPatch, labelsAndScale, waitAndDelete } from './kubectl-suite-write.js';
import { customResources } from './kubectl-suite-crd.js';
import { authentication, errorCases } from './kubectl-suite-errors.js';

const VERSIONS = (process.env.TUG_KUBECTL_VERSIONS ?? '1.27,1.30,1.33').split(',');

const AREAS: [string, (c: SuiteCtx) => Promise<void>][] = [
  ['apply -f (file, directory), apply again, diff, --dry-run=server', applyFiles],
  ['apply -k with base and overlays', applyKustomize],
  ['apply --server-side with a conflict', serverSideApply],
  ['get: wide, yaml, json, jsonpath, custom-columns, name, -l, --field-selector, -A', getOutputs],
  ['get -w sees changes', getWatch],
  ['describe with events', describeObjects],
  ['api-resources, api-versions, explain', discovery],
  ['create configmap, secret generic/tls, namespace, deployment', createCommands],
  ['edit and patch (strategic, merge, json)', editAndPatch],
  ['label, annotate, scale, set image', labelsAndScale],
  ['wait (jsonpath, condition, delete) and delete', waitAndDelete],
  ['CRD then custom resources', customResources],
  ['error cases print Kubernetes messages', errorCases],
  ['authentication', authentication],
];

for (const v of VERSIONS) {
  describe(`kubectl ${v} against tug server`, () => {
    let server: TugProcess | undefined;
    let ctx: SuiteCtx | undefined;
    const have = (t: TestContext) => requireTool(t, kubectlPath(v), 'the Google Cloud SDK kubectl components') !== undefined;

    before(async () => {
      if (!findTool(kubectlPath(v))) return;
      server = await startTugProcess();
      ctx = suiteCtx(v, server);
    });
    after(async () => {
      ctx?.close();
      if (!server) return;
      const exit = await server.stop();
      assert.deepEqual(exit, { code: 0, signal: null }, server.output());
    });

    for (const [name, area] of AREAS) {
      it(name, async (t) => {
        if (!have(t)) return;
        await area(ctx!);
      });
    }
  });
}
