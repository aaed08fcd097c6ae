// `tug up` (what `npm start` runs): a server in ./.tug with the defaults and a demo workload, for trying Tugboat
// out. Until the node agent runs real pods, the demo's pods run on simulated nodes.
import { Command } from 'commander';
import { resolve } from 'node:path';
import { flag } from './options.js';
import { runServer } from './server.js';

export function upCommand(): Command {
  return new Command('up')
    .description('start a server with a demo workload (data in ./.tug, API on 127.0.0.1:6443, 2 simulated nodes)')
    .addOption(flag('--data-dir <dir>', 'where the database, certificates and kubeconfig live', '.tug'))
    .addOption(flag('--listen <host:port>', 'address of the Kubernetes API', '127.0.0.1:6443'))
    .addOption(flag('--sim-nodes <n>', 'simulated nodes to run the demo pods on', '2'))
    .action(async (opts: { dataDir: string; listen: string; simNodes: string }) => {
      await runServer({
        dataDir: resolve(opts.dataDir),
        listen: opts.listen,
        store: 'sqlite',
        agent: true,
        verbose: 0,
        demo: true,
        simNodes: opts.simNodes,
      });
    });
}
