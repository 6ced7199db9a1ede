/**
 * `wsol train`: trains a WSOL model from image-level labels (src/models/training/trainer.ts) into
 * a model folder, with a progress bar on stderr, one summary line per epoch on stdout, a checkpoint
 * every epoch and --resume. Ctrl-C stops after the current step; --resume continues from the last
 * finished epoch.
 */
import type { Command } from 'commander';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { WsolError } from '../errors.js';
import { BACKEND_CHOICES, type BackendChoice, initBackend } from '../models/backend.js';
import type { EpochRecord } from '../models/training/checkpoint.js';
import { MAX_TRAIN_WORKERS, TRAIN_DEFAULTS, type TrainConfigInput } from '../models/training/config.js';
import { trainModel } from '../models/training/trainer.js';
import { listFlag, numberFlag } from '../option-parsers.js';
import { formatDuration, Progress } from './progress.js';

/** Outside a terminal (a log file), a progress line this often: epochs take tens of minutes. */
const TRAIN_LOG_INTERVAL_MS = 60_000;

interface TrainFlags {
  data: string;
  out: string;
  method?: string;
  epochs?: string;
  batch?: string;
  lr?: string;
  optimizer?: string;
  weightDecay?: string;
  momentum?: string;
  schedule?: string;
  milestones?: string;
  warmupSteps?: string;
  seed?: string;
  size?: string;
  backbone?: string;
  widths?: string;
  convsPerStage?: string;
  strides?: string;
  headWidth?: string;
  flip?: boolean;
  crop?: boolean;
  cropScale?: string;
  jitter?: boolean;
  valEvery?: string;
  valSplit?: string;
  valImages?: string;
  trainSplit?: string;
  limit?: string;
  methodOptions?: string;
  init?: string;
  teacher?: string;
  resume?: boolean;
  force?: boolean;
  skipBad?: boolean;
  keepCheckpoint?: boolean;
  backend: string;
  allowSoftwareGpu?: boolean;
  cacheMb?: string;
  workers?: string;
}

export function parseBackend(text: string): BackendChoice {
  if (!BACKEND_CHOICES.includes(text as BackendChoice)) {
    throw new WsolError('usage', `--backend "${text}" is not a TF.js backend.`, { hint: `Use one of: ${BACKEND_CHOICES.join(', ')}.` });
  }
  return text as BackendChoice;
}

function methodOptions(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new WsolError('usage', `--method-options must be a JSON object, got ${text}.`, { hint: `Pass e.g. --method-options '{"someSwitch": false}'.` });
}

export function trainInput(f: TrainFlags): TrainConfigInput {
  const input: TrainConfigInput = { data: f.data };
  const set = <K extends keyof TrainConfigInput>(key: K, value: TrainConfigInput[K] | undefined): void => {
    if (value !== undefined) input[key] = value;
  };
  set('method', f.method);
  set('epochs', numberFlag(f.epochs, '--epochs', true));
  set('batch', numberFlag(f.batch, '--batch', true));
  set('lr', numberFlag(f.lr, '--lr'));
  set('optimizer', f.optimizer);
  set('weightDecay', numberFlag(f.weightDecay, '--weight-decay'));
  set('momentum', numberFlag(f.momentum, '--momentum'));
  set('schedule', f.schedule);
  set('milestones', listFlag(f.milestones, '--milestones'));
  set('warmupSteps', numberFlag(f.warmupSteps, '--warmup-steps', true));
  set('seed', numberFlag(f.seed, '--seed', true));
  set('size', numberFlag(f.size, '--size', true));
  set('backbone', f.backbone);
  set('widths', listFlag(f.widths, '--widths'));
  set('convsPerStage', numberFlag(f.convsPerStage, '--convs-per-stage', true));
  set('strides', listFlag(f.strides, '--strides'));
  set('headWidth', numberFlag(f.headWidth, '--head-width', true));
  set('flip', f.flip);
  set('crop', f.crop);
  set('cropScale', listFlag(f.cropScale, '--crop-scale', false));
  set('jitter', f.jitter);
  set('valEvery', numberFlag(f.valEvery, '--val-every', true));
  set('valSplit', f.valSplit);
  set('valImages', numberFlag(f.valImages, '--val-images', true));
  set('trainSplit', f.trainSplit);
  set('limit', numberFlag(f.limit, '--limit', true));
  set('methodOptions', methodOptions(f.methodOptions));
  set('init', f.init === undefined ? undefined : resolve(f.init));
  set('teacher', f.teacher === undefined ? undefined : resolve(f.teacher));
  set('workers', f.workers === 'auto' ? Math.min(availableParallelism(), MAX_TRAIN_WORKERS) : numberFlag(f.workers, '--workers', true));
  return input;
}

export function formatEpoch(r: EpochRecord, epochs: number): string {
  const parts = [
    `epoch ${r.epoch}/${epochs}`,
    `loss ${r.loss.toFixed(4)}`,
    ...Object.entries(r.terms).filter(([k]) => Object.keys(r.terms).length > 1 || k !== 'ce').map(([k, v]) => `${k} ${v.toFixed(4)}`),
    `train acc ${r.trainAcc.toFixed(1)}%`,
  ];
  if (r.val) {
    parts.push(`val top-1 ${r.val.top1.toFixed(1)}%`);
    if (r.val.maxBoxAccV2 !== undefined) parts.push(`val MaxBoxAccV2 ${r.val.maxBoxAccV2.toFixed(1)}`);
  }
  parts.push(`lr ${r.lr.toExponential(2)}`, `${r.imagesPerSecond.toFixed(1)} img/s`, `${r.seconds.toFixed(0)} s`);
  return parts.join('  ');
}

export function registerTrainCommand(program: Command): void {
  program
    .command('train')
    .description('train a WSOL model from image-level labels (never boxes) into a model folder')
    .requiredOption('--data <dir>', 'data set folder (wsolevaluation layout, CUB-200-2011 or an image folder)')
    .requiredOption('--out <dir>', 'model folder to write (e.g. models/mine); a checkpoint is kept in <dir>/checkpoint until the run ends')
    .option('--method <name>', 'cam | gradcam | dgl (one classifier; the method is recorded for inference) | icl | spa2net (default cam)')
    .option('--epochs <n>', `epochs (default ${TRAIN_DEFAULTS.epochs})`)
    .option('--batch <n>', `batch size (default ${TRAIN_DEFAULTS.batch})`)
    .option('--lr <x>', 'base learning rate (default 0.001 for adam, 0.02 for sgd); each parameter group multiplies it')
    .option('--optimizer <name>', 'adam (AdamW, default) | sgd (Nesterov momentum)')
    .option('--weight-decay <x>', 'weight decay on conv/dense kernels (default 1e-4 adam, 5e-4 sgd)')
    .option('--momentum <x>', 'SGD momentum (default 0.9)')
    .option('--schedule <name>', 'cosine (default) | step | constant')
    .option('--milestones <e1,e2>', 'epochs where the step schedule multiplies the rate by 0.1')
    .option('--warmup-steps <n>', 'linear warm-up steps (default 0)')
    .option('--seed <n>', `seed of weights, shuffles and augmentation (default ${TRAIN_DEFAULTS.seed})`)
    .option('--size <n>', `square network input in pixels (default ${TRAIN_DEFAULTS.size})`)
    .option('--backbone <preset>', `backbone preset (default ${TRAIN_DEFAULTS.backbone})`)
    .option('--widths <c1,c2,...>', 'per-stage channels instead of the preset\'s')
    .option('--convs-per-stage <n>', '3x3 convs per stage instead of the preset\'s')
    .option('--strides <s1,s2,...>', 'per-stage strides (1 or 2, the last 1) instead of max-pools, e.g. 2,2,1,1 for 24x24 maps at 96')
    .option('--head-width <n>', 'channels of the class-map head (default 128)')
    .option('--flip', 'random horizontal flips (default: what the data set says; off for the synthetic digits)')
    .option('--no-flip', 'no horizontal flips')
    .option('--crop', 'random resized crops, scale 0.6-1, aspect 3/4-4/3 (default on)')
    .option('--no-crop', 'no random crops')
    .option('--crop-scale <lo,hi>', 'area fraction range of the random crops (default 0.6,1); e.g. 0.85,1 cuts objects less often')
    .option('--jitter', 'colour jitter: brightness, contrast, saturation +-30% (default on)')
    .option('--no-jitter', 'no colour jitter')
    .option('--val-every <n>', 'validate every n epochs, 0 = never (default 1)')
    .option('--val-split <name>', 'validation split (default val)')
    .option('--val-images <n>', `validation images per check (default ${TRAIN_DEFAULTS.valImages})`)
    .option('--train-split <name>', 'training split (default train)')
    .option('--limit <n>', 'use only the first n training images (quick runs)')
    .option('--method-options <json>', 'method switches as a JSON object (ICL / SPA2Net components)')
    .option('--init <dir>', 'start from the weights of this model folder (layers matched by name and shape), e.g. a cam model to seed icl or spa2net')
    .option('--teacher <dir>', 'spa2net: also pull the SOS map towards this trained spa2net model\'s (distillation, weight distillWeight in --method-options, default 1); keeps the maps while a model trains on')
    .option('--resume', 'continue the unfinished run in --out from its last epoch (its saved settings are used)')
    .option('--force', 'overwrite a model or checkpoint already in --out')
    .option('--skip-bad', 'skip unreadable images (they are counted) instead of stopping')
    .option('--keep-checkpoint', 'keep <out>/checkpoint after the last epoch')
    .option('--workers <n|auto>', 'threads sharing each batch on the wasm/cpu backends (data-parallel; auto = one per core; default 1)')
    .option('--backend <name>', `TF.js backend: ${BACKEND_CHOICES.join(' | ')}`, 'auto')
    .option('--allow-software-gpu', 'let the webgpu backend use a software adapter')
    .option('--cache-mb <n>', 'keep decoded training images in memory up to this size (default 3072)')
    .action(async (flags: TrainFlags) => {
      const input = trainInput(flags);
      const cacheMb = numberFlag(flags.cacheMb, '--cache-mb', true);
      const backend = await initBackend(parseBackend(flags.backend), { allowSoftwareGpu: flags.allowSoftwareGpu ?? false });
      process.stderr.write(`TF.js backend: ${backend.name} (${backend.detail})\n`);
      const abort = new AbortController();
      let interrupts = 0;
      const onSigint = (): void => {
        interrupts++;
        if (interrupts > 1) process.exit(130);
        process.stderr.write('\nStopping after this step (Ctrl-C again to quit now); continue later with --resume.\n');
        abort.abort();
      };
      process.on('SIGINT', onSigint);
      let progress: Progress | undefined;
      let epochs = 0;
      // For the whole-run ETA: images trained in this process, and how many remain.
      const runStarted = Date.now();
      let trained = 0;
      let remaining = 0;
      try {
        const result = await trainModel({
          input,
          out: flags.out,
          resume: flags.resume ?? false,
          force: flags.force ?? false,
          skipBad: flags.skipBad ?? false,
          keepCheckpoint: flags.keepCheckpoint ?? false,
          ...(cacheMb !== undefined ? { maxCacheBytes: cacheMb * 1024 * 1024 } : {}),
          signal: abort.signal,
          hooks: {
            onMessage: (text) => process.stderr.write(`${text}\n`),
            onLoadProgress: (done, total) => {
              progress ??= new Progress({ label: 'loading', total, unit: 'images', logIntervalMs: TRAIN_LOG_INTERVAL_MS });
              progress.tick(1);
              if (done === total) {
                progress.finish();
                progress = undefined;
              }
            },
            onEpochStart: (epoch, total, _steps, images) => {
              epochs = total;
              remaining = (total - epoch) * images;
              progress = new Progress({ label: `epoch ${epoch + 1}/${total}`, total: images, unit: 'img', logIntervalMs: TRAIN_LOG_INTERVAL_MS });
            },
            onStep: (s) => {
              trained += s.images;
              remaining -= s.images;
              const rate = trained / ((Date.now() - runStarted) / 1000);
              progress?.tick(s.images, { loss: s.loss.toFixed(4), acc: `${s.acc.toFixed(1)}%`, lr: s.lr.toExponential(1), 'run ETA': formatDuration(remaining / rate) });
            },
            onEpochEnd: (record) => {
              progress?.finish();
              progress = undefined;
              process.stdout.write(`${formatEpoch(record, epochs)}\n`);
            },
          },
        });
        progress?.finish();
        if (result.stopped) {
          process.stdout.write(
            result.epochsDone === 0
              ? 'Stopped before the first epoch finished; nothing was saved.\n'
              : `Stopped after ${result.epochsDone} epoch(s); the model so far is in ${result.out}. Continue with: wsol train --data ${flags.data} --out ${flags.out} --resume\n`,
          );
          process.exitCode = 130;
          return;
        }
        const last = result.history[result.history.length - 1];
        process.stdout.write(
          `Saved the ${result.config.method} model to ${result.out} (${result.epochsDone} epochs, ${result.trainImages} training images` +
            `${result.skippedImages ? `, ${result.skippedImages} skipped as unreadable` : ''})` +
            `${last?.val ? `: val top-1 ${last.val.top1.toFixed(1)}%${last.val.maxBoxAccV2 !== undefined ? `, MaxBoxAccV2 ${last.val.maxBoxAccV2.toFixed(1)}` : ''} on ${last.val.images} images` : ''}.\n` +
            `Evaluate it with: wsol eval --model ${flags.out} --data ${flags.data}\n`,
        );
      } finally {
        process.off('SIGINT', onSigint);
      }
    });
}
