/**
 * Tables and ratios of the pipeline bench: one row per worker count and pipeline variant (batches
 * in flight), medians over rounds; ratios are medians of the ratios within a round, because rounds
 * of a shared machine see different loads and the runs inside one round see about the same.
 */
import type { PipelineRunMetrics } from './pipeline-run.js';
import { fixed, median, mib } from './bench-util.js';

/** One pipeline run and the model-only run on the same fresh pool just before it. */
export interface Round {
  round: number;
  workers: number;
  /** Batches in flight beyond one per worker (0 = as `wsol serve` starts the pipeline, 1 = as `wsol run`). */
  extra: number;
  modelOnlyFps: number;
  /** Process CPU time per image of the model-only run, ms. */
  modelOnlyCpuMs: number;
  run: PipelineRunMetrics;
}

export interface CaseRow {
  workers: number;
  extra: number;
  rounds: Round[];
  modelOnlyFps: number;
  steadyFps: number;
  wallFps: number;
  /** The round whose steady fps is the median (its latencies, queue, batch and busy figures are shown). */
  mid: PipelineRunMetrics;
}

export function summarise(rounds: Round[]): CaseRow[] {
  const keys = [...new Set(rounds.map((r) => `${r.workers}:${r.extra}`))];
  return keys.map((key) => {
    const mine = rounds.filter((r) => `${r.workers}:${r.extra}` === key);
    const steadyFps = median(mine.map((r) => r.run.steadyFps));
    const mid = mine.reduce((best, r) => (Math.abs(r.run.steadyFps - steadyFps) < Math.abs(best.run.steadyFps - steadyFps) ? r : best)).run;
    return {
      workers: mine[0]!.workers,
      extra: mine[0]!.extra,
      rounds: mine,
      modelOnlyFps: median(mine.map((r) => r.modelOnlyFps)),
      steadyFps,
      wallFps: median(mine.map((r) => r.run.wallFps)),
      mid,
    };
  });
}

const label = (row: { workers: number; extra: number }) => `${row.workers}${row.extra ? ` (+${row.extra} in flight)` : ''}`;

export function printTable(rows: CaseRow[]): void {
  console.log(
    '\nworkers           | model-only fps | e2e fps steady | e2e fps wall | e2e/model | latency p50 / p95 ms | queue p50 ms | model call ms/frame | mean batch | workers busy | idle/batch ms | main ELU | CPU ms/frame model / e2e | peak RSS MiB',
  );
  for (const row of rows) {
    const { mid } = row;
    // With more batches in flight than workers, a call's time includes waiting in the pool: busy and idle cannot be read off it.
    const busy = row.extra ? 'n/a' : `${fixed(mid.workerBusy * 100, 0)}%`;
    const idle = row.extra ? 'n/a' : fixed(mid.idlePerBatchMs, 1);
    console.log(
      [
        label(row).padEnd(17),
        fixed(row.modelOnlyFps).padStart(14),
        fixed(row.steadyFps).padStart(14),
        fixed(row.wallFps).padStart(12),
        fixed(median(row.rounds.map((r) => r.run.steadyFps / r.modelOnlyFps)), 3).padStart(9),
        `${fixed(mid.latencyP50, 0)} / ${fixed(mid.latencyP95, 0)}`.padStart(20),
        fixed(mid.queueP50).padStart(12),
        fixed(mid.callMsPerFrame, 2).padStart(19),
        fixed(mid.meanBatch, 2).padStart(10),
        busy.padStart(12),
        idle.padStart(13),
        `${fixed(mid.mainElu * 100, 0)}%`.padStart(8),
        `${fixed(median(row.rounds.map((r) => r.modelOnlyCpuMs)), 1)} / ${fixed(median(row.rounds.map((r) => r.run.cpuMsPerFrame)), 1)}`.padStart(25),
        mib(Math.max(...row.rounds.map((r) => r.run.peakRssBytes))).padStart(12),
      ].join(' | '),
    );
  }
}

/** Pool / one worker within each round, for pipeline variant `extra`. */
function poolRatios(one: CaseRow, pool: CaseRow): { steady: number; wall: number; model: number } {
  const pairs = one.rounds.flatMap((r) => {
    const p = pool.rounds.find((q) => q.round === r.round);
    return p ? [{ one: r, pool: p }] : [];
  });
  return {
    steady: median(pairs.map((p) => p.pool.run.steadyFps / p.one.run.steadyFps)),
    wall: median(pairs.map((p) => p.pool.run.wallFps / p.one.run.wallFps)),
    model: median(pairs.map((p) => p.pool.modelOnlyFps / p.one.modelOnlyFps)),
  };
}

export function printRatios(rows: CaseRow[]): void {
  console.log('');
  for (const extra of [...new Set(rows.map((r) => r.extra))]) {
    const one = rows.find((r) => r.workers === 1 && r.extra === extra);
    const pool = rows.filter((r) => r.workers > 1 && r.extra === extra).at(-1);
    const variant = extra === 0 ? ' (one batch per worker, as wsol serve)' : extra === 1 ? ' (+1 batch in flight, as wsol run)' : ` (+${extra} batches in flight)`;
    if (one) {
      const ratio = median(one.rounds.map((r) => r.run.steadyFps / r.modelOnlyFps));
      const wall = median(one.rounds.map((r) => r.run.wallFps / r.modelOnlyFps));
      console.log(`end-to-end / model-only, 1 worker${variant}: ${fixed(ratio, 3)} steady, ${fixed(wall, 3)} wall (target >= 0.85: ${ratio >= 0.85 ? 'met' : 'MISSED'})`);
    }
    if (one && pool) {
      const r = poolRatios(one, pool);
      console.log(`pool (${pool.workers}) / 1 worker, end-to-end${variant}: ${fixed(r.steady, 3)} steady, ${fixed(r.wall, 3)} wall (target >= 1.5 on 2 cores: ${r.steady >= 1.5 ? 'met' : 'MISSED'})`);
      if (extra === 0) console.log(`pool (${pool.workers}) / 1 worker, model-only: ${fixed(r.model, 3)} (what the shared cores gave the model alone)`);
      const e2e = median(pool.rounds.map((q) => q.run.steadyFps / q.modelOnlyFps));
      console.log(`end-to-end / model-only, pool (${pool.workers})${variant}: ${fixed(e2e, 3)} steady`);
      if (extra === 0) {
        // CPU time depends less on the machine's load than wall time: what 2 free cores could give at most.
        // One worker is bound by the model's CPU per frame; the pool by all of the process's CPU per frame (1-worker runs).
        const modelCpu = median(one.rounds.map((q) => q.modelOnlyCpuMs));
        const e2eCpu = median(one.rounds.map((q) => q.run.cpuMsPerFrame));
        console.log(
          `CPU bound for ${pool.workers} free cores: pool / 1 worker <= ${pool.workers} x model CPU / end-to-end CPU per frame = ${pool.workers} x ${fixed(modelCpu, 1)} / ${fixed(e2eCpu, 1)} = ${fixed((pool.workers * modelCpu) / e2eCpu, 2)} (ffmpeg's own CPU not counted)`,
        );
      }
    }
  }
}
