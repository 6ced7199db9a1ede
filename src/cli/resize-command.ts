/** `wsol resize`: bake another input size into a copy of a model folder (src/models/io/resize-folder.ts). */
import type { Command } from 'commander';
import { initBackend } from '../models/backend.js';
import { resizeModelFolder } from '../models/io/resize-folder.js';
import { WsolError } from '../errors.js';
import { inputSizeFlag } from '../option-parsers.js';

interface ResizeFlags {
  model: string;
  inputSize: string;
  out: string;
  force?: boolean;
}

export function registerResizeCommand(program: Command): void {
  program
    .command('resize')
    .description('write a copy of a model that runs at another square input size (choose it with `wsol eval --input-size`)')
    .requiredOption('--model <dir>', 'model folder written by `wsol train`')
    .requiredOption('--input-size <n>', 'new square input size in pixels')
    .requiredOption('--out <dir>', 'folder to write (the same as --model, with --force, resizes in place)')
    .option('--force', 'overwrite a model already in --out')
    .action(async (flags: ResizeFlags) => {
      const size = inputSizeFlag(flags.inputSize);
      if (size === undefined) throw new WsolError('usage', '--input-size is required.', { hint: 'Pass e.g. --input-size 128.' });
      await initBackend('wasm'); // any backend copies weights; wasm is quiet and always there
      const meta = await resizeModelFolder(flags.model, flags.out, size, { force: flags.force ?? false });
      process.stdout.write(`Wrote ${flags.out}: ${meta.method}, input ${meta.inputSize.join('x')}, maps ${meta.mapSize.join('x')}.\n`);
    });
}
