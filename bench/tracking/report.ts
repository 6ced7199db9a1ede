/**
 * The rows of the tracking table (one per configuration) and their Markdown and YAML renderings.
 */
import type { MotFile } from '../../src/pipeline/track-eval/index.js';
import type { CapturedRun } from './capture.js';
import { replayDetections, replayTracks, type ChainSettings, type ReplayedFrame } from './replay.js';
import { combine, scoreRun, type Linker, type Totals } from './score.js';
import type { Fit } from './select.js';

export interface RowSpec {
  name: string;
  fit: Fit;
  settings: ChainSettings;
  linker: Linker;
}

export interface Row {
  name: string;
  agnostic: Totals;
  byClass: Totals;
  /** Per clip (class-agnostic MOTA and IDF1), in clip order. */
  perClip: { mota: number; idf1: number }[];
}

/** Scores every row on the given clips; `onFrames` sees each replay (e.g. to write MOT files). */
export function scoreRows(specs: RowSpec[], runs: Partial<Record<Fit, CapturedRun[]>>, gts: MotFile[], onFrames?: (spec: RowSpec, clip: number, frames: ReplayedFrame[]) => void): Row[] {
  return specs.map((spec) => {
    const clips = runs[spec.fit];
    if (!clips) throw new Error(`no clips captured with fit ${spec.fit}`);
    const scores = clips.map((run, i) => {
      const frames = replayTracks(run, replayDetections(run, spec.settings), spec.settings.tracker);
      onFrames?.(spec, i, frames);
      return scoreRun(gts[i]!, frames, spec.linker);
    });
    const jitters = scores.map((s) => s.jitter);
    return {
      name: spec.name,
      agnostic: combine(scores.map((s) => s.agnostic), jitters),
      byClass: combine(scores.map((s) => s.byClass), jitters),
      perClip: scores.map((s) => ({ mota: s.agnostic.mota, idf1: s.agnostic.idf1 })),
    };
  });
}

const pct = (x: number) => (100 * x).toFixed(1);

export function markdownTable(rows: Row[]): string {
  const head = '| configuration | MOTA | IDF1 | IDSW | FP | FN | TP | MOTA cls | IDF1 cls | jitter px (pairs) |';
  const rule = '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|';
  const lines = rows.map((r) => {
    const a = r.agnostic;
    const c = r.byClass;
    const jitter = a.jitterSamples > 0 ? `${a.jitterPx.toFixed(2)} (${a.jitterSamples})` : 'n/a (0)';
    return `| ${r.name} | ${pct(a.mota)} | ${pct(a.idf1)} | ${a.idsw} | ${a.fp} | ${a.fn} | ${a.tp} | ${pct(c.mota)} | ${pct(c.idf1)} | ${jitter} |`;
  });
  return [head, rule, ...lines].join('\n');
}

export function describeSettings(fit: Fit, s: ChainSettings): string {
  const b = s.boxes;
  const t = s.tracker;
  const smoothing = s.smoothing.enabled ? `alpha ${s.smoothing.alpha}` : 'off';
  return `fit ${fit}; model.topK ${s.modelTopK}; boxes threshold ${b.threshold}, topK ${b.topK}, mode ${b.mode}, minAreaFraction ${b.minAreaFraction}, maxPerClass ${b.maxPerClass}; smoothing ${smoothing}; tracker high ${t.highThreshold}, low ${t.lowThreshold}, new ${t.newTrackThreshold}, matchIou ${t.matchIou}, minHits ${t.minHits}, maxAge ${t.maxAge}`;
}

/** A config file that makes `wsol run` use these settings (the stream's fit goes on the command line). */
export function configYaml(s: ChainSettings): string {
  const { smoothing: sm, boxes: b, tracker: t } = s;
  return [
    '# written by `npm run bench -- tracking`: the settings chosen on the val clips',
    'version: 1',
    'model:',
    `  topK: ${s.modelTopK}`,
    'smoothing:',
    `  enabled: ${sm.enabled}`,
    `  alpha: ${sm.alpha}`,
    `  sceneCutThreshold: ${sm.sceneCutThreshold}`,
    'boxes:',
    ...Object.entries(b).map(([k, v]) => `  ${k}: ${String(v)}`),
    'tracker:',
    ...Object.entries(t).map(([k, v]) => `  ${k}: ${String(v)}`),
    '',
  ].join('\n');
}
