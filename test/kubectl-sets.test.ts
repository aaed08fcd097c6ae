// DaemonSets, StatefulSets and claims through real kubectl (1.27 and 1.33) against a `tug server --sim-nodes 3`
// child: apply, rollout status, the get columns, rollout history and undo. Needs the daemonset, statefulset and
// volume controllers wired into tug server.
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { findTool, requireTool } from './support/require-tool.js';
import { startTugCluster, type TugCluster } from './support/tug-cluster.js';
import { kubectl, kubectlPath } from './support/tug-server.js';

const VERSIONS = (process.env.TUG_KUBECTL_VERSIONS ?? '1.27,1.33').split(',');

const DS = `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: c, image: "agent:IMAGE"}]}
`;
const STS = `apiVersion: v1
kind: Service
metadata: {name: db}
spec: {clusterIP: None, selector: {app: db}, ports: [{port: 5432}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 3
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: c, image: "db:IMAGE"}]}
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], storageClassName: local-path, resources: {requests: {storage: 1Gi}}}
`;

const header = (out: string) => out.split('\n')[0]!.trim().split(/\s{2,}/);

describe('kubectl daemonsets and statefulsets', { concurrency: VERSIONS.length }, () => {
  for (const v of VERSIONS) {
    describe(`kubectl ${v}`, { concurrency: 1 }, () => {
      let server: TugCluster | undefined;
      const k = async (args: string[], input?: string) => {
        const r = await kubectl(v, args, { kubeconfig: server!.kubeconfig, input, timeoutMs: 90_000 });
        assert.equal(r.code, 0, `kubectl ${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
        return r.stdout;
      };
      const have = (t: TestContext) => requireTool(t, kubectlPath(v), 'the Google Cloud SDK kubectl components') !== undefined;
      before(async () => {
        if (findTool(kubectlPath(v))) server = await startTugCluster({ simNodes: 3 });
      });
      after(async () => {
        if (!server) return;
        const exit = await server.stop();
        const out = server.output();
        server.remove();
        assert.deepEqual(exit, { code: 0, signal: null }, out);
      });

      it('a DaemonSet: one pod per node, rollout status, get columns, history and undo', async (t) => {
        if (!have(t)) return;
        assert.match(await k(['apply', '-f', '-'], DS.replace('IMAGE', '1')), /daemonset.apps\/agent created/);
        assert.match(await k(['rollout', 'status', 'daemonset/agent', '--timeout', '60s']), /daemon set "agent" successfully rolled out/);
        const get = await k(['get', 'ds', 'agent']);
        assert.deepEqual(header(get), ['NAME', 'DESIRED', 'CURRENT', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'NODE SELECTOR', 'AGE']);
        assert.match(get.split('\n')[1]!, /^agent\s+3\s+3\s+3\s+3\s+3\s+<none>/);
        const nodes = (await k(['get', 'pods', '-l', 'app=agent', '-o', 'jsonpath={.items[*].spec.nodeName}'])).split(' ').sort();
        assert.deepEqual(nodes, ['sim-0', 'sim-1', 'sim-2']);
        await k(['apply', '-f', '-'], DS.replace('IMAGE', '2'));
        assert.match(await k(['rollout', 'status', 'daemonset/agent', '--timeout', '60s']), /successfully rolled out/);
        const history = await k(['rollout', 'history', 'daemonset/agent']);
        assert.match(history, /REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);
        assert.match(await k(['rollout', 'undo', 'daemonset/agent']), /daemonset.apps\/agent rolled back/);
        assert.match(await k(['rollout', 'status', 'daemonset/agent', '--timeout', '60s']), /successfully rolled out/);
        const images = (await k(['get', 'pods', '-l', 'app=agent', '-o', 'jsonpath={.items[*].spec.containers[0].image}'])).split(' ');
        assert.deepEqual(images, ['agent:1', 'agent:1', 'agent:1']);
        assert.match(await k(['rollout', 'history', 'daemonset/agent']), /\n2\s+<none>\n3\s+<none>/);
        // drain --ignore-daemonsets leaves daemon pods where they are.
        const drain = await kubectl(v, ['drain', 'sim-0', '--ignore-daemonsets', '--timeout', '30s'], { kubeconfig: server!.kubeconfig });
        assert.equal(drain.code, 0, drain.stderr);
        assert.match(drain.stderr + drain.stdout, /[Ii]gnoring DaemonSet-managed Pods: default\/agent-/);
        await k(['uncordon', 'sim-0']);
      });

      it('a StatefulSet: ordered pods with claims, rollout status, get columns, history and undo', async (t) => {
        if (!have(t)) return;
        await k(['apply', '-f', '-'], STS.replace('IMAGE', '1'));
        const status = await k(['rollout', 'status', 'statefulset/db', '--timeout', '90s']);
        // Kubernetes defaults updateStrategy.rollingUpdate.partition to 0, so kubectl reports a partitioned roll out
        assert.match(status, /partitioned roll out complete: 3 new pods have been updated\.\.\./);
        const get = await k(['get', 'sts', 'db']);
        assert.deepEqual(header(get), ['NAME', 'READY', 'AGE']);
        assert.match(get.split('\n')[1]!, /^db\s+3\/3\s+/);
        const pvc = await k(['get', 'pvc']);
        assert.deepEqual(header(pvc).slice(0, 6), ['NAME', 'STATUS', 'VOLUME', 'CAPACITY', 'ACCESS MODES', 'STORAGECLASS']);
        for (const n of [0, 1, 2]) assert.match(pvc, new RegExp(`data-db-${n}\\s+Bound\\s+pvc-[0-9a-f-]+\\s+1Gi\\s+RWO\\s+local-path`));
        const sc = await k(['get', 'storageclass']);
        assert.match(sc, /local-path \(default\)\s+tugboat.dev\/local-path\s+Delete\s+WaitForFirstConsumer/);
        await k(['apply', '-f', '-'], STS.replace('IMAGE', '2'));
        assert.match(await k(['rollout', 'status', 'statefulset/db', '--timeout', '90s']), /partitioned roll out complete: 3 new pods have been updated/);
        assert.match(await k(['rollout', 'history', 'statefulset/db']), /\n1\s+<none>\n2\s+<none>/);
        assert.match(await k(['rollout', 'undo', 'statefulset/db']), /statefulset.apps\/db rolled back/);
        assert.match(await k(['rollout', 'status', 'statefulset/db', '--timeout', '90s']), /partitioned roll out complete: 3 new pods have been updated/);
        const images = (await k(['get', 'pods', '-l', 'app=db', '-o', 'jsonpath={.items[*].spec.containers[0].image}'])).split(' ');
        assert.deepEqual(images, ['db:1', 'db:1', 'db:1']);
        // The claims survive: the same three, still bound.
        assert.match(await k(['get', 'pvc', '-o', 'name']), /persistentvolumeclaim\/data-db-0\npersistentvolumeclaim\/data-db-1\npersistentvolumeclaim\/data-db-2/);
      });
    });
  }
});
