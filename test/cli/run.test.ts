import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from './cli-helpers.js';

let dir: string;
let video: string;

/** ffmpeg processes anywhere on the machine whose command line names our temp dir. */
function ffmpegUsing(path: string): string[] {
  const table = execFileSync('ps', ['-e', '-o', 'pid=,args='], { encoding: 'utf8' });
  return table.split('\n').filter((line) => line.includes('ffmpeg') && line.includes(path));
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'wsol-run-'));
  video = join(dir, 'clip.mp4');
  // 3 s at 25 fps = 75 frames, 320x180.
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=25:duration=3', '-pix_fmt', 'yuv420p', video]);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('wsol run (whole chain, shipped model)', () => {
  it('writes exactly one JSON line per decoded frame, in order, with monotone pts and the source size', async () => {
    const out = join(dir, 'frames.jsonl');
    const result = await runCli(['run', '--input', video, '--out', out, '--workers', '1']);
    expect(result.code).toBe(0);
    const lines = readFileSync(out, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    expect(lines).toHaveLength(75);
    lines.forEach((line, i) => {
      expect(line).toMatchObject({ stream: 'input', index: i, width: 320, height: 180 });
      expect(line.scores.length).toBeGreaterThan(0);
      expect(Array.isArray(line.detections) && Array.isArray(line.tracks)).toBe(true);
      if (i > 0) expect(line.ptsMs).toBeGreaterThan(lines[i - 1].ptsMs);
    });
    expect(lines[1].ptsMs - lines[0].ptsMs).toBeCloseTo(40, 5);
  });

  it('writes JSON lines to stdout when no --out is given and respects --fps', async () => {
    const result = await runCli(['run', '--input', video, '--fps', '5']);
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(14);
    expect(lines.length).toBeLessThanOrEqual(16);
  });

  it('runs the streams of a config file', async () => {
    const config = join(dir, 'two-streams.yaml');
    writeFileSync(config, `version: 1\nstreams:\n  - id: a\n    input: ${video}\n  - id: b\n    input: "lavfi:testsrc2=size=64x48:rate=10:duration=1"\n`);
    const result = await runCli(['run', '--config', config]);
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(lines.filter((l) => l.stream === 'a')).toHaveLength(75);
    expect(lines.filter((l) => l.stream === 'b')).toHaveLength(10);
  });

  it.each([
    ['a missing file', () => join(dir, 'missing.mp4'), /not found/i],
    ['a text file named .mp4', () => {
      const file = join(dir, 'text.mp4');
      writeFileSync(file, 'this is not a video\n'.repeat(50));
      return file;
    }, /video|decod|invalid|read/i],
    ['a zero-length file', () => {
      const file = join(dir, 'empty.mp4');
      writeFileSync(file, '');
      return file;
    }, /empty|zero/i],
    ['an unsupported device', () => '/dev/video99', /device/i],
  ])('rejects %s with a one-paragraph message, a non-zero exit and no stack trace', async (_name, input, pattern) => {
    const result = await runCli(['run', '--input', input()]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/^wsol: /);
    expect(result.stderr).toMatch(pattern);
    expect(result.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    expect(result.stdout).toBe('');
    expect(ffmpegUsing(dir)).toEqual([]);
  });

  it('fails before decoding when the output cannot be written', async () => {
    const result = await runCli(['run', '--input', video, '--out', '/proc/wsol-no/frames.jsonl']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/Cannot write the JSONL output .* \/proc\/wsol-no\/frames\.jsonl/);
    expect(result.stderr).not.toMatch(/TF\.js backend/); // refused before the model was loaded
  });

  it('prints the stack trace of a user error only with --debug', async () => {
    const result = await runCli(['--debug', 'run', '--input', join(dir, 'missing.mp4')]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/\n\s+at .+:\d+:\d+/);
  });

  it('stops cleanly on SIGINT: exit 0, every written line complete, no ffmpeg left', async () => {
    const out = join(dir, 'interrupted.jsonl');
    const mot = join(dir, 'interrupted.txt');
    const render = join(dir, 'interrupted.mp4');
    const { child, result } = startCli(['run', '--input', video, '--loop', '--out', out, '--mot', mot, '--render', render]);
    // Wait for some output, then interrupt.
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        try {
          if (readFileSync(out, 'utf8').split('\n').length > 20) {
            clearInterval(poll);
            resolve();
          }
        } catch {
          /* not created yet */
        }
      }, 100);
    });
    child.kill('SIGINT');
    const done = await result;
    expect(done.code).toBe(0);
    const text = readFileSync(out, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.trim().split('\n').map((line) => JSON.parse(line));
    lines.forEach((line, i) => expect(line.index).toBe(i));
    // The rendered video is complete: ffmpeg decodes exactly as many frames as there are results.
    const probe = execFileSync('ffmpeg', ['-hide_banner', '-v', 'error', '-i', render, '-map', '0:v', '-f', 'framemd5', '-'], { encoding: 'utf8' });
    expect(probe.split('\n').filter((l) => /^0,/.test(l))).toHaveLength(lines.length);
    const motText = readFileSync(mot, 'utf8');
    expect(motText === '' || motText.endsWith('\n')).toBe(true);
    expect(ffmpegUsing(dir)).toEqual([]);
  });
});
