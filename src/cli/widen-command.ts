/** `wsol widen`: a wider copy of a model that computes the same function (src/models/io/widen-folder.ts). */
import type { Command } from 'commander';
import { initBackend } from '../models/backend.js';
import { widenModelFolder } from '../models/io/widen-folder.js';
import { WsolError } from '../errors.js';
import { listFlag, numberFlag } from '../option-parsers.js';

interface WidenFlags {
  model: string;
  out: string;
  widths?: string;
  headWidth?: string;
  seed?: string;
  force?: boolean;
}

export function registerWidenCommand(program: Command): void {
  program
    .command('widen')
    .description('write a wider copy of a model (more channels per stage or in the head) with the same outputs, to train on with more capacity (`wsol train --init`)')
    .requiredOption('--model <dir>', 'model folder written by `wsol train`')
    .requiredOption('--out <dir>', 'folder to write')
    .option('--widths <c1,c2,...>', 'new channels per backbone stage, each at least the current one')
    .option('--head-width <n>', 'new channels of the head convs')
    .option('--seed <n>', 'seed of the channel copies and weight shares', '1')
    .option('--force', 'overwrite a model already in --out')
    .action(async (flags: WidenFlags) => {
      const widths = listFlag(flags.widths, '--widths');
      const headWidth = numberFlag(flags.headWidth, '--head-width', true);
      if (!widths && headWidth === undefined) throw new WsolError('usage', 'Nothing to widen.', { hint: 'Pass --widths and/or --head-width.' });
      await initBackend('wasm'); // any backend copies weights; wasm is quiet and always there
      const { meta, widened } = await widenModelFolder(flags.model, flags.out, {
        ...(widths ? { widths } : {}), ...(headWidth !== undefined ? { headWidth } : {}),
        seed: numberFlag(flags.seed, '--seed', true) ?? 1, force: flags.force ?? false,
      });
      process.stdout.write(`Wrote ${flags.out}: ${meta.method}, widened ${widened.join(', ')}.\n`);
      const net = meta.network;
      if (net) process.stdout.write(`Train it on with: wsol train --init ${flags.out} --widths ${net.backbone.widths.join(',')} --head-width ${net.head.width} ...\n`);
    });
}
