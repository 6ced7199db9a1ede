/**
 * COCO-style video JSON (the CocoVID layout of video trackers), complete when the stream ends:
 *
 *   { "info": {...},
 *     "images": [{ id, video_id, frame_id, width, height, pts_ms }],      one per frame, frame_id 0-based
 *     "annotations": [{ id, image_id, video_id, track_id, category_id, bbox: [x, y, w, h], area, score, iscrowd }],
 *     "videos": [{ id: 1, name: stream, width, height, fps, frames }],
 *     "categories": [{ id, name }] }                                       id = class index + 1 (as in MOT files)
 *
 * image.id = frame_id + 1. bbox is COCO's: the top-left corner and size in source pixels, 0-based
 * continuous coordinates (2 decimals). Annotations are the confirmed tracks of each frame (lost
 * ones too when asked). Memory stays flat on long streams: images go to the temporary file as they
 * come and annotations to a second one, joined at close; the result is renamed into place, so a
 * crash never leaves half a file at the target.
 */
import { closeSync, openSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isWsolError } from '../../errors.js';
import type { FrameResult } from '../results.js';
import { toPixelRect } from '../results.js';
import { LineFile } from './line-file.js';
import { reportedTracks } from './mot-sink.js';
import { type OutputErrorContext, OrderedWork, type ResultSink, roundTo, writeFailedError } from './sink.js';
import { commitStaged, discardStaged, type StagedFile, stageFile } from './staged-file.js';

export interface CocoSinkOptions {
  stream: string;
  /** Class names by class index. */
  classes: readonly string[];
  fps?: number;
  includeLost?: boolean;
}

const COPY_CHUNK = 1 << 20;

class CocoSink implements ResultSink {
  private readonly work = new OrderedWork();
  private images = 0;
  private annotations = 0;
  private size: { width: number; height: number } | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly context: OutputErrorContext,
    private readonly options: CocoSinkOptions,
    private readonly main: { staged: StagedFile; file: LineFile },
    private readonly side: { path: string; file: LineFile },
  ) {}

  write(result: FrameResult): Promise<void> {
    return this.work.run(async () => {
      this.size ??= { width: result.width, height: result.height };
      const imageId = result.index + 1;
      const image = { id: imageId, video_id: 1, frame_id: result.index, width: result.width, height: result.height, pts_ms: roundTo(result.ptsMs, 3) };
      await this.main.file.append(`${this.images++ === 0 ? '' : ','}${JSON.stringify(image)}\n`);
      const lines: string[] = [];
      for (const track of reportedTracks(result, this.options.includeLost ?? false)) {
        const [x, y, w, h] = toPixelRect(track.box, result.width, result.height).map((v) => roundTo(v, 2));
        const annotation = {
          id: this.annotations + lines.length + 1,
          image_id: imageId,
          video_id: 1,
          track_id: track.id,
          category_id: track.cls + 1,
          bbox: [x, y, w, h],
          area: roundTo(w! * h!, 2),
          score: roundTo(track.score, 4),
          iscrowd: 0,
        };
        lines.push(`${this.annotations + lines.length === 0 ? '' : ','}${JSON.stringify(annotation)}\n`);
      }
      if (lines.length > 0) {
        await this.side.file.append(lines.join(''));
        this.annotations += lines.length;
      }
    });
  }

  close(): Promise<void> {
    this.closing ??= this.finish();
    return this.closing;
  }

  private async finish(): Promise<void> {
    try {
      await this.work.idle();
      await this.side.file.close();
      await this.main.file.append('],\n"annotations":[\n');
      await this.copySideFile();
      const video = { id: 1, name: this.options.stream, width: this.size?.width ?? 0, height: this.size?.height ?? 0, fps: this.options.fps ?? null, frames: this.images };
      const categories = this.options.classes.map((name, cls) => ({ id: cls + 1, name }));
      await this.main.file.append(`],\n"videos":[${JSON.stringify(video)}],\n"categories":${JSON.stringify(categories)}}\n`);
      await this.main.file.close();
      commitStaged(this.main.staged);
    } catch (error) {
      await this.main.file.close().catch(() => undefined);
      await this.side.file.close().catch(() => undefined);
      discardStaged(this.main.staged);
      throw isWsolError(error) ? error : writeFailedError(this.context, error, 'The file is not replaced.');
    } finally {
      rmSync(this.side.path, { force: true });
    }
  }

  /** Appends the annotation lines (whole lines, read back in chunks) to the main file. */
  private async copySideFile(): Promise<void> {
    const fd = openSync(this.side.path, 'r');
    try {
      const buffer = Buffer.alloc(COPY_CHUNK);
      let carry = '';
      for (;;) {
        const read = readSync(fd, buffer, 0, COPY_CHUNK, null);
        if (read === 0) break;
        const text = carry + buffer.toString('utf8', 0, read);
        const cut = text.lastIndexOf('\n') + 1;
        carry = text.slice(cut);
        if (cut > 0) await this.main.file.append(text.slice(0, cut));
      }
      if (carry) await this.main.file.append(`${carry}\n`);
    } finally {
      closeSync(fd);
    }
  }
}

/** Opens the COCO output now: its temporary files are created here, the target is replaced at close. */
export function openCocoSink(path: string, options: CocoSinkOptions): ResultSink {
  const context: OutputErrorContext = { kind: 'coco', path, stream: options.stream };
  const mainStaged = stageFile(path);
  // Writing straight to a device: the annotations wait in the system's temporary folder instead of beside it.
  const sidePath = mainStaged.staged ? stageFile(path, '.annotations').path : join(tmpdir(), `wsol-coco-${process.pid}-${Date.now()}.annotations`);
  const main = LineFile.open(context, mainStaged.path);
  let side: LineFile;
  try {
    side = LineFile.open(context, sidePath);
  } catch (error) {
    void main.close().catch(() => undefined);
    discardStaged(mainStaged);
    throw error;
  }
  const info = { description: `wsol-stream tracks of stream ${options.stream}`, date_created: new Date().toISOString() };
  const sink = new CocoSink(context, options, { staged: mainStaged, file: main }, { path: sidePath, file: side });
  // The header goes first; write() calls queue behind it.
  void main.append(`{"info":${JSON.stringify(info)},\n"images":[\n`).catch(() => undefined);
  return sink;
}
