// The `tug` command line: parses flags (with TUG_* environment twins) and hands over to one subcommand.
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { serverCommand } from './server.js';
import { kubeconfigCommand } from './kubeconfig.js';
import { upCommand } from './up.js';
import { simCommand } from './sim.js';
import { agentCommand } from './agent.js';
import { imagesCommand } from './images.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export function buildProgram(): Command {
  const program = new Command('tug')
    .description('Tugboat: a Kubernetes-compatible orchestrator in one small program')
    .version(version(), '--version', 'print the version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  program.addCommand(serverCommand());
  program.addCommand(agentCommand());
  program.addCommand(upCommand());
  program.addCommand(kubeconfigCommand());
  program.addCommand(simCommand());
  program.addCommand(imagesCommand());
  return program;
}

/** Runs the command and resolves to the process exit code. */
export async function run(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    process.stderr.write(`tug: error: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
