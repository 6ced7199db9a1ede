import { describe, expect, it } from 'vitest';
import { decodeBinaryMessage, encodeHeatmapMessage, encodePreviewMessage, heatmapContentRect } from '../../src/server/binary-messages.js';
import {
  applySubscribe,
  BINARY_FIXED_HEADER_BYTES,
  defaultSubscription,
  parseClientMessage,
  PROTOCOL_VERSION,
  toResultMessage,
  toTrackMessage,
} from '../../src/server/protocol.js';
import { Histogram, PrometheusWriter } from '../../src/server/prometheus-text.js';
import { TokenBucket } from '../../src/server/token-bucket.js';
import { gradientHeatmap, makeResult, track } from './test-pipeline.js';

describe('client messages', () => {
  it('accepts subscribe, ping and streams, with ids', () => {
    expect(parseClientMessage('{"type":"ping","id":7}')).toEqual({ ok: true, message: { type: 'ping', id: 7 } });
    expect(parseClientMessage('{"type":"streams"}')).toEqual({ ok: true, message: { type: 'streams' } });
    const parsed = parseClientMessage(JSON.stringify({ type: 'subscribe', streams: ['a', 'b'], kinds: ['heatmaps'], rates: { results: 5 } }));
    expect(parsed.ok).toBe(true);
  });

  it('rejects non-JSON, unknown types, unknown keys and bad values with a reason', () => {
    expect(parseClientMessage('{oops')).toMatchObject({ ok: false, code: 'bad-json' });
    expect(parseClientMessage('"hello"')).toMatchObject({ ok: false, code: 'bad-message' });
    expect(parseClientMessage('null')).toMatchObject({ ok: false, code: 'bad-message' });
    expect(parseClientMessage('{"type":"launch"}')).toMatchObject({ ok: false, code: 'bad-message' });
    const extra = parseClientMessage('{"type":"ping","extra":1,"id":"q1"}');
    expect(extra).toMatchObject({ ok: false, code: 'bad-message', id: 'q1' });
    const badKind = parseClientMessage('{"type":"subscribe","kinds":["videos"]}');
    expect(badKind.ok).toBe(false);
    if (!badKind.ok) expect(badKind.error).toContain('kinds');
    expect(parseClientMessage('{"type":"subscribe","rates":{"results":0}}').ok).toBe(false);
    expect(parseClientMessage('{"type":"subscribe","rates":{"results":1e9}}').ok).toBe(false);
    expect(parseClientMessage('{"type":"subscribe","streams":[""]}').ok).toBe(false);
    expect(parseClientMessage('{"__proto__":{"type":"ping"}}').ok).toBe(false);
  });

  it('subscribe replaces only the fields it names; null removes a rate', () => {
    const start = defaultSubscription();
    expect(start).toEqual({ streams: '*', kinds: ['results', 'events'], rates: {} });
    const first = applySubscribe(start, { type: 'subscribe', streams: ['cam', 'cam'], rates: { previews: 2 } });
    expect(first).toEqual({ streams: ['cam'], kinds: ['results', 'events'], rates: { previews: 2 } });
    const second = applySubscribe(first, { type: 'subscribe', kinds: ['previews', 'heatmaps', 'previews'], rates: { previews: null, results: 10 } });
    expect(second).toEqual({ streams: ['cam'], kinds: ['heatmaps', 'previews'], rates: { results: 10 } });
    expect(applySubscribe(second, { type: 'subscribe', streams: '*' }).streams).toBe('*');
  });
});

describe('messages from pipeline output', () => {
  it('a result message carries frame, size, scores, boxes, tracks and timing, rounded to 4 decimals', () => {
    const result = makeResult('cam', 3, { tracks: [track(4, [0.123456, 0.2, 0.654321, 0.9], { score: 0.333333 })] });
    const message = toResultMessage(result);
    expect(message).toMatchObject({ type: 'result', stream: 'cam', index: 3, ptsMs: 120, width: 640, height: 480 });
    expect(message.scores).toEqual([{ cls: 1, label: 'one', p: 0.8765 }]);
    expect(message.detections[0]!.box).toEqual([0.1235, 0.2, 0.6543, 0.9]);
    expect(message.tracks[0]).toMatchObject({ id: 4, label: 'one', state: 'confirmed', age: 7, score: 0.3333 });
    expect(message.timing).toEqual({ queueMs: 1, inferenceMs: 12.35, totalMs: 20 });
    expect(JSON.parse(JSON.stringify(message))).toEqual(message);
  });

  it('a track message names the lifecycle event', () => {
    const result = makeResult('cam', 9, { events: ['end'] });
    expect(toTrackMessage(result.events[0]!)).toMatchObject({ type: 'track', event: 'end', stream: 'cam', frameIndex: 9, track: { id: 1 } });
  });
});

describe('binary messages', () => {
  it('heatmap: header and map survive a round trip', () => {
    const heatmap = gradientHeatmap(12, 10);
    const bytes = encodeHeatmapMessage(makeResult('cam-1', 70_000), heatmap, [0, 0.125, 1, 0.75]);
    expect(bytes[0]).toBe(PROTOCOL_VERSION);
    expect(bytes.length).toBe(BINARY_FIXED_HEADER_BYTES + 'cam-1'.length + 120);
    const { header, payload } = decodeBinaryMessage(bytes);
    expect(header).toEqual({ kind: 'heatmap', stream: 'cam-1', index: 70_000, ptsMs: 2_800_000, width: 12, height: 10, cls: 1, content: [0, 0.125, 1, 0.75] });
    expect([...payload]).toEqual([...heatmap.data]);
  });

  it('preview: JPEG bytes follow the header, no class, whole picture', () => {
    const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 1, 2, 3, 0xff, 0xd9]);
    const { header, payload } = decodeBinaryMessage(encodePreviewMessage({ stream: 'x', index: 2, ptsMs: 80.5, width: 320, height: 240, jpeg }));
    expect(header).toMatchObject({ kind: 'preview', stream: 'x', index: 2, ptsMs: 80.5, width: 320, height: 240, cls: undefined, content: [0, 0, 1, 1] });
    expect([...payload]).toEqual([...jpeg]);
  });

  it('rejects truncated and inconsistent messages', () => {
    const bytes = encodeHeatmapMessage(makeResult('cam', 1), gradientHeatmap(), [0, 0, 1, 1]);
    expect(() => decodeBinaryMessage(bytes.subarray(0, 20))).toThrow(RangeError);
    expect(() => decodeBinaryMessage(bytes.subarray(0, bytes.length - 1))).toThrow(/payload/);
    const wrongVersion = Buffer.from(bytes);
    wrongVersion[0] = 9;
    expect(() => decodeBinaryMessage(wrongVersion)).toThrow(/version/);
    expect(() => encodeHeatmapMessage(makeResult('cam', 1), { cls: 0, width: 4, height: 4, data: new Uint8Array(15) }, [0, 0, 1, 1])).toThrow(RangeError);
  });

  it('the heatmap content rectangle excludes letterbox bars', () => {
    // 640x480 into 96x96: the picture is 96x72, centred, 12-pixel bars above and below.
    expect(heatmapContentRect(640, 480, [96, 96], 'letterbox')).toEqual([0, 12 / 96, 1, 72 / 96]);
    expect(heatmapContentRect(640, 480, [96, 96], 'stretch')).toEqual([0, 0, 1, 1]);
    expect(heatmapContentRect(480, 640, [96, 96], 'letterbox')).toEqual([12 / 96, 0, 72 / 96, 1]);
  });
});

describe('Prometheus text', () => {
  it('writes HELP, TYPE, escaped labels and cumulative histograms', () => {
    const histogram = new Histogram([0.01, 0.1, 1]);
    for (const value of [0.005, 0.05, 0.05, 5]) histogram.observe(value);
    const text = new PrometheusWriter()
      .family('a_total', 'counter', 'A "thing".\nTwo lines', [{ labels: { stream: 'x"y\\z\n' }, value: 3 }])
      .histogramFamily('lat_seconds', 'Latency.', [{ labels: { stream: 's' }, histogram }])
      .text();
    expect(text).toContain('# HELP a_total A "thing".\\nTwo lines\n# TYPE a_total counter\n');
    expect(text).toContain('a_total{stream="x\\"y\\\\z\\n"} 3\n');
    expect(text).toContain('lat_seconds_bucket{stream="s",le="0.01"} 1\n');
    expect(text).toContain('lat_seconds_bucket{stream="s",le="0.1"} 3\n');
    expect(text).toContain('lat_seconds_bucket{stream="s",le="1"} 3\n');
    expect(text).toContain('lat_seconds_bucket{stream="s",le="+Inf"} 4\n');
    expect(text).toContain('lat_seconds_count{stream="s"} 4\n');
    expect(text).toContain('lat_seconds_sum{stream="s"} 5.105\n');
  });
});

describe('token bucket', () => {
  it('allows a burst, then refills at its rate', () => {
    const bucket = new TokenBucket(3, 2);
    expect([bucket.take(0), bucket.take(0), bucket.take(0), bucket.take(0)]).toEqual([true, true, true, false]);
    expect(bucket.take(400)).toBe(false);
    expect(bucket.take(500)).toBe(true);
    expect(bucket.level(100_000)).toBe(3);
  });
});
