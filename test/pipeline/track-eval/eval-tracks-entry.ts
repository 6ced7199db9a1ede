/**
 * A `wsol`-like entry with only the eval-tracks command, so its test runs the command end to end
 * (argument parsing, output, error reporting and exit code) before the lead wires it into src/cli.ts.
 */
import { Command } from 'commander';
import { registerEvalTracksCommand } from '../../../src/cli/eval-tracks-command.js';
import { reportFatal } from '../../../src/cli/report-error.js';

const program = new Command().name('wsol').option('--debug');
registerEvalTracksCommand(program);
program.exitOverride();
try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = reportFatal(error, process.argv.includes('--debug'));
}
