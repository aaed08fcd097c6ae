// Real kubectl 1.33 and 1.32 against an in-process Tugboat API server: the generator commands (create
// deployment/service/job/cronjob/role/.../secret, autoscale, create token, auth can-i) whose typed clients send
// protobuf bodies. Each must print what it prints against Kubernetes and store the object a JSON client would
// have sent: everything `--dry-run=client -o json` prints must be in the stored object (defaults may add more).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { requireTool } from './support/require-tool.js';
import { kubectl, kubectlPath, startTugServer, type TugServer } from './support/tug-server.js';

const VERSIONS = ['1.33', '1.32'];

type Obj = Record<string, any>;

interface Case {
  args: string[];
  printed: string;
  /** what to read back (kubectl get ARGS -o json) and check */
  get?: string[];
  check?: (o: Obj) => void;
  /** compare the stored object with kubectl's --dry-run=client -o json (JSON path) rendering */
  compare?: boolean;
  /** a server-side gap outside protobuf decoding: reported as todo until fixed */
  todo?: string;
}

/** Every field of `sent` (bar nulls and status, which the server owns) is in `stored` with the same value. */
function assertSubset(stored: unknown, sent: unknown, path = ''): void {
  if (sent === null) return;
  if (Array.isArray(sent)) {
    assert.ok(Array.isArray(stored), `${path}: want an array, stored ${JSON.stringify(stored)}`);
    assert.equal(stored.length, sent.length, `${path}: length`);
    sent.forEach((v, i) => assertSubset(stored[i], v, `${path}[${i}]`));
  } else if (typeof sent === 'object') {
    assert.ok(stored && typeof stored === 'object', `${path}: want an object, stored ${JSON.stringify(stored)}`);
    for (const [k, v] of Object.entries(sent)) {
      if (path === '' && k === 'status') continue;
      assertSubset((stored as Obj)[k], v, `${path}.${k}`);
    }
  } else assert.equal(stored, sent, path);
}

function cases(v: string, ns: string, server: TugServer): Case[] {
  const sfx = v.replace('.', '-');
  const pki = join(server.dataDir, 'pki');
  const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');
  return [
    {
      args: ['create', 'deployment', 'web', '--image=nginx:1.27', '--replicas=2', '--port=80'],
      printed: 'deployment.apps/web created',
      get: ['deployment', 'web'],
      compare: true,
      check: (o) => {
        assert.equal(o.spec.replicas, 2);
        assert.deepEqual(o.spec.selector, { matchLabels: { app: 'web' } });
        const c = o.spec.template.spec.containers[0];
        assert.equal(c.image, 'nginx:1.27');
        assert.deepEqual(c.ports, [{ containerPort: 80, protocol: 'TCP' }]);
        assert.deepEqual(c.resources, {});
      },
    },
    {
      args: ['create', 'service', 'clusterip', 'web', '--tcp=80:8080'],
      printed: 'service/web created',
      get: ['service', 'web'],
      compare: true,
      check: (o) => {
        assert.equal(o.spec.type, 'ClusterIP');
        assert.deepEqual(o.spec.selector, { app: 'web' });
        assert.equal(o.spec.ports[0].port, 80);
        assert.equal(o.spec.ports[0].targetPort, 8080);
        assert.equal(o.spec.ports[0].name, '80-8080');
      },
    },
    {
      args: ['create', 'service', 'nodeport', 'np', '--tcp=80:8080'],
      printed: 'service/np created',
      get: ['service', 'np'],
      compare: true,
      check: (o) => assert.equal(o.spec.type, 'NodePort'),
    },
    {
      args: ['create', 'service', 'loadbalancer', 'lb', '--tcp=443:8443'],
      printed: 'service/lb created',
      get: ['service', 'lb'],
      compare: true,
      check: (o) => assert.equal(o.spec.type, 'LoadBalancer'),
    },
    {
      args: ['create', 'service', 'externalname', 'ext', '--external-name=example.com'],
      printed: 'service/ext created',
      get: ['service', 'ext'],
      compare: true,
      check: (o) => {
        assert.equal(o.spec.type, 'ExternalName');
        assert.equal(o.spec.externalName, 'example.com');
      },
    },
    {
      args: ['create', 'job', 'once', '--image=busybox', '--', 'echo', 'hi'],
      printed: 'job.batch/once created',
      get: ['job', 'once'],
      compare: true,
      check: (o) => {
        const pod = o.spec.template.spec;
        assert.deepEqual(pod.containers[0].command, ['echo', 'hi']);
        assert.equal(pod.restartPolicy, 'Never');
      },
    },
    {
      args: ['create', 'cronjob', 'tick', '--image=busybox', '--schedule=*/5 * * * *', '--', 'date'],
      printed: 'cronjob.batch/tick created',
      get: ['cronjob', 'tick'],
      compare: true,
      check: (o) => {
        assert.equal(o.spec.schedule, '*/5 * * * *');
        assert.equal(o.spec.jobTemplate.spec.template.spec.containers[0].image, 'busybox');
      },
    },
    {
      args: ['create', 'job', 'from-cron', '--from=cronjob/tick'],
      printed: 'job.batch/from-cron created',
      get: ['job', 'from-cron'],
      compare: true,
      check: (o) => {
        assert.equal(o.metadata.annotations['cronjob.kubernetes.io/instantiate'], 'manual');
        assert.equal(o.metadata.ownerReferences[0].kind, 'CronJob');
        assert.equal(o.metadata.ownerReferences[0].controller, true);
      },
    },
    {
      args: ['create', 'role', 'reader', '--verb=get,list', '--resource=pods,deployments.apps'],
      printed: 'role.rbac.authorization.k8s.io/reader created',
      get: ['role', 'reader'],
      compare: true,
      check: (o) =>
        assert.deepEqual(o.rules, [
          { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
          { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list'] },
        ]),
    },
    {
      args: ['create', 'rolebinding', 'reader', '--role=reader', '--user=alice', `--serviceaccount=${ns}:default`],
      printed: 'rolebinding.rbac.authorization.k8s.io/reader created',
      get: ['rolebinding', 'reader'],
      compare: true,
      check: (o) => {
        assert.deepEqual(o.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' });
        // (Tugboat's defaulting writes apiGroup: '' here, which Kubernetes' omitempty hides)
        assert.deepEqual([o.subjects[1].kind, o.subjects[1].name, o.subjects[1].namespace], ['ServiceAccount', 'default', ns]);
      },
    },
    {
      args: ['create', 'clusterrole', `nodes-${sfx}`, '--verb=get', '--resource=nodes'],
      printed: `clusterrole.rbac.authorization.k8s.io/nodes-${sfx} created`,
      get: ['clusterrole', `nodes-${sfx}`],
      compare: true,
      check: (o) => assert.deepEqual(o.rules, [{ apiGroups: [''], resources: ['nodes'], verbs: ['get'] }]),
    },
    {
      args: ['create', 'clusterrole', `agg-${sfx}`, '--aggregation-rule=rbac.example.com/aggregate=true'],
      printed: `clusterrole.rbac.authorization.k8s.io/agg-${sfx} created`,
      get: ['clusterrole', `agg-${sfx}`],
      compare: true,
      check: (o) =>
        assert.deepEqual(o.aggregationRule, { clusterRoleSelectors: [{ matchLabels: { 'rbac.example.com/aggregate': 'true' } }] }),
    },
    {
      args: ['create', 'clusterrolebinding', `nodes-${sfx}`, `--clusterrole=nodes-${sfx}`, '--group=devs'],
      printed: `clusterrolebinding.rbac.authorization.k8s.io/nodes-${sfx} created`,
      get: ['clusterrolebinding', `nodes-${sfx}`],
      compare: true,
      check: (o) => assert.deepEqual(o.subjects, [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'devs' }]),
    },
    {
      args: ['create', 'quota', 'compute', '--hard=cpu=1,memory=1G,pods=10', '--scopes=NotTerminating'],
      printed: 'resourcequota/compute created',
      get: ['quota', 'compute'],
      compare: true,
      check: (o) => {
        assert.deepEqual(o.spec.hard, { cpu: '1', memory: '1G', pods: '10' });
        assert.deepEqual(o.spec.scopes, ['NotTerminating']);
      },
    },
    {
      args: ['create', 'pdb', 'web', '--selector=app=web', '--min-available=1'],
      printed: 'poddisruptionbudget.policy/web created',
      get: ['pdb', 'web'],
      compare: true,
      check: (o) => {
        assert.equal(o.spec.minAvailable, 1);
        assert.deepEqual(o.spec.selector, { matchLabels: { app: 'web' } });
      },
    },
    {
      args: ['create', 'pdb', 'web-pct', '--selector=app=web', '--max-unavailable=50%'],
      printed: 'poddisruptionbudget.policy/web-pct created',
      get: ['pdb', 'web-pct'],
      compare: true,
      check: (o) => assert.equal(o.spec.maxUnavailable, '50%'),
    },
    {
      args: ['create', 'priorityclass', `high-${sfx}`, '--value=1000', '--description=important', '--preemption-policy=Never'],
      printed: `priorityclass.scheduling.k8s.io/high-${sfx} created`,
      get: ['priorityclass', `high-${sfx}`],
      compare: true,
      check: (o) => {
        assert.equal(o.value, 1000);
        assert.equal(o.description, 'important');
        assert.equal(o.preemptionPolicy, 'Never');
      },
    },
    {
      args: ['create', 'ingress', 'web', '--class=nginx', '--rule=foo.com/bar*=web:80,tls=web-tls'],
      printed: 'ingress.networking.k8s.io/web created',
      get: ['ingress', 'web'],
      compare: true,
      check: (o) => {
        assert.equal(o.spec.ingressClassName, 'nginx');
        assert.deepEqual(o.spec.tls, [{ hosts: ['foo.com'], secretName: 'web-tls' }]);
        assert.deepEqual(o.spec.rules[0].http.paths[0], {
          path: '/bar',
          pathType: 'Prefix',
          backend: { service: { name: 'web', port: { number: 80 } } },
        });
      },
    },
    {
      args: ['create', 'secret', 'tls', 'web-tls', `--cert=${join(pki, 'server.crt')}`, `--key=${join(pki, 'server.key')}`],
      printed: 'secret/web-tls created',
      get: ['secret', 'web-tls'],
      compare: true,
      check: (o) => {
        assert.equal(o.type, 'kubernetes.io/tls');
        assert.equal(o.data['tls.crt'], b64(readFileSync(join(pki, 'server.crt'))));
      },
    },
    {
      args: ['create', 'secret', 'docker-registry', 'reg', '--docker-server=r.example', '--docker-username=u', '--docker-password=p'],
      printed: 'secret/reg created',
      get: ['secret', 'reg'],
      compare: true,
      check: (o) => {
        assert.equal(o.type, 'kubernetes.io/dockerconfigjson');
        const cfg = JSON.parse(Buffer.from(o.data['.dockerconfigjson'], 'base64').toString());
        assert.deepEqual(cfg.auths['r.example'], { username: 'u', password: 'p', auth: b64('u:p') });
      },
    },
    {
      args: ['create', 'secret', 'generic', 'plain', '--from-literal=a=b', '--type=example.com/plain'],
      printed: 'secret/plain created',
      get: ['secret', 'plain'],
      compare: true,
      check: (o) => assert.deepEqual(o.data, { a: b64('b') }),
    },
    {
      args: ['create', 'configmap', 'settings', '--from-literal=mode=fast'],
      printed: 'configmap/settings created',
      get: ['configmap', 'settings'],
      compare: true,
      check: (o) => assert.deepEqual(o.data, { mode: 'fast' }),
    },
    {
      args: ['create', 'serviceaccount', 'robot'],
      printed: 'serviceaccount/robot created',
      get: ['serviceaccount', 'robot'],
      compare: true,
    },
    // run and expose go through the resource builder, which sends JSON; kept here as the other half of the story.
    {
      args: ['run', 'pod1', '--image=busybox', '--labels=app=pod1'],
      printed: 'pod/pod1 created',
      get: ['pod', 'pod1'],
      check: (o) => assert.equal(o.spec.containers[0].image, 'busybox'),
    },
    {
      args: ['expose', 'deployment', 'web', '--port=80', '--name=web-exposed'],
      printed: 'service/web-exposed exposed',
      get: ['service', 'web-exposed'],
      check: (o) => assert.deepEqual(o.spec.selector, { app: 'web' }),
    },
    {
      args: ['autoscale', 'deployment', 'web', '--max=5', '--min=2', '--cpu-percent=50'],
      printed: 'horizontalpodautoscaler.autoscaling/web autoscaled',
      get: ['hpa', 'web'],
      check: (o) => {
        assert.equal(o.spec.maxReplicas, 5);
        assert.equal(o.spec.minReplicas, 2);
        assert.equal(o.spec.scaleTargetRef.name, 'web');
      },
    },
    {
      args: ['create', 'token', 'robot', '--duration=1h'],
      printed: '',
      // a signed JWT (header.payload.signature); kubectl prints it without a trailing newline
    },
    {
      args: ['auth', 'can-i', 'get', 'pods'],
      printed: 'yes',
    },
  ];
}

describe('kubectl create (protobuf request bodies)', () => {
  let server: TugServer;
  let dir: string;
  before(async () => {
    server = await startTugServer();
    dir = mkdtempSync(join(tmpdir(), 'tug-kubectl-create-'));
  });
  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const v of VERSIONS) {
    it(`kubectl ${v}`, async (t) => {
      if (!requireTool(t, kubectlPath(v), 'the Google Cloud SDK kubectl components')) return;
      const cacheDir = mkdtempSync(join(dir, `kc-${v}-`));
      const ns = `pb-${v.replace('.', '-')}`;
      const k = (args: string[]) => kubectl(v, args, { kubeconfig: server.kubeconfig, cacheDir });

      const mk = await k(['create', 'namespace', ns]);
      assert.equal(mk.code, 0, mk.stderr);
      assert.equal(mk.stdout, `namespace/${ns} created\n`);

      for (const c of cases(v, ns, server)) {
        await t.test(c.args.join(' '), { todo: c.todo }, async () => {
          const out = await k(['-n', ns, ...c.args]);
          assert.doesNotMatch(out.stderr, /protobuf/, 'a protobuf body was refused');
          assert.equal(out.code, 0, out.stderr);
          if (c.printed) assert.equal(out.stdout, `${c.printed}\n`);
          else if (c.args[1] === 'token') assert.match(out.stdout, /^[\w-]+\.[\w-]+\.[\w-]+\n?$/);
          else assert.match(out.stdout, /^\S+\n$/);
          if (!c.get) return;
          const got = await k(['-n', ns, 'get', ...c.get, '-o', 'json']);
          assert.equal(got.code, 0, got.stderr);
          const stored = JSON.parse(got.stdout) as Obj;
          c.check?.(stored);
          if (c.compare) {
            // flags go before any `--`, which starts the container's command
            const cut = c.args.includes('--') ? c.args.indexOf('--') : c.args.length;
            const dry = await k(['-n', ns, ...c.args.slice(0, cut), '--dry-run=client', '-o', 'json', ...c.args.slice(cut)]);
            assert.equal(dry.code, 0, dry.stderr);
            assertSubset(stored, JSON.parse(dry.stdout));
          }
        });
      }
    });
  }
});
