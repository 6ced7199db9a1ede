/**
 * Writes the demo clip as a MOTChallenge-style sequence folder:
 *
 *   DIR/demo.mp4          H.264 (libx264) or MPEG-4 part 2 when the ffmpeg lacks x264; yuv420p
 *   DIR/gt/gt.txt         frame,id,x,y,w,h,conf,class,visibility  (MOTChallenge ground truth)
 *   DIR/gt/classes.txt    class id,digit  (class id = digit + 1)
 *   DIR/seqinfo.ini       [Sequence] name, imDir, frameRate, seqLength, imWidth, imHeight, imExt
 *   DIR/README.txt        what it is and the command that made it
 *   DIR/img1/000001.png   the frames as images, only when asked
 *
 * gt.txt follows MOTChallenge conventions: frames are 1-based; x, y is the top-left pixel of the
 * box in 1-based pixel coordinates (the top-left pixel of the image is 1,1); w, h are in pixels;
 * conf is 1; visibility is the visible fraction of the digit. Boxes cover the whole digit (also
 * its occluded parts), clipped to the frame; a digit wholly outside the frame has no line.
 */
import { once } from 'node:events';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WsolError } from '../../errors.js';
import { encodePng } from '../../models/data/image-codec.js';
import { hasLibx264 } from '../ffmpeg-capabilities.js';
import { resolveFfmpeg, spawnFfmpeg, type FfmpegBinary } from '../ffmpeg.js';
import { DEMO_GENERATOR_VERSION, type DemoParams } from './demo-params.js';
import { DemoScene, type GroundTruthBox } from './demo-scene.js';

export interface DemoClipFiles {
  dir: string;
  video: string;
  gt: string;
  classes: string;
  seqinfo: string;
}

export interface DemoClipResult extends DemoClipFiles {
  codec: 'libx264' | 'mpeg4';
  frames: number;
  /** Number of distinct object ids in the clip. */
  objects: number;
  ms: number;
}

export interface DemoClipOptions {
  ffmpeg?: FfmpegBinary;
  /** Also write every frame as img1/NNNNNN.png. */
  images?: boolean;
  /** The command line that produced it, for README.txt. */
  command?: string;
  onFrame?: (done: number, total: number) => void;
}

export function demoClipFiles(dir: string): DemoClipFiles {
  return { dir, video: join(dir, 'demo.mp4'), gt: join(dir, 'gt', 'gt.txt'), classes: join(dir, 'gt', 'classes.txt'), seqinfo: join(dir, 'seqinfo.ini') };
}

function encoderArgs(params: DemoParams, codec: 'libx264' | 'mpeg4', output: string): string[] {
  const { width, height, fps } = params;
  const codecArgs = codec === 'libx264' ? ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '18'] : ['-c:v', 'mpeg4', '-q:v', '2'];
  return [
    '-loglevel', 'error', '-nostats',
    '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`, '-r', String(fps), '-i', 'pipe:0',
    '-an', ...codecArgs, '-pix_fmt', 'yuv420p', '-g', String(Math.max(1, 2 * fps)),
    // Same seed, same binary: same bytes.
    '-fflags', '+bitexact', '-flags:v', '+bitexact', '-map_metadata', '-1',
    '-movflags', '+faststart', '-f', 'mp4', '-y', output,
  ];
}

export function formatGtLine(t: GroundTruthBox): string {
  const vis = Math.round(t.visibility * 10000) / 10000;
  return `${t.frame},${t.id},${t.x0 + 1},${t.y0 + 1},${t.x1 - t.x0 + 1},${t.y1 - t.y0 + 1},1,${t.digit + 1},${vis}`;
}

/**
 * Renders the clip for `params` and writes the sequence folder `dir` (created if needed). The
 * video is encoded under a temporary name and renamed when ffmpeg has finished successfully.
 */
export async function writeDemoClip(params: DemoParams, dir: string, options: DemoClipOptions = {}): Promise<DemoClipResult> {
  const started = Date.now();
  const binary = options.ffmpeg ?? resolveFfmpeg();
  const codec = (await hasLibx264(binary)) ? 'libx264' : 'mpeg4';
  const files = demoClipFiles(dir);
  mkdirSync(join(dir, 'gt'), { recursive: true });
  if (options.images) mkdirSync(join(dir, 'img1'), { recursive: true });
  const partial = `${files.video}.partial-${process.pid}`;

  const scene = new DemoScene(params);
  const lines: string[] = [];
  const ids = new Set<number>();
  const encoder = spawnFfmpeg(binary, encoderArgs(params, codec, partial), { stdin: true });
  const stdin = encoder.child.stdin!;
  // A dying ffmpeg closes the pipe (EPIPE); its exit status and stderr tell the story below.
  stdin.on('error', () => undefined);
  try {
    for (let index = 0; index < params.frames && encoder.running; index++) {
      // A fresh buffer per frame: the pipe keeps a reference until the bytes are written.
      const { rgb, truth } = scene.renderFrame(index);
      for (const t of truth) {
        lines.push(formatGtLine(t));
        ids.add(t.id);
      }
      if (options.images) writeFileSync(join(dir, 'img1', `${String(index + 1).padStart(6, '0')}.png`), encodePng({ width: params.width, height: params.height, data: rgb }));
      if (!stdin.write(rgb)) await Promise.race([once(stdin, 'drain').catch(() => undefined), encoder.exited]);
      options.onFrame?.(index + 1, params.frames);
    }
    stdin.end();
    const { code, signal } = await encoder.exited;
    if (code !== 0) {
      throw new WsolError('ffmpeg', `ffmpeg failed to encode the demo clip (${signal ? `signal ${signal}` : `exit code ${code}`}) with ${codec}.`, {
        hint: `Check that ${binary.path} can write MP4 files to ${dir} (disk space, permissions).`,
        detail: encoder.stderr.tail(),
      });
    }
    renameSync(partial, files.video);
  } catch (error) {
    await encoder.stop();
    rmSync(partial, { force: true });
    throw error;
  }

  writeFileSync(files.gt, lines.length > 0 ? `${lines.join('\n')}\n` : '');
  writeFileSync(files.classes, `${Array.from({ length: 10 }, (_, d) => `${d + 1},${d}`).join('\n')}\n`);
  writeFileSync(
    files.seqinfo,
    [
      '[Sequence]',
      `name=demo-seed${params.seed}`,
      'imDir=img1',
      `frameRate=${params.fps}`,
      `seqLength=${params.frames}`,
      `imWidth=${params.width}`,
      `imHeight=${params.height}`,
      'imExt=.png',
      'video=demo.mp4',
      '',
    ].join('\n'),
  );
  writeReadme(dir, params, codec, options);
  return { ...files, codec, frames: params.frames, objects: ids.size, ms: Date.now() - started };
}

function writeReadme(dir: string, params: DemoParams, codec: string, options: DemoClipOptions): void {
  const command =
    options.command ?? `wsol dataset video --out <DIR> --seed ${params.seed} --frames ${params.frames} --size ${params.width}x${params.height} --fps ${params.fps}`;
  writeFileSync(
    join(dir, 'README.txt'),
    `wsol demo clip: 2-4 moving real handwritten digits (MNIST test-split instances) on a panning,
cluttered background; they bounce, cross, pass behind a foreground bar, enter and leave.

Generated by:  ${command}
Seed ${params.seed}, ${params.frames} frames, ${params.width}x${params.height} at ${params.fps} fps, codec ${codec}, generator version ${DEMO_GENERATOR_VERSION}.

demo.mp4         the video
gt/gt.txt        MOTChallenge ground truth: frame,id,x,y,w,h,conf,class,visibility
                 frame 1-based; x,y = top-left pixel of the box, 1-based (image corner is 1,1);
                 w,h in pixels; conf 1; class = digit + 1 (see gt/classes.txt);
                 visibility = visible fraction of the digit (occluded or outside the frame = hidden).
                 Boxes cover the whole digit, clipped to the frame.
gt/classes.txt   class id,digit
seqinfo.ini      MOTChallenge sequence info${options.images ? '\nimg1/            the frames as PNG' : ' (imDir img1 is only written with --images)'}
`,
  );
}
