// `tug up` (what `npm start` runs): a server in ./.tug with the defaults, for trying Tugboat out.
import { Command } from 'commander';
import { resolve } from 'node:path';
import { flag } from './options.js';
import { runServer } from './server.js';

export function upCommand(): Command {
  return new Command('up')
    .description('start a server for trying Tugboat out (data in ./.tug, API on 127.0.0.1:6443)')
    .addOption(flag('--data-dir <dir>', 'where the database, certificates and kubeconfig live', '.tug'))
    .addOption(flag('--listen <host:port>', 'address of the Kubernetes API', '127.0.0.1:6443'))
    .action(async (opts: { dataDir: string; listen: string }) => {
      await runServer({ dataDir: resolve(opts.dataDir), listen: opts.listen, store: 'sqlite', agent: true, verbose: 0, demo: true });
    });
}
