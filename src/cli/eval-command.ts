/**
 * `wsol eval`: the WSOL metrics of a model folder on a data set (src/models/evaluation):
 * thresholds chosen on the validation split, the report on the test split, as a table or JSON;
 * optionally written to a file (--out) and with overlay pictures (--vis).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { WsolError } from '../errors.js';
import { openDataset } from '../models/data/datasets/open-dataset.js';
import { evaluateModel } from '../models/evaluation/evaluator.js';
import { formatReport } from '../models/evaluation/report-table.js';
import type { EvalSize } from '../models/evaluation/split-pass.js';
import { writeVisualizations } from '../models/evaluation/vis.js';
import { initBackend } from '../models/backend.js';
import { loadLocalizer, type LocalizerOptions } from '../models/localizer.js';
import type { MethodName } from '../models/methods/method.js';
import { getMethod } from '../models/methods/registry.js';
import { inputSizeFlag, numberFlag } from '../option-parsers.js';
import { Progress } from './progress.js';
import { parseBackend } from './train-command.js';

interface EvalFlags {
  model: string;
  data: string;
  split: string;
  valSplit: string;
  method?: string;
  layer?: string;
  json?: boolean;
  out?: string;
  vis?: string;
  n: string;
  batch: string;
  evalSize: string;
  tauInterval: string;
  limit?: string;
  skipBad?: boolean;
  backend: string;
  allowSoftwareGpu?: boolean;
  inputSize?: string;
}

export function parseEvalSize(text: string): EvalSize {
  if (text === 'image') return 'image';
  const m = /^(\d+)(?:x(\d+))?$/.exec(text.trim());
  const w = m ? Number(m[1]) : NaN;
  const h = m ? Number(m[2] ?? m[1]) : NaN;
  if (!m || w < 8 || h < 8 || w > 4096 || h > 4096) {
    throw new WsolError('usage', `--eval-size "${text}" is not a size.`, { hint: 'Pass 224 (wsolevaluation), WxH, or "image" for each image\'s own size.' });
  }
  return [w, h];
}

/** --method and --layer as Localizer options (the layer goes to dgl or gradcam). */
export function localizerOptions(method: string | undefined, layer: string | undefined): LocalizerOptions {
  const options: LocalizerOptions = {};
  if (method !== undefined) options.method = getMethod(method).name as MethodName;
  if (layer !== undefined) {
    const layers = layer.split(',').map((l) => l.trim()).filter((l) => l.length > 0);
    if (layers.length === 0) throw new WsolError('usage', '--layer is empty.', { hint: 'Pass a layer name, e.g. --layer stage3_out.' });
    const m = options.method;
    if (m === 'gradcam') {
      if (layers.length > 1) throw new WsolError('usage', 'gradcam takes one --layer.', { hint: 'Pass a single layer name, or use --method dgl to fuse several.' });
      options.gradcamLayer = layers[0]!;
    } else if (m === 'dgl') {
      options.dglLayers = layers;
    } else {
      throw new WsolError('usage', '--layer needs --method dgl or --method gradcam.', { hint: 'For example: --method dgl --layer stage3_out,stage4_out.' });
    }
  }
  return options;
}

export function registerEvalCommand(program: Command): void {
  program
    .command('eval')
    .description('WSOL metrics of a model: thresholds chosen on val, reported on test (Top-1 Cls/Loc, GT-known Loc, MaxBoxAcc, MaxBoxAccV2, PxAP)')
    .requiredOption('--model <dir>', 'model folder (written by `wsol train`, or a TF.js classifier with a wsol.json)')
    .requiredOption('--data <dir>', 'data set folder with boxes (wsolevaluation layout or CUB-200-2011)')
    .option('--split <name>', 'split to report', 'test')
    .option('--val-split <name>', 'split that chooses the thresholds', 'val')
    .option('--method <name>', 'map method instead of the model\'s (e.g. dgl or gradcam on a cam classifier)')
    .option('--layer <names>', 'layer(s) for --method dgl (comma-separated, fused) or gradcam (one)')
    .option('--json', 'print the report as JSON')
    .option('--out <file>', 'also write the JSON report to this file')
    .option('--vis <dir>', 'write overlay pictures of the first test images into this folder')
    .option('--n <count>', 'pictures for --vis', '16')
    .option('--input-size <n>', 'square network input instead of the trained size (fully convolutional models; images are resized to it)')
    .option('--batch <n>', 'images per model call', '32')
    .option('--eval-size <size>', 'map size for the metrics: 224 (wsolevaluation), WxH, or "image"', '224')
    .option('--tau-interval <x>', 'threshold grid step (wsolevaluation: 0.01 standalone, 0.001 in training)', '0.01')
    .option('--limit <n>', 'only the first n images of each split (quick looks)')
    .option('--skip-bad', 'skip unreadable images (they are counted) instead of stopping')
    .option('--backend <name>', 'TF.js backend: auto | tensorflow | webgpu | wasm | cpu', 'auto')
    .option('--allow-software-gpu', 'let the webgpu backend use a software adapter')
    .action(async (flags: EvalFlags) => {
      const evalSize = parseEvalSize(flags.evalSize);
      const batch = numberFlag(flags.batch, '--batch', true)!;
      const n = numberFlag(flags.n, '--n', true)!;
      const limit = numberFlag(flags.limit, '--limit', true);
      const tauInterval = numberFlag(flags.tauInterval, '--tau-interval')!;
      if (batch < 1 || n < 0 || (limit !== undefined && limit < 1) || !(tauInterval > 0 && tauInterval <= 0.5)) {
        throw new WsolError('usage', 'Check --batch (>= 1), --n (>= 0), --limit (>= 1) and --tau-interval (0 < x <= 0.5).', { hint: 'For example: --batch 32 --n 16 --tau-interval 0.01.' });
      }
      const options = localizerOptions(flags.method, flags.layer);
      const inputSize = inputSizeFlag(flags.inputSize);
      if (inputSize !== undefined) options.inputSize = inputSize;
      const dataset = openDataset(flags.data);
      const backend = await initBackend(parseBackend(flags.backend), { allowSoftwareGpu: flags.allowSoftwareGpu ?? false });
      if (!flags.json) process.stderr.write(`TF.js backend: ${backend.name} (${backend.detail})\n`);
      const localizer = await loadLocalizer(flags.model, options);
      let progress: Progress | undefined;
      let current = '';
      let lastDone = 0;
      try {
        const result = await evaluateModel(localizer, dataset, {
          valSplit: flags.valSplit, testSplit: flags.split, evalSize, batch, tauInterval, skipBad: flags.skipBad ?? false,
          ...(limit !== undefined ? { limit } : {}),
          keep: flags.vis ? n : 0,
          onProgress: (split, done, total) => {
            if (split !== current) {
              progress?.finish();
              current = split;
              progress = new Progress({ label: `eval ${split}`, total, unit: 'images', logIntervalMs: 30_000 });
              lastDone = 0;
            }
            progress!.tick(done - lastDone);
            lastDone = done;
          },
        });
        progress?.finish();
        const report = result.report;
        report.model.dir = resolve(flags.model);
        report.model.layers = localizer.layerNames;
        if (flags.vis) {
          const tau = result.chosen?.loc.tau ?? 0.5;
          const entries = writeVisualizations(resolve(flags.vis), result.kept, tau);
          if (!flags.json) process.stderr.write(`Wrote ${entries.length} pictures to ${resolve(flags.vis)} (true boxes green, predicted red; tau ${tau.toFixed(2)}).\n`);
        }
        const json = `${JSON.stringify(report, null, 2)}\n`;
        if (flags.out) {
          mkdirSync(dirname(resolve(flags.out)), { recursive: true });
          writeFileSync(resolve(flags.out), json);
        }
        process.stdout.write(flags.json ? json : formatReport(report));
      } finally {
        localizer.dispose();
      }
    });
}
