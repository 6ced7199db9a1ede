/**
 * `npm run bench -- tracking [--val 1,3] [--test 2,4] [--frames 300] [--objective idf1|idf1+mota]
 * [--out-dir DIR] [--val-only] [--model DIR] [--input-size N] [--fit letterbox|stretch|both]`: tracking accuracy of the whole chain on the demo clip, per-frame
 * boxes vs smoothed maps, with and without the tracker, against the clip's MOTChallenge gt.txt
 * (docs/RESULTS.md, "Tracking on the demo clip").
 *
 * The shipped model runs once per clip inside the real pipeline (startPipeline, one worker);
 * smoothing, boxes and tracking are then replayed from the recorded model output under each
 * setting (bench/tracking/replay.ts; a replay of the run's own config is checked to reproduce the
 * pipeline's results exactly). Settings are chosen on the val seeds (bench/tracking/select.ts);
 * the test seeds are captured and scored once, after the choice is fixed (--val-only stops before).
 * Writes to DIR (default .cache/bench/tracking): the test MOT files of the tracked rows, the chosen
 * settings as config files for `wsol run`, and summary.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defaultConfig } from '../src/config/load.js';
import type { WsolConfig } from '../src/config/schema.js';
import { formatMotLine, reportedTracks } from '../src/pipeline/sinks/mot-sink.js';
import type { FrameResult } from '../src/pipeline/results.js';
import { readMotFile, type MotFile } from '../src/pipeline/track-eval/index.js';
import { LocalizerPool } from '../src/pipeline/workers/localizer-pool.js';
import { captureDemoRun, type CapturedRun } from './tracking/capture.js';
import { replayMismatches, settingsOf, type ChainSettings, type ReplayedFrame } from './tracking/replay.js';
import { configYaml, describeSettings, markdownTable, scoreRows, type RowSpec } from './tracking/report.js';
import { chooseDetector, chooseTracker, DETECTOR_GRID, OBJECTIVES, type Fit, type Objective, type ValSet } from './tracking/select.js';

/** Maps recorded per frame: enough for the largest boxes.topK in the grid. */
const RECORDED_TOP_K = Math.max(...DETECTOR_GRID.topK);

function flag(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
}

const seedList = (text: string) => text.split(',').map((s) => Number(s.trim()));

let modelDir = resolve('models/default');
/** model.inputSize of the runs (undefined: the model's own). */
let inputSize: number | undefined;

function captureConfig(): WsolConfig {
  const base = defaultConfig();
  const model = { ...base.model, path: modelDir, topK: RECORDED_TOP_K, ...(inputSize !== undefined ? { inputSize } : {}) };
  return { ...base, model, boxes: { ...base.boxes, topK: RECORDED_TOP_K } };
}

async function captureClips(pool: LocalizerPool, seeds: number[], frames: number, fit: Fit): Promise<{ runs: CapturedRun[]; gts: MotFile[] }> {
  const runs: CapturedRun[] = [];
  for (const seed of seeds) {
    const started = performance.now();
    const run = await captureDemoRun(pool, captureConfig(), seed, frames, fit);
    const bad = replayMismatches(run);
    console.log(`captured ${run.spec} fit ${fit}: ${run.frames.length} frames in ${((performance.now() - started) / 1000).toFixed(1)} s; replay check: ${bad.length} frames differ from the pipeline`);
    if (bad.length > 0) throw new Error(`the replay does not reproduce the pipeline on ${run.spec} (frames ${bad.slice(0, 5).join(', ')})`);
    runs.push(run);
  }
  return { runs, gts: runs.map((r) => readMotFile(r.gtPath, 'gt')) };
}

function rowSpecs(fit: Fit, detector: ChainSettings, perFrameTracker: ChainSettings, smoothedTracker: ChainSettings, defaults: ChainSettings): RowSpec[] {
  const smoothed = { ...detector, smoothing: smoothedTracker.smoothing };
  return [
    { name: 'per-frame boxes, unlinked (one id per box)', fit, settings: detector, linker: 'unlinked' },
    { name: 'per-frame boxes, IoU-linked', fit, settings: detector, linker: 'iou-linked' },
    { name: 'smoothed maps, unlinked', fit, settings: smoothed, linker: 'unlinked' },
    { name: 'smoothed maps, IoU-linked', fit, settings: smoothed, linker: 'iou-linked' },
    { name: 'per-frame boxes + ByteTrack', fit, settings: perFrameTracker, linker: 'bytetrack' },
    { name: 'smoothed maps + ByteTrack', fit, settings: smoothedTracker, linker: 'bytetrack' },
    { name: 'config.yaml defaults (smoothed + ByteTrack)', fit: 'letterbox', settings: defaults, linker: 'bytetrack' },
  ];
}

function slug(name: string): string {
  return name.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase();
}

export async function runTrackingBench(args: string[]): Promise<void> {
  const valSeeds = seedList(flag(args, '--val', '1,3'));
  const testSeeds = seedList(flag(args, '--test', '2,4'));
  const frames = Number(flag(args, '--frames', '300'));
  const outDir = resolve(flag(args, '--out-dir', join('.cache', 'bench', 'tracking')));
  const objective = flag(args, '--objective', 'idf1') as Objective;
  modelDir = resolve(flag(args, '--model', 'models/default'));
  const size = flag(args, '--input-size', '');
  inputSize = size === '' ? undefined : Number(size);
  if (inputSize !== undefined && !(Number.isInteger(inputSize) && inputSize >= 32)) throw new Error('--input-size takes a whole number of pixels >= 32');
  const fitFlag = flag(args, '--fit', 'both');
  if (!['letterbox', 'stretch', 'both'].includes(fitFlag)) throw new Error('--fit takes letterbox, stretch or both');
  const fits: Fit[] = fitFlag === 'both' ? ['letterbox', 'stretch'] : [fitFlag as Fit];
  if (!(objective in OBJECTIVES)) throw new Error(`--objective must be one of ${Object.keys(OBJECTIVES).join(', ')}`);
  if (valSeeds.some((s) => testSeeds.includes(s))) throw new Error('val and test seeds must differ');
  mkdirSync(outDir, { recursive: true });
  const config = captureConfig();
  const pool = await LocalizerPool.start(1, { modelPath: config.model.path!, localizer: { topK: RECORDED_TOP_K, ...(inputSize !== undefined ? { inputSize } : {}) }, backend: config.model.backend, allowSoftwareGpu: false });
  try {
    console.log(`model ${config.model.path} (${pool.info.method}, ${pool.info.backend}, input ${pool.info.inputSize.join('x')}); val seeds ${valSeeds.join(',')}, test seeds ${testSeeds.join(',')}, ${frames} frames each`);
    const captured: Partial<Record<Fit, Awaited<ReturnType<typeof captureClips>>>> = {};
    // letterbox always: the config.yaml-defaults row uses it.
    for (const fit of new Set<Fit>([...fits, 'letterbox'])) captured[fit] = await captureClips(pool, valSeeds, frames, fit);
    const val: ValSet = { runs: { letterbox: captured.letterbox?.runs ?? [], stretch: captured.stretch?.runs ?? [] }, gts: captured[fits[0]!]!.gts };
    const base = settingsOf(config);

    const detector = chooseDetector(val, base, fits);
    console.log(`\ndetector (val F1 ${detector.value.toFixed(4)}, ${detector.tried} settings): ${describeSettings(detector.fit, detector.settings)}`);
    const perFrame = chooseTracker(val, detector, false, objective);
    console.log(`per-frame + tracker (val ${objective} ${perFrame.value.toFixed(4)}, ${perFrame.tried} settings): ${describeSettings(perFrame.fit, perFrame.settings)}`);
    const smoothed = chooseTracker(val, detector, true, objective);
    console.log(`smoothed + tracker (val ${objective} ${smoothed.value.toFixed(4)}, ${smoothed.tried} settings): ${describeSettings(smoothed.fit, smoothed.settings)}`);
    console.log(`best val detection F1 per fit: ${Object.entries(detector.bestByFit ?? {}).map(([f, v]) => `${f} ${v.toFixed(4)}`).join(', ')}`);
    // The shipped config.yaml's own settings (within the recorded top-k).
    const defaults: ChainSettings = settingsOf(defaultConfig());
    const specs = rowSpecs(detector.fit, detector.settings, perFrame.settings, smoothed.settings, defaults);

    const valRows = scoreRows(specs, val.runs, val.gts);
    console.log(`\n### val (seeds ${valSeeds.join(', ')}, combined)\n\n${markdownTable(valRows)}`);

    if (args.includes('--val-only')) return;
    // The test clips, once, with everything fixed.
    const testRuns: Partial<Record<Fit, CapturedRun[]>> = {};
    let testGts: MotFile[] = [];
    for (const fit of new Set(specs.map((s) => s.fit))) ({ runs: testRuns[fit], gts: testGts } = await captureClips(pool, testSeeds, frames, fit));
    const writeMot = (spec: RowSpec, clip: number, replayed: ReplayedFrame[]) => {
      if (spec.linker !== 'bytetrack') return;
      const lines = replayed.flatMap((f) => reportedTracks({ tracks: f.tracks } as FrameResult, false).map((t) => formatMotLine(f.index, t, f.width, f.height)));
      writeFileSync(join(outDir, `test-seed${testSeeds[clip]}-${slug(spec.name)}.txt`), lines.length > 0 ? `${lines.join('\n')}\n` : '');
    };
    const testRows = scoreRows(specs, testRuns, testGts, writeMot);
    console.log(`\n### test (seeds ${testSeeds.join(', ')}, combined)\n\n${markdownTable(testRows)}`);
    for (const row of testRows) console.log(`  ${row.name}: per clip MOTA/IDF1 ${row.perClip.map((c) => `${(100 * c.mota).toFixed(1)}/${(100 * c.idf1).toFixed(1)}`).join(', ')}`);

    writeFileSync(join(outDir, 'smoothed-tracker.yaml'), configYaml(smoothed.settings));
    writeFileSync(join(outDir, 'per-frame-tracker.yaml'), configYaml(perFrame.settings));
    const gtPaths = Object.fromEntries(testRuns[detector.fit]!.map((r, i) => [testSeeds[i]!, r.gtPath]));
    writeFileSync(join(outDir, 'summary.json'), `${JSON.stringify({ valSeeds, testSeeds, frames, fit: detector.fit, detector, perFrame, smoothed, val: valRows, test: testRows, gtPaths }, null, 2)}\n`);
    console.log(`\nwrote ${outDir}: test MOT files, smoothed-tracker.yaml, per-frame-tracker.yaml (use with wsol run --fit ${detector.fit} -c FILE), summary.json`);
    for (const [seed, gt] of Object.entries(gtPaths)) console.log(`gt of test seed ${seed}: ${gt}`);
  } finally {
    pool.dispose();
  }
}
