import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvaluationReport } from '../../src/models/evaluation/evaluator.js';
import { tempDir, tinySynth } from './helpers.js';

// `wsol train` and `wsol eval` as a user runs them, through
// src/cli.ts, the real entry.
const repoRoot = resolve(import.meta.dirname, '../..');
const entry = resolve(import.meta.dirname, '../../src/cli.ts');
const tsx = resolve(repoRoot, 'node_modules/.bin/tsx');

function wsol(args: string[]) {
  const result = spawnSync(tsx, [entry, ...args], { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', LOG_LEVEL: 'warn' } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const tmp = tempDir('cli');
let data: string;
const tiny = ['--size', '32', '--widths', '8,16,16', '--convs-per-stage', '1', '--head-width', '16', '--batch', '16', '--backend', 'wasm'];

beforeAll(() => {
  data = tinySynth(join(tmp.dir, 'synth'));
});
afterAll(() => tmp.cleanup());

describe('wsol train / wsol eval (CLI)', () => {
  it('train writes a model and prints one line per epoch; eval --json --out --vis reports every metric', () => {
    const out = join(tmp.dir, 'model');
    const train = wsol(['train', '--data', data, '--out', out, '--epochs', '2', ...tiny]);
    expect(train.stderr).not.toMatch(/^\s+at /m);
    expect(train.code).toBe(0);
    const lines = train.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^epoch 1\/2 {2}loss \d+\.\d{4} {2}train acc [\d.]+% {2}val top-1 [\d.]+% {2}val MaxBoxAccV2 [\d.]+ {2}lr /);
    expect(lines[1]).toMatch(/^epoch 2\/2 /);
    expect(train.stdout).toContain(`Saved the cam model to ${out} (2 epochs, 60 training images)`);
    expect(train.stderr).toContain('Horizontal flip off (synthetic digits are not mirror-invariant');

    const report = join(tmp.dir, 'report.json');
    const vis = join(tmp.dir, 'vis');
    const run = wsol(['eval', '--model', out, '--data', data, '--json', '--out', report, '--vis', vis, '--n', '3', '--backend', 'wasm', '--method', 'dgl', '--layer', 'stage2_out,stage3_out']);
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout) as EvaluationReport;
    expect(JSON.parse(readFileSync(report, 'utf8'))).toEqual(json);
    expect(json.model).toMatchObject({ method: 'dgl', layers: ['stage2_out', 'stage3_out'], inputSize: [32, 32], classes: ['0', '1', '2'], backend: 'wasm' });
    expect(json.data).toMatchObject({ valSplit: 'val', testSplit: 'test', layout: 'wsolevaluation' });
    expect(Object.keys(json.test).sort()).toEqual(
      ['boxAccV2AtValTaus', 'gtKnownLoc', 'images', 'maxBoxAcc', 'maxBoxAccV2', 'pxap', 'skipped', 'split', 'top1BySize', 'top1Cls', 'top1Loc'].sort(),
    );
    expect(json.test.maxBoxAccV2!.perDelta).toHaveLength(3);
    expect(json.protocol.v2Taus).toHaveLength(3);
    expect(readdirSync(vis)).toHaveLength(4);

    // --input-size: the same model run at a larger input, images resized to it.
    const larger = wsol(['eval', '--model', out, '--data', data, '--json', '--limit', '6', '--input-size', '48', '--backend', 'wasm']);
    expect(larger.code).toBe(0);
    const largerJson = JSON.parse(larger.stdout) as EvaluationReport;
    expect(largerJson.model).toMatchObject({ method: 'cam', inputSize: [48, 48], mapSize: [12, 12] });
    expect(largerJson.test.images).toBe(6);

    // wsol resize bakes that size in: the copy evaluates exactly as --input-size did.
    const resized = join(tmp.dir, 'resized');
    const resize = wsol(['resize', '--model', out, '--input-size', '48', '--out', resized]);
    expect(resize.stderr).not.toMatch(/^\s+at /m);
    expect(resize.code).toBe(0);
    expect(resize.stdout).toContain('input 48x48, maps 12x12');
    const meta = JSON.parse(readFileSync(join(resized, 'wsol.json'), 'utf8')) as { inputSize: number[]; training: { size: number; resized: { from: number[]; to: number[] } } };
    expect(meta.inputSize).toEqual([48, 48]);
    expect(meta.training.size).toBe(32);
    expect(meta.training.resized).toMatchObject({ from: [32, 32], to: [48, 48] });
    const bakedIn = wsol(['eval', '--model', resized, '--data', data, '--json', '--limit', '6', '--backend', 'wasm']);
    expect(bakedIn.code).toBe(0);
    const bakedJson = JSON.parse(bakedIn.stdout) as EvaluationReport;
    expect(bakedJson.test).toEqual(largerJson.test);
    expect(bakedJson.val).toEqual(largerJson.val);
    const again = wsol(['resize', '--model', out, '--input-size', '64', '--out', resized]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already holds a model.*--force/s);

    // wsol average of a model with itself is that model (and says where it came from).
    const soup = join(tmp.dir, 'soup');
    const average = wsol(['average', '--models', `${out},${out}`, '--out', soup]);
    expect(average.code).toBe(0);
    expect(average.stdout).toContain('the average of 2 cam models, input 32x32');
    expect(readFileSync(join(soup, 'weights.bin')).equals(readFileSync(join(out, 'weights.bin')))).toBe(true);
    const mixed = wsol(['average', '--models', `${out},${resized}`, '--out', join(tmp.dir, 'mixed')]);
    expect(mixed.code).toBe(0); // same network at another input size: the weights match
    const single = wsol(['average', '--models', out, '--out', join(tmp.dir, 'single')]);
    expect(single.code).toBe(2);
    expect(single.stderr).toMatch(/at least two models/);

    // wsol widen: a wider copy that evaluates exactly as the model, and trains on from there.
    const wide = join(tmp.dir, 'wide');
    const widen = wsol(['widen', '--model', resized, '--widths', '12,16,24', '--head-width', '20', '--out', wide]);
    expect(widen.stderr).not.toMatch(/^\s+at /m);
    expect(widen.code).toBe(0);
    expect(widen.stdout).toContain('widened stage1_conv1 8->12, stage3_conv1 16->24, head_conv1 16->20, head_conv2 16->20');
    const wideEval = JSON.parse(wsol(['eval', '--model', wide, '--data', data, '--json', '--limit', '6', '--backend', 'wasm']).stdout) as EvaluationReport;
    expect(wideEval.test.top1Cls).toBe(bakedJson.test.top1Cls);
    expect(wideEval.test.maxBoxAccV2!.value).toBeCloseTo(bakedJson.test.maxBoxAccV2!.value, 6);
    const grown = wsol(['train', '--data', data, '--out', join(tmp.dir, 'grown'), '--init', wide, '--epochs', '1', ...tiny, '--widths', '12,16,24', '--head-width', '20']);
    expect(grown.code).toBe(0);
    expect(grown.stderr).toMatch(/Initialised \d+ layers from \S+wide\.\n/);
    const narrower = wsol(['widen', '--model', wide, '--widths', '8,16,24', '--out', join(tmp.dir, 'narrow')]);
    expect(narrower.code).toBe(2);
    expect(narrower.stderr).toMatch(/wsol: Cannot widen: layer "stage1_conv1" would shrink from 12 to 8 channels/);
  });

  it('train: errors are one paragraph with a hint, no stack, exit code 2', () => {
    const out = join(tmp.dir, 'bad');
    const resume = wsol(['train', '--data', data, '--out', out, '--resume', ...tiny]);
    expect(resume.code).toBe(2);
    expect(resume.stderr).toMatch(/wsol: --resume: .* has no checkpoint .* drop --resume to start a new run/);
    expect(resume.stderr).not.toMatch(/^\s+at /m);
    const size = wsol(['train', '--data', data, '--out', out, '--size', '20', '--backend', 'wasm']);
    expect(size.code).toBe(2);
    expect(size.stderr).toMatch(/inputSize 20 cannot be downsampled 8x/);
    const lr = wsol(['train', '--data', data, '--out', out, '--lr', 'fast']);
    expect(lr.code).toBe(2);
    expect(lr.stderr).toMatch(/--lr "fast" is not a number/);
    const crop = wsol(['train', '--data', data, '--out', out, '--crop-scale', '0.9,0.4', ...tiny]);
    expect(crop.code).toBe(2);
    expect(crop.stderr).toMatch(/--crop-scale: 0.9,0.4 must be two area fractions/);
    const workers = wsol(['train', '--data', data, '--out', out, '--workers', 'many', ...tiny]);
    expect(workers.code).toBe(2);
    expect(workers.stderr).toMatch(/--workers "many" is not a (whole )?number/);
    const teacher = wsol(['train', '--data', data, '--out', out, '--teacher', 'models/default', ...tiny]);
    expect(teacher.code).toBe(2);
    expect(teacher.stderr).toMatch(/--teacher: distils a SOS localization map, which --method cam does not have\. Use --method spa2net/);
    expect(existsSync(join(out, 'wsol.json'))).toBe(false);
  });

  it('eval: a missing model folder and a bad --layer use are clear errors', () => {
    const missing = wsol(['eval', '--model', join(tmp.dir, 'nope'), '--data', data, '--backend', 'wasm']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/wsol: Model folder .*nope does not exist/);
    const layer = wsol(['eval', '--model', join(tmp.dir, 'nope'), '--data', data, '--layer', 'stage2_out']);
    expect(layer.code).toBe(2);
    expect(layer.stderr).toMatch(/--layer needs --method dgl or --method gradcam/);
    const size = wsol(['eval', '--model', join(tmp.dir, 'nope'), '--data', data, '--input-size', '8']);
    expect(size.code).toBe(2);
    expect(size.stderr).toMatch(/--input-size 8 is outside 16..512/);
  });
});

describe('wsol train interrupted (Ctrl-C)', () => {
  it('stops after the current step on SIGINT, keeps the last epoch\'s checkpoint and says how to resume', async () => {
    const out = join(tmp.dir, 'interrupted');
    // node --import tsx: the signal reaches the process that runs the command (no tsx relay in between).
    const child = spawn(process.execPath, ['--import', 'tsx', entry, 'train', '--data', data, '--out', out, '--epochs', '500', ...tiny], {
      cwd: repoRoot, env: { ...process.env, NO_COLOR: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    await new Promise<void>((ready, fail) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (/^epoch 2\/500/m.test(stdout)) ready();
      });
      void exited.then((code) => fail(new Error(`train exited (${code}) before epoch 2: ${stderr}`)));
    });
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toContain('Stopping after this step');
    const done = Number(/Stopped after (\d+) epoch\(s\)/.exec(stdout)?.[1]);
    expect(done).toBeGreaterThanOrEqual(2);
    expect(stdout).toContain('--resume');
    const trainer = JSON.parse(readFileSync(join(out, 'checkpoint', 'trainer.json'), 'utf8')) as { epochsDone: number };
    expect(trainer.epochsDone).toBe(done);
  });
});
