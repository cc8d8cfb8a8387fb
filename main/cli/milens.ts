// The `milens` command: parses arguments, runs one subcommand, exits non-zero with a message that names
// the problem on any error.
import { Command, CommanderError } from 'commander';
import { packageVersion } from '../system/package-info.js';
import { COMMANDS } from './commands/index.js';
import { exitCodeFor, reportError } from './shell.js';

export function buildProgram(): Command {
  const program = new Command()
    .name('milens')
    .description('Private, on-device search and feature selection scored by mutual information.')
    .version(packageVersion(), '-v, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  for (const register of COMMANDS) register(program);
  return program;
}

export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram();
  const json = argv.includes('--json');
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit through here with code 0; usage errors were already printed by commander.
      return error.exitCode === 0 ? 0 : 2;
    }
    reportError(error, json);
    return exitCodeFor(error);
  }
}
