// Reading: get in every output format, selectors, -A, get -w, describe (with events), api-resources,
// api-versions and explain.
import assert from 'node:assert/strict';
import { fixture, nsName, settledNamespace, type SuiteCtx } from './kubectl-suite-context.js';

export async function getOutputs(c: SuiteCtx): Promise<void> {
  const ns = nsName(c.v, 'get');
  await settledNamespace(c, ns);
  const n = ['-n', ns];
  await c.ok([...n, 'apply', '-f', fixture('manifests/app.yaml'), '-f', fixture('manifests/dir')]);

  const table = await c.ok([...n, 'get', 'configmaps']);
  assert.match(table, /^NAME\s+DATA\s+AGE\napp-config\s+1\s+\d+s\ndir-one\s+1\s+\d+s\nkube-root-ca\.crt\s+1\s+\d+s\n$/);
  const wide = await c.ok([...n, 'get', 'deployment', 'app', '-o', 'wide']);
  assert.match(wide, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR\napp\s+\d\/2\s+\d\s+\d\s+\d+s\s+app\s+busybox:1\.36\s+app=app\n$/);
  const svc = await c.ok([...n, 'get', 'svc', 'dir-svc', '-o', 'wide']);
  assert.match(svc, /^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE\s+SELECTOR\ndir-svc\s+ClusterIP\s+10\.\d+\.\d+\.\d+\s+<none>\s+8080\/TCP\s+\d+s\s+app=app\n$/);

  // Services get a ClusterIP (and NodePorts) from the server, kept across a replace that leaves them out.
  assert.match(await c.ok(['-n', 'default', 'get', 'svc', 'kubernetes']), /^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE\nkubernetes\s+ClusterIP\s+10\.43\.0\.1\s+<none>\s+443\/TCP\s+\d+s\n$/);
  const ip = await c.ok([...n, 'get', 'svc', 'dir-svc', '-o', 'jsonpath={.spec.clusterIP} {.spec.clusterIPs[0]}']);
  assert.match(ip, /^(10\.\S+) \1$/);
  assert.equal(await c.ok([...n, 'replace', '-f', fixture('manifests/dir/b-service.yaml')]), 'service/dir-svc replaced\n');
  assert.equal(await c.ok([...n, 'get', 'svc', 'dir-svc', '-o', 'jsonpath={.spec.clusterIP} {.spec.clusterIPs[0]}']), ip);
  const np = c.file('nodeport.yaml', 'apiVersion: v1\nkind: Service\nmetadata:\n  name: np\nspec:\n  type: NodePort\n  selector: {app: app}\n  ports:\n  - port: 80\n    targetPort: 8080\n');
  assert.equal(await c.ok([...n, 'apply', '-f', np]), 'service/np created\n');
  assert.match(await c.ok([...n, 'get', 'svc', 'np']), /^np\s+NodePort\s+10\.\d+\.\d+\.\d+\s+<none>\s+80:3\d{4}\/TCP\s+\d+s$/m);
  assert.equal(await c.ok([...n, 'apply', '-f', np]), 'service/np unchanged\n');
  await c.ok([...n, 'delete', 'svc', 'np']);

  const yaml = await c.ok([...n, 'get', 'cm', 'app-config', '-o', 'yaml']);
  assert.match(yaml, /^apiVersion: v1\ndata:\n  color: blue\nkind: ConfigMap\nmetadata:\n/);
  assert.match(yaml, /^  resourceVersion: "\d+"$/m);
  assert.match(yaml, /^  uid: [0-9a-f-]{36}$/m);
  assert.match(yaml, /^  creationTimestamp: "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"$/m);
  const json = JSON.parse(await c.ok([...n, 'get', 'deploy', 'app', '-o', 'json'])) as Record<string, any>;
  assert.equal(json['kind'], 'Deployment');
  assert.equal(json['apiVersion'], 'apps/v1');
  // Defaults applied by the server, as Kubernetes applies them.
  assert.equal(json['spec']['strategy']['type'], 'RollingUpdate');
  assert.equal(json['spec']['template']['spec']['containers'][0]['imagePullPolicy'], 'IfNotPresent');
  assert.equal(json['spec']['template']['spec']['containers'][0]['terminationMessagePath'], '/dev/termination-log');
  const list = JSON.parse(await c.ok([...n, 'get', 'cm', '-l', 'tier', '-o', 'json'])) as Record<string, any>;
  assert.equal(list['kind'], 'List');
  assert.deepEqual(list['items'].map((i: any) => i.metadata.name), ['app-config']);

  assert.equal(await c.ok([...n, 'get', 'cm', 'app-config', '-o', 'jsonpath={.data.color}/{.metadata.labels.tier}']), 'blue/backend');
  assert.equal(
    await c.ok([...n, 'get', 'deploy,cm', '-o', 'custom-columns=KIND:.kind,NAME:.metadata.name,REPLICAS:.spec.replicas']),
    'KIND         NAME               REPLICAS\nDeployment   app                2\nConfigMap    app-config         <none>\nConfigMap    dir-one            <none>\nConfigMap    kube-root-ca.crt   <none>\n',
  );
  assert.equal(await c.ok([...n, 'get', 'cm,svc,deploy', '-o', 'name']), 'configmap/app-config\nconfigmap/dir-one\nconfigmap/kube-root-ca.crt\nservice/dir-svc\ndeployment.apps/app\n');

  // Selectors.
  assert.equal(await c.ok([...n, 'get', 'cm,svc,deploy', '-l', 'tier=backend', '-o', 'name']), 'configmap/app-config\ndeployment.apps/app\n');
  assert.equal(await c.ok([...n, 'get', 'all', '-l', 'tier in (frontend)', '-o', 'name']), 'service/dir-svc\n');
  assert.equal(await c.ok([...n, 'get', 'cm', '-l', '!tier', '-o', 'name']), 'configmap/dir-one\nconfigmap/kube-root-ca.crt\n');
  assert.equal(await c.ok([...n, 'get', 'cm', '--field-selector', 'metadata.name=dir-one', '-o', 'name']), 'configmap/dir-one\n');
  assert.equal(await c.ok([...n, 'get', 'cm', '--field-selector', 'metadata.name!=dir-one', '-o', 'name']), 'configmap/app-config\nconfigmap/kube-root-ca.crt\n');
  assert.equal(
    await c.fails([...n, 'get', 'cm', '--field-selector', 'data.color=blue']),
    'Error from server (BadRequest): Unable to find "/v1, Resource=configmaps" that match label selector "", field selector "data.color=blue": "data.color" is not a known field selector: only "metadata.name", "metadata.namespace"\n',
  );
  const none = await c.k([...n, 'get', 'cm', '-l', 'tier=none']);
  assert.equal(none.stderr, `No resources found in ${ns} namespace.\n`);

  // -A adds NAMESPACE from each row's object metadata.
  const all = await c.ok(['get', 'deploy', '-A', '-l', 'tier=backend']);
  assert.match(all, /^NAMESPACE\s+NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\n/);
  assert.match(all, new RegExp(`^${ns}\\s+app\\s+\\d/2\\s+\\d\\s+\\d\\s+\\d+s$`, 'm'));
  const nsList = await c.ok(['get', 'namespaces', 'default', 'kube-system', 'kube-public', 'kube-node-lease']);
  assert.match(nsList, /^NAME\s+STATUS\s+AGE\ndefault\s+Active\s+\S+\nkube-system\s+Active\s+\S+\nkube-public\s+Active\s+\S+\nkube-node-lease\s+Active\s+\S+\n$/);
}

export async function getWatch(c: SuiteCtx): Promise<void> {
  const ns = nsName(c.v, 'watch');
  await c.ok(['create', 'namespace', ns]);
  await c.ok(['-n', ns, 'create', 'configmap', 'first', '--from-literal=a=b']);
  const w = c.stream(['-n', ns, 'get', 'configmaps', '-w']);
  try {
    await w.waitFor(/^first\s+1\s+\d+s\n/m);
    await c.ok(['-n', ns, 'create', 'configmap', 'second', '--from-literal=a=b', '--from-literal=c=d']);
    await w.waitFor(/^second\s+2\s+\d+s$/m);
    await c.ok(['-n', ns, 'patch', 'configmap', 'first', '-p', '{"data":{"x":"y"}}']);
    await w.waitFor(/^first\s+2\s+\d+s$/m);
  } finally {
    await w.stop();
  }
  const wo = c.stream(['-n', ns, 'get', 'configmap', 'second', '-w', '-o', 'jsonpath={.metadata.name}={.data.c}{"\\n"}']);
  try {
    await wo.waitFor(/^second=d\n/);
    await c.ok(['-n', ns, 'patch', 'configmap', 'second', '--type', 'merge', '-p', '{"data":{"c":"changed"}}']);
    await wo.waitFor(/^second=changed\n/m);
  } finally {
    await wo.stop();
  }
}

export async function describeObjects(c: SuiteCtx): Promise<void> {
  const ns = nsName(c.v, 'describe');
  await c.ok(['create', 'namespace', ns]);
  const n = ['-n', ns];
  await c.ok([...n, 'apply', '-f', fixture('manifests/app.yaml'), '-f', fixture('manifests/dir')]);
  const uid = await c.ok([...n, 'get', 'cm', 'app-config', '-o', 'jsonpath={.metadata.uid}']);
  const event = `apiVersion: v1
kind: Event
metadata:
  name: app-config.suite
involvedObject:
  apiVersion: v1
  kind: ConfigMap
  name: app-config
  namespace: ${ns}
  uid: ${uid}
reason: Checked
message: the suite looked at it
type: Normal
source:
  component: kubectl-suite
firstTimestamp: "2020-01-01T00:00:00Z"
lastTimestamp: "2020-01-01T00:00:00Z"
count: 2
`;
  await c.ok([...n, 'apply', '-f', c.file('event.yaml', event)]);
  const cm = await c.ok([...n, 'describe', 'configmap', 'app-config']);
  assert.match(cm, new RegExp(`^Name:         app-config\nNamespace:    ${ns}\nLabels:       tier=backend\nAnnotations:  <none>\n\nData\n====\ncolor:\n----\nblue\n`));
  assert.match(cm, /\nEvents:\n  Type    Reason   Age\s+From\s+Message\n  ----    ------   ----\s+----\s+-------\n  Normal  Checked  \S+ \(x2 over \S+\)\s+kubectl-suite\s+the suite looked at it\n$/);
  // Controllers add their own events (pods, replica sets): look at the config map's only.
  const ev = await c.ok([...n, 'get', 'events', '--field-selector', 'involvedObject.kind=ConfigMap']);
  assert.match(ev, /^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE\n\S+\s+Normal\s+Checked\s+configmap\/app-config\s+the suite looked at it\n$/);

  const deploy = await c.ok([...n, 'describe', 'deployment', 'app']);
  for (const line of [
    /^Name:\s+app$/m,
    new RegExp(`^Namespace:\\s+${ns}$`, 'm'),
    /^Selector:\s+app=app$/m,
    /^Replicas:\s+2 desired \| \d updated \| \d total \| \d available \| \d unavailable$/m,
    /^StrategyType:\s+RollingUpdate$/m,
    /^RollingUpdateStrategy:\s+25% max unavailable, 25% max surge$/m,
    /^    Image:\s+busybox:1\.36$/m,
    /^Events:(\s+<none>|\n  Type\s+Reason\s+Age\s+From\s+Message)$/m,
  ]) assert.match(deploy, line);

  const svc = await c.ok([...n, 'describe', 'service', 'dir-svc']);
  for (const line of [
    /^Name:\s+dir-svc$/m,
    /^Selector:\s+app=app$/m,
    /^Type:\s+ClusterIP$/m,
    /^IP Families:\s+IPv4$/m,
    /^IP:\s+10\.\d+\.\d+\.\d+$/m,
    /^Port:\s+<unset>  8080\/TCP$/m,
    /^TargetPort:\s+80\/TCP$/m,
    /^Session Affinity:\s+None$/m,
  ]) assert.match(svc, line);
}

export async function discovery(c: SuiteCtx): Promise<void> {
  const res = await c.ok(['api-resources']);
  const lines = res.split('\n');
  assert.match(lines[0]!, /^NAME\s+SHORTNAMES\s+APIVERSION\s+NAMESPACED\s+KIND$/);
  for (const row of [
    /^bindings\s+v1\s+true\s+Binding$/m,
    /^configmaps\s+cm\s+v1\s+true\s+ConfigMap$/m,
    /^namespaces\s+ns\s+v1\s+false\s+Namespace$/m,
    /^pods\s+po\s+v1\s+true\s+Pod$/m,
    /^services\s+svc\s+v1\s+true\s+Service$/m,
    /^customresourcedefinitions\s+crd,crds\s+apiextensions\.k8s\.io\/v1\s+false\s+CustomResourceDefinition$/m,
    /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m,
    /^horizontalpodautoscalers\s+hpa\s+autoscaling\/v2\s+true\s+HorizontalPodAutoscaler$/m,
    /^cronjobs\s+cj\s+batch\/v1\s+true\s+CronJob$/m,
    /^ingresses\s+ing\s+networking\.k8s\.io\/v1\s+true\s+Ingress$/m,
    /^events\s+ev\s+events\.k8s\.io\/v1\s+true\s+Event$/m,
    /^clusterroles\s+rbac\.authorization\.k8s\.io\/v1\s+false\s+ClusterRole$/m,
  ]) assert.match(res, row);
  // Columns line up: every row's APIVERSION starts where the header's does.
  const col = lines[0]!.indexOf('APIVERSION');
  for (const l of lines.filter((x) => x.startsWith('deployments ') || x.startsWith('configmaps '))) assert.match(l.slice(col), /^(apps\/)?v1 /);
  assert.equal(await c.ok(['api-resources', '--api-group=apps', '-o', 'name']), 'controllerrevisions.apps\ndaemonsets.apps\ndeployments.apps\nreplicasets.apps\nstatefulsets.apps\n');
  const nsd = await c.ok(['api-resources', '--namespaced=false', '--api-group=', '-o', 'name']);
  assert.match(nsd, /^componentstatuses\nnamespaces\nnodes\npersistentvolumes\n$/);

  const versions = (await c.ok(['api-versions'])).split('\n');
  for (const gv of ['v1', 'apps/v1', 'batch/v1', 'autoscaling/v1', 'autoscaling/v2', 'apiextensions.k8s.io/v1', 'rbac.authorization.k8s.io/v1', 'networking.k8s.io/v1']) {
    assert.ok(versions.includes(gv), gv);
  }
  assert.deepEqual(versions.filter(Boolean), [...versions.filter(Boolean)].sort());

  const ex = await c.ok(['explain', 'deployment.spec.replicas']);
  assert.match(ex, /^GROUP:\s+apps\nKIND:\s+Deployment\nVERSION:\s+v1\n\nFIELD: replicas <integer>\n\n+DESCRIPTION:\n    Number of desired pods\./);
  const ex2 = await c.ok(['explain', 'configmap']);
  assert.match(ex2, /^KIND:\s+ConfigMap\nVERSION:\s+v1\n\nDESCRIPTION:\n    ConfigMap holds configuration data for pods to consume\./);
  assert.match(ex2, /^  binaryData\t<map\[string\]string>$/m);
  assert.equal(
    await c.fails(['explain', 'deployment.spec.nope']),
    'error: field "nope" does not exist\n',
  );
}
