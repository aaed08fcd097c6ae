// `tug up` (what `npm start` runs): a server in ./.tug with the node agent running real pods on this machine and
// the demo workload (examples/demo.yaml), then a short guide to look at it with kubectl. Ctrl-C stops the server
// and every pod; the next `tug up` finds the same cluster (same data dir) and starts the pods again.
import { Command } from 'commander';
import { resolve } from 'node:path';
import type { KubeObject } from '../api/object.js';
import { flag } from './options.js';
import { runServer, type ReadyInfo } from './server.js';

const deployments = { group: 'apps', version: 'v1', resource: 'deployments', namespaced: true };
const pods = { group: '', version: 'v1', resource: 'pods', namespaced: true };

export function upCommand(): Command {
  return new Command('up')
    .description('start a server with its node agent and a demo workload (data in ./.tug, API on 127.0.0.1:6443)')
    .addOption(flag('--data-dir <dir>', 'where the database, certificates, kubeconfig and pods live', '.tug'))
    .addOption(flag('--listen <host:port>', 'address of the Kubernetes API', '127.0.0.1:6443'))
    .addOption(flag('--sim-nodes <n>', 'also register N simulated nodes (pods there run without containers)', '0'))
    .addOption(flag('--no-agent', 'no node agent: the demo pods need --sim-nodes then'))
    .addOption(flag('--kubelet-port <port>', 'where the node agent serves logs/exec/attach/port-forward to the API server', '10250'))
    .addOption(flag('-v, --verbose', 'log more (-v info, -vv debug)').argParser((_v: string, prev: number | undefined) => (prev ?? 0) + 1))
    .action(async (opts: { dataDir: string; listen: string; simNodes: string; agent: boolean; kubeletPort: string; verbose?: number }) => {
      const started = Date.now();
      await runServer({
        dataDir: resolve(opts.dataDir),
        listen: opts.listen,
        store: 'sqlite',
        agent: opts.agent !== false,
        // The demo runs host commands: the process runtime, whatever the machine has.
        runtime: 'process',
        verbose: typeof opts.verbose === 'number' ? opts.verbose : 0,
        demo: true,
        simNodes: opts.simNodes,
        kubeletPort: opts.kubeletPort,
        onReady: (info) => printGuide(info, started),
      });
    });
}

function printGuide(info: ReadyInfo, started: number): void {
  const k = `KUBECONFIG=${info.kubeconfigPath}`;
  const lines = [
    '',
    'The demo: 3 replicas of a small HTTP server (run by this machine\'s node binary) behind a readiness probe, and a Service.',
    ...(info.podNetwork === 'host' ? ['(pods run on the host network here, so the demo has 1 replica: see the warning above)'] : []),
    'Look at it with kubectl:',
    '',
    `  export ${k}`,
    '  kubectl -n demo get pods -o wide',
    '  kubectl -n demo logs deploy/hello',
    '  kubectl -n demo port-forward deploy/hello 8080:8080      # then: curl http://127.0.0.1:8080/',
    '  kubectl -n demo exec deploy/hello -- env',
    '  kubectl -n demo scale deploy/hello --replicas=5',
    '',
    'Ctrl-C stops Tugboat and every pod; `npm start` again finds the same cluster.',
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');
  // Tell when the demo is up: pods that turned Ready since this start (a restart finds old Ready statuses).
  const since = Math.floor(started / 1000) * 1000;
  void (async () => {
    for (let i = 0; i < 240; i++) {
      const d = await info.client.get<KubeObject & { spec?: { replicas?: number } }>(deployments, 'demo', 'hello').catch(() => undefined);
      const list = await info.client.list<KubeObject & { status?: { conditions?: { type: string; status: string; lastTransitionTime?: string }[] } }>(pods, 'demo', { labelSelector: 'app=hello' }).catch(() => undefined);
      const want = d?.spec?.replicas ?? 0;
      const fresh = (list?.items ?? []).filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True' && Date.parse(c.lastTransitionTime ?? '') >= since));
      if (want > 0 && fresh.length >= want) {
        process.stdout.write(`tug: demo ready: ${want}/${want} pods of deploy/hello answer (${((Date.now() - started) / 1000).toFixed(1)} s after start)\n`);
        return;
      }
      await new Promise((r) => setTimeout(r, 500).unref());
    }
  })();
}