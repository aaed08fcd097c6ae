// A CustomResourceDefinition, then its custom resources: discovery, printer columns, schema validation,
// status subresource, explain.
import assert from 'node:assert/strict';
import { fixture, nsName, type SuiteCtx } from './kubectl-suite-context.js';

export async function customResources(c: SuiteCtx): Promise<void> {
  // CRDs are cluster-wide: each version gets its own group so the three runs could share a server.
  const ns = nsName(c.v, 'crd');
  await c.ok(['create', 'namespace', ns]);
  const n = ['-n', ns];
  assert.equal(await c.ok(['apply', '-f', fixture('manifests/widget-crd.yaml')]), 'customresourcedefinition.apiextensions.k8s.io/widgets.example.com created\n');
  assert.equal(
    await c.ok(['wait', '--for=condition=Established', 'crd/widgets.example.com', '--timeout=20s']),
    'customresourcedefinition.apiextensions.k8s.io/widgets.example.com condition met\n',
  );
  assert.equal(await c.ok([...n, 'apply', '-f', fixture('manifests/widgets.yaml')]), 'widget.example.com/small created\nwidget.example.com/large created\n');
  assert.equal(await c.ok([...n, 'apply', '-f', fixture('manifests/widgets.yaml')]), 'widget.example.com/small unchanged\nwidget.example.com/large unchanged\n');
  assert.match(await c.ok([...n, 'get', 'widgets']), /^NAME\s+SIZE\s+COLOR\s+AGE\nlarge\s+10\s+blue\s+\d+s\nsmall\s+1\s+red\s+\d+s\n$/);
  assert.match(await c.ok([...n, 'get', 'wd', 'small', '-o', 'wide']), /^NAME\s+SIZE\s+COLOR\s+AGE\nsmall\s+1\s+red\s+\d+s\n$/);
  assert.match(await c.ok(['get', 'widgets.example.com', '-A']), new RegExp(`^NAMESPACE\\s+NAME\\s+SIZE\\s+COLOR\\s+AGE\\n${ns}\\s+large\\s+10\\s+blue\\s+\\d+s\\n${ns}\\s+small\\s+1\\s+red\\s+\\d+s\\n$`));
  assert.match(await c.ok(['api-resources', '--api-group=example.com']), /^NAME\s+SHORTNAMES\s+APIVERSION\s+NAMESPACED\s+KIND\nwidgets\s+wd\s+example\.com\/v1\s+true\s+Widget\n$/);
  assert.match(await c.ok(['explain', 'widget.spec']), /^GROUP:\s+example\.com\nKIND:\s+Widget\nVERSION:\s+v1\n\nFIELD: spec <Object>\n/);

  // Custom resources take JSON merge patches; the schema is enforced on every write.
  assert.equal(await c.ok([...n, 'patch', 'widget', 'small', '--type=merge', '-p', '{"spec":{"color":"green"}}']), 'widget.example.com/small patched\n');
  assert.equal(
    await c.fails([...n, 'patch', 'widget', 'small', '--type=merge', '-p', '{"spec":{"size":0}}']),
    'The Widget "small" is invalid: spec.size: Invalid value: 0: spec.size in body should be greater than or equal to 1\n',
  );
  assert.equal(
    await c.fails([...n, 'apply', '-f', c.file('bad-widget.yaml', 'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: bad\nspec:\n  size: 2\n  colour: red\n')]),
    'Error from server (BadRequest): error when creating "' + c.dir + '/bad-widget.yaml": Widget in version "v1" cannot be handled as a Widget: strict decoding error: unknown field "spec.colour"\n',
  );
  // Status goes through the status subresource only.
  assert.equal(await c.ok([...n, 'patch', 'widget', 'large', '--subresource=status', '--type=merge', '-p', '{"status":{"ready":true}}']), 'widget.example.com/large patched\n');
  assert.equal(await c.ok([...n, 'wait', '--for=jsonpath={.status.ready}=true', 'widget/large', '--timeout=10s']), 'widget.example.com/large condition met\n');
  // wait --for=condition while the condition is written through the status subresource.
  const waiting = c.k([...n, 'wait', '--for=condition=Polished', 'widget/large', '--timeout=20s']);
  const conditions = { status: { conditions: [{ type: 'Polished', status: 'True', reason: 'SuiteSaysSo', message: 'set by the suite', lastTransitionTime: '2024-01-01T00:00:00Z' }] } };
  assert.equal(await c.ok([...n, 'patch', 'widget', 'large', '--subresource=status', '--type=merge', '-p', JSON.stringify(conditions)]), 'widget.example.com/large patched\n');
  const w = await waiting;
  assert.equal(w.code, 0, w.stderr);
  assert.equal(w.stdout, 'widget.example.com/large condition met\n');
  assert.equal(await c.ok([...n, 'wait', '--for=condition=Polished=True', 'widget/large', '--timeout=5s']), 'widget.example.com/large condition met\n');
  assert.equal(await c.ok([...n, 'delete', 'widget', 'small']), 'widget.example.com "small" deleted\n');
  assert.match(await c.ok([...n, 'get', 'wd', '-o', 'name']), /^widget\.example\.com\/large\n$/);
  assert.equal(await c.ok(['delete', 'crd', 'widgets.example.com']), 'customresourcedefinition.apiextensions.k8s.io "widgets.example.com" deleted\n');
}
