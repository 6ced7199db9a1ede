#!/usr/bin/env node
/**
 * The `wsol` command. Each subcommand lives in src/cli/<name>.ts and registers itself here; this
 * file only wires them and turns user errors into a one-paragraph message and a non-zero exit.
 */
import { Command } from 'commander';
import { registerConfigCommand } from './cli/config-command.js';
import { registerDatasetCommand } from './cli/dataset-command.js';
import { registerEvalCommand } from './cli/eval-command.js';
import { registerEvalTracksCommand } from './cli/eval-tracks-command.js';
import { registerRunCommand } from './cli/run-command.js';
import { registerResizeCommand } from './cli/resize-command.js';
import { registerAverageCommand } from './cli/average-command.js';
import { registerWidenCommand } from './cli/widen-command.js';
import { registerServeCommand } from './cli/serve-command.js';
import { registerTrainCommand } from './cli/train-command.js';
import { reportFatal } from './cli/report-error.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('wsol')
    .description('Streaming video localization with weakly supervised object localization (WSOL) models.')
    .option('--debug', 'print stack traces and ffmpeg details on errors')
    .showHelpAfterError('(run `wsol --help` for usage)')
    // Before the subcommands are added, so they inherit it (usage errors then exit with code 2 via reportFatal).
    .exitOverride();
  registerRunCommand(program);
  // TF.js and the worker pool load only when `serve` runs.
  registerServeCommand(program, async (config) => (await import('./pipeline/serve-pipeline.js')).startServePipeline(config));
  registerConfigCommand(program);
  registerDatasetCommand(program);
  registerTrainCommand(program);
  registerEvalCommand(program);
  registerEvalTracksCommand(program);
  registerResizeCommand(program);
  registerAverageCommand(program);
  registerWidenCommand(program);
  return program;
}

async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    process.exitCode = reportFatal(error, argv.includes('--debug'));
  }
}

void main(process.argv);
