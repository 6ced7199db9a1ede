/**
 * `wsol dataset video` (the demo clip with MOT ground truth) and `wsol dataset synth` (the
 * synthetic WSOL data set in the wsolevaluation layout).
 */
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { generateSynthDataset, SYNTH_DEFAULTS } from '../models/data/synth-dataset.js';
import { optionalWholeNumber, parseSize } from '../option-parsers.js';
import { writeDemoClip } from '../pipeline/demo/demo-clip.js';
import { DEMO_DEFAULTS, validateDemoParams } from '../pipeline/demo/demo-params.js';
import { resolveFfmpeg } from '../pipeline/ffmpeg.js';
import { Progress } from './progress.js';

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

interface VideoOptions {
  out: string;
  seed?: string;
  frames?: string;
  size?: string;
  fps?: string;
  images?: boolean;
}

interface SynthOptions {
  out: string;
  seed?: string;
  size?: string;
  train?: string;
  val?: string;
  test?: string;
  classes?: string;
  force?: boolean;
}

export function registerDatasetCommand(program: Command): void {
  const dataset = program.command('dataset').description('generate data: the demo video clip and the synthetic WSOL training set');

  dataset
    .command('video')
    .description('write the demo clip (moving handwritten digits on clutter) with MOTChallenge ground truth')
    .requiredOption('--out <dir>', 'output folder (a MOT sequence folder: demo.mp4, gt/gt.txt, seqinfo.ini)')
    .option('--seed <n>', `random seed (default ${DEMO_DEFAULTS.seed})`)
    .option('--frames <n>', `number of frames (default ${DEMO_DEFAULTS.frames})`)
    .option('--size <WxH>', `frame size, even numbers (default ${DEMO_DEFAULTS.width}x${DEMO_DEFAULTS.height})`)
    .option('--fps <n>', `frame rate (default ${DEMO_DEFAULTS.fps})`)
    .option('--images', 'also write every frame as img1/NNNNNN.png')
    .action(async (options: VideoOptions) => {
      const size = options.size === undefined ? {} : parseSize(options.size, '--size');
      const params = validateDemoParams({
        seed: optionalWholeNumber(options.seed, '--seed'),
        frames: optionalWholeNumber(options.frames, '--frames'),
        fps: optionalWholeNumber(options.fps, '--fps'),
        ...size,
      });
      const out = resolve(options.out);
      const ffmpeg = resolveFfmpeg();
      const progress = new Progress({ label: 'demo clip', total: params.frames, unit: 'frames' });
      const result = await writeDemoClip(params, out, {
        ffmpeg,
        images: options.images ?? false,
        command: `wsol dataset video --out ${options.out} --seed ${params.seed} --frames ${params.frames} --size ${params.width}x${params.height} --fps ${params.fps}${options.images ? ' --images' : ''}`,
        onFrame: () => progress.tick(),
      });
      progress.finish();
      process.stdout.write(
        `Wrote the demo clip to ${out} in ${seconds(result.ms)}: ${params.frames} frames, ${params.width}x${params.height} at ${params.fps} fps, ${result.codec}, ${result.objects} objects.\n` +
          `  video         ${result.video}\n  ground truth  ${result.gt} (MOTChallenge: frame,id,x,y,w,h,conf,class,visibility)\n  classes       ${result.classes}\n  seqinfo       ${result.seqinfo}\n`,
      );
    });

  dataset
    .command('synth')
    .description('write the synthetic WSOL data set (cluttered handwritten digits, boxes and masks) in the wsolevaluation layout')
    .requiredOption('--out <dir>', 'output folder (new or empty, or an earlier synthetic set with --force)')
    .option('--seed <n>', `random seed (default ${SYNTH_DEFAULTS.seed})`)
    .option('--size <n>', `square image side in pixels (default ${SYNTH_DEFAULTS.size})`)
    .option('--train <n>', `training images (default ${SYNTH_DEFAULTS.train})`)
    .option('--val <n>', `validation images (default ${SYNTH_DEFAULTS.val})`)
    .option('--test <n>', `test images (default ${SYNTH_DEFAULTS.test})`)
    .option('--classes <n>', `number of classes, the digits 0..n-1 (default ${SYNTH_DEFAULTS.classes})`)
    .option('--force', 'replace an existing synthetic data set in --out')
    .action((options: SynthOptions) => {
      const args = {
        seed: optionalWholeNumber(options.seed, '--seed'),
        size: optionalWholeNumber(options.size, '--size'),
        train: optionalWholeNumber(options.train, '--train'),
        val: optionalWholeNumber(options.val, '--val'),
        test: optionalWholeNumber(options.test, '--test'),
        classes: optionalWholeNumber(options.classes, '--classes'),
      };
      const command = `wsol dataset synth --out ${options.out} --seed ${args.seed ?? SYNTH_DEFAULTS.seed} --size ${args.size ?? SYNTH_DEFAULTS.size} --train ${args.train ?? SYNTH_DEFAULTS.train} --val ${args.val ?? SYNTH_DEFAULTS.val} --test ${args.test ?? SYNTH_DEFAULTS.test} --classes ${args.classes ?? SYNTH_DEFAULTS.classes}`;
      const progress = new Progress({ label: 'synth', unit: 'images' });
      const result = generateSynthDataset({
        out: options.out,
        ...args,
        force: options.force ?? false,
        command,
        onProgress: (_done, total) => {
          progress.setTotal(total);
          progress.tick();
        },
      });
      progress.finish();
      const { train, val, test } = result.counts;
      process.stdout.write(
        `Wrote the synthetic data set to ${result.out} in ${seconds(result.ms)}: ${train} train, ${val} val, ${test} test images, ${result.size}x${result.size}, ${result.classes} classes, seed ${result.seed}.\n` +
          `  images ${result.out}/images/<split>/, masks ${result.out}/masks/<split>/, metadata ${result.out}/metadata/<split>/ (wsolevaluation layout; see README.txt)\n`,
      );
    });
}
