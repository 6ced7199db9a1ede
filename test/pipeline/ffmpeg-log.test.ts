/** Parsers for ffmpeg's stderr, on lines as printed by ffmpeg 5.1 and by the 2018 static build. */
import { describe, expect, it } from 'vitest';
import { LineSplitter, parseInputHeader, parseLastFrameCounter, parseShowinfoFrame, parseShowinfoTimeBase } from '../../src/pipeline/ffmpeg-log.js';
import { backoffDelay } from '../../src/pipeline/source-options.js';

const HEADER_5 = `Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'r.mp4':
  Metadata:
    major_brand     : isom
  Duration: 00:00:02.00, start: 0.000000, bitrate: 128 kb/s
  Stream #0:0[0x1](und): Video: h264 (High) (avc1 / 0x31637661), yuv420p(progressive), 160x120 [SAR 1:1 DAR 4:3], 122 kb/s, 29.97 fps, 29.97 tbr, 12800 tbn (default)
    Metadata:
      handler_name    : VideoHandler
    Side data:
      displaymatrix: rotation of 90.00 degrees
Stream mapping:`;

const HEADER_OLD = `Input #0, mpegts, from 'a.ts':
  Duration: N/A, start: 1.440000, bitrate: N/A
  Program 1
    Stream #0:0[0x100]: Video: mpeg2video (Main) ([2][0][0][0] / 0x0002), yuv420p(tv, progressive), 640x360 [SAR 1:1 DAR 16:9], 25 tbr, 90k tbn, 50 tbc
      rotate          : 180
    Stream #0:1[0x101](eng): Audio: mp2, 48000 Hz, stereo, s16p, 384 kb/s`;

describe('parseInputHeader', () => {
  it('reads ffmpeg 5 output: codec, size (not the codec tag), fps, duration, display-matrix rotation', () => {
    expect(parseInputHeader(HEADER_5)).toEqual({
      format: 'mov,mp4,m4a,3gp,3g2,mj2',
      durationMs: 2000,
      startMs: 0,
      codec: 'h264',
      codedWidth: 160,
      codedHeight: 120,
      fps: 29.97,
      rotation: 270,
    });
  });

  it('reads 2018 output: no duration, tbr as the rate, rotate tag', () => {
    expect(parseInputHeader(HEADER_OLD)).toMatchObject({ format: 'mpegts', codec: 'mpeg2video', codedWidth: 640, codedHeight: 360, fps: 25, rotation: 180, startMs: 1440 });
    expect(parseInputHeader(HEADER_OLD)?.durationMs).toBeUndefined();
  });

  it('no video stream, no header', () => {
    expect(parseInputHeader("Input #0, mp3, from 'a.mp3':\n  Stream #0:0: Audio: mp3, 44100 Hz")).toBeUndefined();
    expect(parseInputHeader('a.mp4: Invalid data found when processing input')).toBeUndefined();
  });
});

describe('showinfo lines', () => {
  it('parses pts and size from both builds', () => {
    const v5 = '[Parsed_showinfo_1 @ 0x55c64fe43d80] n:  12 pts:   6144 pts_time:0.48    pos:     4946 fmt:yuv420p sar:1/1 s:120x160 i:P iskey:0 type:B';
    const old = '[Parsed_showinfo_0 @ 0x297e5100] n:   0 pts:      0 pts_time:0       pos:       48 fmt:yuv420p sar:1/1 s:1920x1080 i:P iskey:1 type:I checksum:254ABF2E mean:[111 131 130 ]';
    expect(parseShowinfoFrame(v5)).toEqual({ n: 12, pts: 6144, width: 120, height: 160 });
    expect(parseShowinfoFrame(old)).toEqual({ n: 0, pts: 0, width: 1920, height: 1080 });
    expect(parseShowinfoFrame('[Parsed_showinfo_0 @ 0x1] n:   3 pts:NOPTS pts_time:NOPTS pos: -1 fmt:rgb24 sar:1/1 s:64x48 i:P')).toMatchObject({ pts: null });
    expect(parseShowinfoTimeBase('[Parsed_showinfo_3 @ 0x1955e5c0] config in time_base: 1/12800, frame_rate: 25/1')).toBe(1 / 12800);
  });

  it('LineSplitter joins lines split across chunks and splits on \\r', () => {
    const lines: string[] = [];
    const splitter = new LineSplitter();
    splitter.push('frame=  1\rframe=  2\rab', (line) => lines.push(line));
    splitter.push('c\nde', (line) => lines.push(line));
    splitter.flush((line) => lines.push(line));
    expect(lines).toEqual(['frame=  1', 'frame=  2', 'abc', 'de']);
    expect(parseLastFrameCounter(lines.join('\n'))).toBe(2);
  });
});

describe('backoffDelay', () => {
  it('grows by factor and is capped', () => {
    const reconnect = { initialDelayMs: 500, maxDelayMs: 3000, factor: 2, maxAttempts: 0 };
    expect([1, 2, 3, 4, 5].map((attempt) => backoffDelay(attempt, reconnect))).toEqual([500, 1000, 2000, 3000, 3000]);
  });
});
