/**
 * Markdown tables of docs/RESULTS.md (issue 4) from the `wsol eval --json --out` reports that
 * bench/issue4/run.sh writes, so no number is typed by hand.
 *   npx tsx bench/issue4/table.ts seeds DIR ROW...   one row per ROW (e.g. cam, icl, cam-gradcam):
 *                                                    mean ± std (min-max) over DIR/ROW-s{1,2,3}.json
 *                                                    (a suffix after the method, e.g. cam-gradcam,
 *                                                    reads DIR/cam-s1-gradcam.json)
 *   npx tsx bench/issue4/table.ts runs DIR NAME...   one row per report DIR/NAME.json, val and test
 *   npx tsx bench/issue4/table.ts train DIR NAME...  one row per model DIR/NAME: the training run's
 *                                                    own val check (wsol.json history), loss terms, speed
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { EvaluationReport } from '../../src/models/evaluation/evaluator.js';

type Metric = { label: string; get: (r: EvaluationReport) => number | undefined };

const TEST_METRICS: Metric[] = [
  { label: 'top-1 cls', get: (r) => r.test.top1Cls },
  { label: 'Top-1 Loc', get: (r) => r.test.top1Loc },
  { label: 'GT-known Loc', get: (r) => r.test.gtKnownLoc },
  { label: 'MaxBoxAcc', get: (r) => r.test.maxBoxAcc?.value },
  { label: 'MaxBoxAccV2', get: (r) => r.test.maxBoxAccV2?.value },
  { label: 'PxAP', get: (r) => r.test.pxap },
];

function read(file: string): EvaluationReport | undefined {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as EvaluationReport) : undefined;
}

function stats(values: number[]): string {
  if (values.length === 0) return '-';
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  if (values.length === 1) return mean.toFixed(1);
  // Sample standard deviation (n - 1), with the range: 3 seeds make both rough.
  const std = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1));
  return `${mean.toFixed(1)} ± ${std.toFixed(1)} (${Math.min(...values).toFixed(1)}-${Math.max(...values).toFixed(1)})`;
}

function seedsTable(dir: string, rows: string[]): void {
  console.log(`| method | seeds | ${TEST_METRICS.map((m) => m.label).join(' | ')} |`);
  console.log(`|---|---|${TEST_METRICS.map(() => '---').join('|')}|`);
  for (const row of rows) {
    const [base, ...suffix] = row.split('-');
    const reports = [1, 2, 3]
      .map((s) => read(path.join(dir, `${base}-s${s}${suffix.length ? `-${suffix.join('-')}` : ''}.json`)))
      .filter((r): r is EvaluationReport => r !== undefined);
    const cells = TEST_METRICS.map((m) => stats(reports.map(m.get).filter((v): v is number => v !== undefined)));
    console.log(`| ${row} | ${reports.length} | ${cells.join(' | ')} |`);
  }
}

function fmt(v: number | undefined): string {
  return v === undefined ? '-' : v.toFixed(1);
}

function runsTable(dir: string, names: string[]): void {
  console.log(`| run | val top-1 | val MaxBoxAccV2 | ${TEST_METRICS.map((m) => `test ${m.label}`).join(' | ')} |`);
  console.log(`|---|---|---|${TEST_METRICS.map(() => '---').join('|')}|`);
  for (const name of names) {
    const r = read(path.join(dir, `${name}.json`));
    if (!r) {
      console.log(`| ${name} | not run |`);
      continue;
    }
    console.log(`| ${name} | ${fmt(r.val.top1Cls)} | ${fmt(r.val.maxBoxAccV2?.value)} | ${TEST_METRICS.map((m) => fmt(m.get(r))).join(' | ')} |`);
  }
}

interface HistoryEntry {
  loss: number;
  terms: Record<string, number>;
  trainAcc: number;
  imagesPerSecond: number;
  val?: { images: number; top1: number; maxBoxAccV2?: number; maxBoxAcc?: number };
}

function trainTable(dir: string, names: string[]): void {
  console.log('| run | method options | val images | val top-1 | val MaxBoxAcc | val MaxBoxAccV2 | train loss (terms) | train img/s |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const name of names) {
    const file = path.join(dir, name, 'wsol.json');
    if (!existsSync(file)) {
      console.log(`| ${name} | not run |`);
      continue;
    }
    const meta = JSON.parse(readFileSync(file, 'utf8')) as { network: { options?: Record<string, unknown> }; training: { history: HistoryEntry[] } };
    const h = meta.training.history.at(-1)!;
    const terms = Object.entries(h.terms).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ');
    const options = JSON.stringify(meta.network.options ?? {}).replaceAll('|', '\\|');
    console.log(`| ${name} | \`${options}\` | ${h.val?.images ?? '-'} | ${fmt(h.val?.top1)} | ${fmt(h.val?.maxBoxAcc)} | ${fmt(h.val?.maxBoxAccV2)} | ${h.loss.toFixed(3)} (${terms}) | ${h.imagesPerSecond.toFixed(1)} |`);
  }
}

const [mode, dir, ...names] = process.argv.slice(2);
if (mode === 'seeds') seedsTable(dir, names);
else if (mode === 'runs') runsTable(dir, names);
else if (mode === 'train') trainTable(dir, names);
else throw new Error('usage: table.ts seeds|runs|train DIR NAME...');
