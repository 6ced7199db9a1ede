/** A readable text rendering of an EvaluationReport (the `wsol eval` default output). */
import type { EvaluationReport, SplitSummary, TestSummary } from './evaluator.js';

const pct = (v: number | undefined): string => (v === undefined ? '-' : v.toFixed(2));

function row(name: string, value: string, note = ''): string {
  return `  ${name.padEnd(22)}${value.padStart(8)}${note ? `   ${note}` : ''}`;
}

function splitRows(s: SplitSummary | TestSummary): string[] {
  const lines = [row('Top-1 Cls', pct(s.top1Cls))];
  if ('top1Loc' in s || 'gtKnownLoc' in s) {
    const t = s as TestSummary;
    lines.push(row('Top-1 Loc', pct(t.top1Loc), 'IoU >= 0.5 at the val tau, top-1 class right'));
    lines.push(row('GT-known Loc', pct(t.gtKnownLoc), 'IoU >= 0.5 at the val tau'));
  }
  if (s.maxBoxAcc) lines.push(row('MaxBoxAcc', pct(s.maxBoxAcc.value), `IoU 0.5, largest box, best tau ${s.maxBoxAcc.tau.toFixed(2)}`));
  if (s.maxBoxAccV2) {
    lines.push(row('MaxBoxAccV2', pct(s.maxBoxAccV2.value), 'mean over IoU 0.3/0.5/0.7, all boxes'));
    for (const d of s.maxBoxAccV2.perDelta) lines.push(row(`  @IoU ${d.delta.toFixed(1)}`, pct(d.value), `best tau ${d.tau.toFixed(2)}`));
  }
  if ('boxAccV2AtValTaus' in s && s.boxAccV2AtValTaus !== undefined) lines.push(row('BoxAccV2 @ val taus', pct(s.boxAccV2AtValTaus)));
  if (s.pxap !== undefined) lines.push(row('PxAP', pct(s.pxap)));
  if (s.top1BySize) {
    lines.push('  Top-1 Cls by object size (largest box\'s longer side / image side):');
    for (const b of s.top1BySize) lines.push(row(`  ${Math.round(b.from * 100)}-${Math.round(b.to * 100)}%`, pct(b.top1Cls), `${b.images} images`));
  }
  return lines;
}

export function formatReport(r: EvaluationReport): string {
  const size = r.protocol.evalSize === 'image' ? 'each image\'s own size' : `${r.protocol.evalSize[0]}x${r.protocol.evalSize[1]}`;
  const lines = [
    `Model    ${r.model.dir ?? ''} (${r.model.method}${r.model.layers?.length ? ` at ${r.model.layers.join(', ')}` : ''}), input ${r.model.inputSize.join('x')}, maps ${r.model.mapSize.join('x')}, ${r.model.classes.length} classes, backend ${r.model.backend}`,
    `Data     ${r.data.root} (${r.data.layout})${r.data.limit !== undefined ? `, first ${r.data.limit} images per split` : ''}`,
    `Protocol GT-class maps at ${size}, min-max normalised; tau grid step ${r.protocol.tauInterval}; thresholds from "${r.protocol.thresholdsFrom}"` +
      (r.protocol.locTau !== undefined ? ` (Loc tau ${r.protocol.locTau.toFixed(2)}; V2 taus ${r.protocol.v2Taus!.map((t) => `${t.delta}:${t.tau.toFixed(2)}`).join(' ')})` : ''),
    '',
    `Test split "${r.test.split}": ${r.test.images} images${r.test.skipped ? ` (${r.test.skipped} skipped as unreadable)` : ''}`,
    ...splitRows(r.test),
    '',
    `Val split "${r.val.split}": ${r.val.images} images${r.val.skipped ? ` (${r.val.skipped} skipped)` : ''}`,
    ...splitRows(r.val),
    '',
    `(${r.seconds.toFixed(1)} s; all values in percent)`,
  ];
  return `${lines.join('\n')}\n`;
}
