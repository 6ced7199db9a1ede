/**
 * Builds the markdown rows of docs/RESULTS.md from `wsol eval --json --out FILE` reports, so the
 * table is never typed by hand: `npx tsx bench/results-table.ts results/*.json`.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { EvaluationReport } from '../src/models/evaluation/evaluator.js';

function fmt(value: number | undefined): string {
  return value === undefined ? '-' : value.toFixed(1);
}

const files = process.argv.slice(2);
console.log('| run | method | layer(s) | map | top-1 cls | Top-1 Loc | GT-known Loc | MaxBoxAcc | MaxBoxAccV2 | V2 @0.3 / 0.5 / 0.7 | V2 at val taus | PxAP |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const file of files) {
  const report = JSON.parse(readFileSync(file, 'utf8')) as EvaluationReport;
  const t = report.test;
  const perDelta = t.maxBoxAccV2?.perDelta.map((d) => fmt(d.value)).join(' / ') ?? '-';
  console.log(
    `| ${basename(file, '.json')} | ${report.model.method} | ${report.model.layers?.join(', ') ?? '-'} | ${report.model.mapSize.join('x')} | ${fmt(t.top1Cls)} | ${fmt(t.top1Loc)} | ${fmt(t.gtKnownLoc)} | ${fmt(t.maxBoxAcc?.value)} | ${fmt(t.maxBoxAccV2?.value)} | ${perDelta} | ${fmt(t.boxAccV2AtValTaus)} | ${fmt(t.pxap)} |`,
  );
}
