// `tug sim`: simulated nodes joining a running cluster from another process (kwok-style), for scale tests
// and for trying schedulers and controllers without containers. It speaks only the API, like a remote agent.
import { Command } from 'commander';
import { setMaxListeners } from 'node:events';
import { resolve } from 'node:path';
import { SharedInformerFactory, clientFromKubeconfig } from '../client/index.js';
import { startSimNodes, DEFAULT_CAPACITY } from '../sim/index.js';
import { realClock } from '../util/clock.js';
import { createLogger } from '../util/logger.js';
import { flag } from './options.js';

interface SimOptions {
  kubeconfig: string;
  nodes: string;
  namePrefix: string;
  startIndex: string;
  cpu: string;
  memory: string;
  pods: string;
  verbose?: boolean;
}

export function simCommand(): Command {
  return new Command('sim')
    .description('register simulated nodes (pods run through data-driven stages, no containers) with a cluster')
    .addOption(flag('--kubeconfig <path>', 'the cluster to join (e.g. DATA/kubeconfig.yaml of a tug server)', 'kubeconfig.yaml'))
    .addOption(flag('--nodes <n>', 'how many nodes', '10'))
    .addOption(flag('--name-prefix <prefix>', 'node names are prefix + index', 'sim-'))
    .addOption(flag('--start-index <i>', 'first index (so several groups can share a cluster)', '0'))
    .addOption(flag('--cpu <quantity>', 'CPU capacity of each node', DEFAULT_CAPACITY.cpu))
    .addOption(flag('--memory <quantity>', 'memory capacity of each node', DEFAULT_CAPACITY.memory))
    .addOption(flag('--pods <n>', 'pod capacity of each node', DEFAULT_CAPACITY.pods))
    .addOption(flag('-v, --verbose', 'log more'))
    .action(async (o: SimOptions) => {
      const count = Number(o.nodes);
      const startIndex = Number(o.startIndex);
      if (!Number.isInteger(count) || count < 1) throw new Error(`--nodes ${JSON.stringify(o.nodes)} is not a whole number >= 1`);
      if (!Number.isInteger(startIndex) || startIndex < 0) throw new Error(`--start-index ${JSON.stringify(o.startIndex)} is not a whole number >= 0`);
      const logger = createLogger({ level: o.verbose ? 'info' : 'warn', component: 'tug-sim' });
      const client = clientFromKubeconfig(resolve(o.kubeconfig));
      const stop = new AbortController();
      setMaxListeners(500, stop.signal);
      const informers = new SharedInformerFactory({ client, logger });
      const sim = await startSimNodes({
        client,
        informers,
        clock: realClock,
        logger,
        signal: stop.signal,
        count,
        namePrefix: o.namePrefix,
        startIndex,
        capacity: { ...DEFAULT_CAPACITY, cpu: o.cpu, memory: o.memory, pods: o.pods },
      });
      process.stdout.write(`tug sim: ${count} simulated nodes registered (${sim.names[0]} ... ${sim.names.at(-1)}); Ctrl-C stops them\n`);
      await new Promise<void>((done) => {
        process.once('SIGTERM', () => done());
        process.once('SIGINT', () => done());
      });
      stop.abort();
      await Promise.race([sim.done, realClock.sleep(5000)]);
    });
}
