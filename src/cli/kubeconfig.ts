// `tug kubeconfig`: prints the admin kubeconfig that `tug server` wrote.
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defaultDataDir, flag } from './options.js';

export function kubeconfigPath(dataDir: string): string {
  return join(dataDir, 'kubeconfig.yaml');
}

export function kubeconfigCommand(): Command {
  return new Command('kubeconfig')
    .description('print the admin kubeconfig of a server (use: tug kubeconfig > ~/.kube/config)')
    .addOption(flag('--data-dir <dir>', 'the data dir the server was started with', defaultDataDir()))
    .action((opts: { dataDir: string }) => {
      const file = kubeconfigPath(resolve(opts.dataDir));
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        throw new Error(`no kubeconfig at ${file}: start \`tug server --data-dir ${opts.dataDir}\` first`);
      }
      process.stdout.write(text);
    });
}
