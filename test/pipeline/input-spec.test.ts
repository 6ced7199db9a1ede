import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { WsolError } from '../../src/errors.js';
import { parseInputSpec } from '../../src/pipeline/input-spec.js';

describe('parseInputSpec', () => {
  it.each([
    ['clip.mp4', { kind: 'file', target: resolve('clip.mp4'), live: false }],
    ['/data/a b.mkv', { kind: 'file', target: '/data/a b.mkv', live: false }],
    ['file:///data/a%20b.mkv', { kind: 'file', target: '/data/a b.mkv', live: false }],
    ['rtsp://user:pw@cam.local:554/stream1', { kind: 'url', scheme: 'rtsp', live: true }],
    ['RTMP://host/app/key', { kind: 'url', scheme: 'rtmp', live: true }],
    ['https://example.com/live.m3u8', { kind: 'url', scheme: 'https', live: true }],
    ['/dev/video0', { kind: 'device', target: '/dev/video0', live: true }],
    ['lavfi:testsrc2=size=320x240:rate=25:duration=2', { kind: 'lavfi', target: 'testsrc2=size=320x240:rate=25:duration=2', live: false }],
    ['demo:', { kind: 'demo', live: false }],
    ['demo:?seed=3&frames=600', { kind: 'demo', target: 'demo:?seed=3&frames=600', live: false }],
  ])('%s', (spec, expected) => {
    expect(parseInputSpec(spec)).toMatchObject({ spec, ...expected });
  });

  it.each([
    ['', /empty/],
    ['lavfi:', /no filter graph/],
    ['demo:seed=3', /not a valid demo input/],
    ['gopher://old.host/1', /Unsupported URL scheme "gopher:\/\/"/],
  ])('rejects %j with a hint', (spec, message) => {
    let caught: unknown;
    try {
      parseInputSpec(spec);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(WsolError);
    expect((caught as WsolError).kind).toBe('input');
    expect((caught as WsolError).message).toMatch(message);
    expect((caught as WsolError).hint).toBeTruthy();
  });
});
