/** `wsol average`: a model whose weights are the average of several models of one network (src/models/io/average-folders.ts). */
import type { Command } from 'commander';
import { initBackend } from '../models/backend.js';
import { averageModelFolders } from '../models/io/average-folders.js';

interface AverageFlags {
  models: string;
  out: string;
  force?: boolean;
}

export function registerAverageCommand(program: Command): void {
  program
    .command('average')
    .description('write a model whose weights average those of several models of one network (e.g. fine-tunes of one model: a "model soup")')
    .requiredOption('--models <dir,dir,...>', 'two or more model folders of the same network (the first gives input size and wsol.json)')
    .requiredOption('--out <dir>', 'folder to write')
    .option('--force', 'overwrite a model already in --out')
    .action(async (flags: AverageFlags) => {
      await initBackend('wasm'); // any backend averages weights; wasm is quiet and always there
      const dirs = flags.models.split(',').map((d) => d.trim()).filter((d) => d.length > 0);
      const meta = await averageModelFolders(dirs, flags.out, { force: flags.force ?? false });
      process.stdout.write(`Wrote ${flags.out}: the average of ${dirs.length} ${meta.method} models, input ${meta.inputSize.join('x')}. Evaluate it with: wsol eval --model ${flags.out} --data DIR\n`);
    });
}
