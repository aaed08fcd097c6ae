// Real kubectl (1.27 reads protobuf OpenAPI v2 and aggregated v2beta1; 1.33 aggregated v2 and OpenAPI v3)
// against a throwaway server that serves only our discovery and OpenAPI documents.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { builtinResources } from '../../api/resources/index.js';
import { findTool } from '../../../test/support/require-tool.js';
import { startWireServer, type WireServer } from './wire-server.test-helper.js';

const run = promisify(execFile);
const SDK = '/usr/lib/google-cloud-sdk/bin';

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx
`;

function kubectlPath(t: TestContext, minor: number): string | undefined {
  const p = findTool(`${SDK}/kubectl.1.${minor}`);
  if (!p) {
    if (process.env.CI === 'true') throw new Error(`kubectl 1.${minor} missing`);
    t.skip(`kubectl 1.${minor} not installed`);
  }
  return p;
}

describe('kubectl with legacy discovery (plain JSON /api and /apis)', () => {
  let server: WireServer;
  let dir: string;
  before(async () => {
    server = await startWireServer(builtinResources, { aggregated: false });
    dir = mkdtempSync(join(tmpdir(), 'tug-wire-legacy-'));
    writeFileSync(join(dir, 'kubeconfig'), '');
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('kubectl 1.30 api-resources reads /api/v1 and every /apis/<group>/<version>', async (t) => {
    const bin = kubectlPath(t, 30);
    if (!bin) return;
    const r = await run(bin, ['--server', server.url, '--cache-dir', join(dir, 'c'), 'api-resources'], {
      env: { ...process.env, KUBECONFIG: join(dir, 'kubeconfig'), HOME: dir },
      timeout: 60_000,
    });
    assert.match(r.stdout, /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
    assert.match(r.stdout, /^pods\s+po\s+v1\s+true\s+Pod$/m);
    assert.ok(server.seen.some((l) => l.startsWith('GET /apis/apps/v1')));
  });
});

describe('kubectl against our discovery and OpenAPI', () => {
  let server: WireServer;
  let dir: string;
  before(async () => {
    server = await startWireServer(builtinResources);
    dir = mkdtempSync(join(tmpdir(), 'tug-wire-'));
    writeFileSync(join(dir, 'kubeconfig'), '');
    writeFileSync(join(dir, 'ok.yaml'), DEPLOYMENT);
    writeFileSync(join(dir, 'typo.yaml'), DEPLOYMENT.replace('image: nginx', 'image: nginx\n        imagePullPolice: Always'));
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const kubectl = async (bin: string, args: string[], cache: string) => {
    try {
      const r = await run(bin, ['--server', server.url, '--cache-dir', join(dir, cache), ...args], {
        env: { ...process.env, KUBECONFIG: join(dir, 'kubeconfig'), HOME: dir },
        timeout: 60_000,
      });
      return { code: 0, out: r.stdout, err: r.stderr };
    } catch (e) {
      const x = e as { code?: number; stdout?: string; stderr?: string };
      return { code: x.code ?? 1, out: x.stdout ?? '', err: x.stderr ?? '' };
    }
  };

  for (const minor of [27, 33]) {
    it(`kubectl 1.${minor} api-resources lists deployments with short name deploy`, async (t) => {
      const bin = kubectlPath(t, minor);
      if (!bin) return;
      const r = await kubectl(bin, ['api-resources'], `c-res-${minor}`);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
      const agg = server.seen.filter((l) => /^GET \/apis[ ?]/.test(l) && l.includes(minor >= 30 ? 'v=v2;' : 'v=v2beta1'));
      assert.ok(agg.length > 0, server.seen.filter((l) => l.startsWith('GET /api')).join('\n'));
    });

    it(`kubectl 1.${minor} explain deployment.spec.replicas`, async (t) => {
      const bin = kubectlPath(t, minor);
      if (!bin) return;
      const r = await kubectl(bin, ['explain', 'deployment.spec.replicas'], `c-explain-${minor}`);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /replicas\s+<integer>/);
      assert.match(r.out, /Number of desired pods/);
    });

    it(`kubectl 1.${minor} apply: strict validation reaches the server`, async (t) => {
      const bin = kubectlPath(t, minor);
      if (!bin) return;
      const ok = await kubectl(bin, ['apply', '-f', join(dir, 'ok.yaml')], `c-apply-${minor}`);
      assert.equal(ok.code, 0, ok.err);
      assert.match(ok.out, /deployment.apps\/web created/);
      const bad = await kubectl(bin, ['apply', '-f', join(dir, 'typo.yaml')], `c-apply-${minor}`);
      assert.notEqual(bad.code, 0);
      assert.match(bad.err, /strict decoding error: unknown field "spec.template.spec.containers\[0\].imagePullPolice"/);
    });
  }

  it('kubectl 1.27 explain from the protobuf OpenAPI v2', async (t) => {
    const bin = kubectlPath(t, 27);
    if (!bin) return;
    const r = await kubectl(bin, ['explain', 'pods.spec.containers.ports', '--output=plaintext-openapiv2'], 'c-explain-v2');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /containerPort\t<integer> -required-/);
  });

  it('kubectl 1.27 fetched /openapi/v2 as protobuf', () => {
    assert.ok(server.seen.some((l) => l.startsWith('GET /openapi/v2') && l.includes('protobuf')));
  });
});
