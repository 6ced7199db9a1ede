/**
 * `wsol eval-tracks`: tracking metrics of a MOTChallenge prediction file against ground truth, as
 * TrackEval defines them (CLEAR MOT and identity metrics), as a small table or JSON.
 */
import type { Command } from 'commander';
import { WsolError } from '../errors.js';
import { numberFlag } from '../option-parsers.js';
import { evaluateTrackFiles, type TrackEvalReport } from '../pipeline/track-eval/index.js';

interface EvalTracksFlags {
  gt: string;
  pred: string;
  iou: string;
  matchClass?: boolean;
  json?: boolean;
}

export function registerEvalTracksCommand(program: Command): void {
  program
    .command('eval-tracks')
    .description('tracking metrics of MOTChallenge files, as TrackEval defines them: MOTA, IDF1, IDP, IDR, MOTP, FP, FN, ID switches, fragmentations, MT/ML')
    .requiredOption('--gt <file>', 'ground truth: frame,id,x,y,w,h,conf,class,visibility per line (rows with conf 0 are ignored)')
    .requiredOption('--pred <file>', 'predicted tracks, same format (e.g. written by `wsol run --mot FILE`)')
    .option('--iou <x>', 'IoU a predicted box needs with a gt box to match (0 < x <= 1)', '0.5')
    .option('--match-class', 'only boxes with equal class ids (8th field) match; default is class-agnostic')
    .option('--json', 'print the metrics as JSON (fractions 0..1) instead of a table (percentages)')
    .action((flags: EvalTracksFlags) => {
      const iou = numberFlag(flags.iou, '--iou')!;
      if (!(iou > 0 && iou <= 1)) {
        throw new WsolError('usage', `--iou ${flags.iou} is out of range.`, { hint: 'Pass a value in (0, 1], e.g. --iou 0.5 (TrackEval\'s threshold).' });
      }
      const report = evaluateTrackFiles(flags.gt, flags.pred, { iou, matchClass: flags.matchClass ?? false });
      process.stdout.write(flags.json ? `${JSON.stringify({ gt: flags.gt, pred: flags.pred, ...report }, null, 2)}\n` : formatTrackReport(report, flags.gt, flags.pred));
    });
}

/** The metrics as a two-line table (scores in percent), with the counts behind them. */
export function formatTrackReport(report: TrackEvalReport, gtName: string, predName: string): string {
  const pct = (value: number) => (100 * value).toFixed(2);
  const columns: [string, string][] = [
    ['MOTA', pct(report.mota)],
    ['IDF1', pct(report.idf1)],
    ['IDP', pct(report.idp)],
    ['IDR', pct(report.idr)],
    ['MOTP', pct(report.motp)],
    ['FP', String(report.fp)],
    ['FN', String(report.fn)],
    ['IDSW', String(report.idsw)],
    ['Frag', String(report.frag)],
    ['MT', String(report.mt)],
    ['ML', String(report.ml)],
    ['GT ids', String(report.gtIds)],
    ['pred ids', String(report.predIds)],
  ];
  const widths = columns.map(([name, value]) => Math.max(name.length, value.length));
  const row = (cells: string[]) => `  ${cells.map((cell, i) => cell.padStart(widths[i]!)).join('  ')}\n`;
  const ignored = report.gtIgnored > 0 ? ` (${report.gtIgnored} conf-0 rows ignored)` : '';
  return (
    `Tracking metrics (TrackEval CLEAR + identity), IoU >= ${report.iou}, ${report.matchClass ? 'classes must match' : 'class-agnostic'}\n` +
    `  gt    ${gtName}: ${report.gtDets} boxes${ignored}, ${report.gtIds} ids\n` +
    `  pred  ${predName}: ${report.predDets} boxes, ${report.predIds} ids; ${report.frames} frames\n` +
    row(columns.map(([name]) => name)) +
    row(columns.map(([, value]) => value)) +
    `  (MOTA, IDF1, IDP, IDR, MOTP in %; PT ${report.pt}, TP ${report.tp}, IDTP ${report.idtp})\n`
  );
}
