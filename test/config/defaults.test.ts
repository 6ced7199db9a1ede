import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultConfig, loadConfig, parseConfigText } from '../../src/config/load.js';
import { packageRoot, streamOutputs } from '../../src/config/paths.js';
import { configSchema } from '../../src/config/schema.js';

const repoRoot = resolve(import.meta.dirname, '../..');
const originalCwd = process.cwd();

afterEach(() => process.chdir(originalCwd));

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'wsol-config-'));
}

describe('defaults', () => {
  it('makes `version: 1` alone a complete config with the documented defaults', () => {
    const config = parseConfigText('version: 1\n', join(repoRoot, 'x.yaml'));
    expect(config.streams).toEqual([
      {
        id: 'demo',
        input: 'demo:',
        fit: 'letterbox',
        reconnect: { initialDelayMs: 500, maxDelayMs: 30_000, factor: 2, maxAttempts: 0 },
        connectTimeoutMs: 10_000,
        stallTimeoutMs: 10_000,
        loop: false,
      },
    ]);
    expect(config.model).toEqual({ path: join(repoRoot, 'models/default'), backend: 'auto', allowSoftwareGpu: false, workers: 'auto', topK: 1 });
    expect(config.batching).toEqual({ size: 8, maxWaitMs: 50, liveQueue: 2, onModelError: 'skip' });
    expect(config.smoothing).toEqual({ enabled: true, alpha: 0.2, sceneCutThreshold: 0.5 });
    expect(config.boxes).toEqual({ threshold: 0.8, minAreaFraction: 0.03, maxPerClass: 4, topK: 1, mode: 'all' });
    expect(config.tracker).toEqual({ highThreshold: 0.05, lowThreshold: 0.05, newTrackThreshold: 0.3, matchIou: 0.5, minHits: 8, maxAge: 60 });
    expect(config.server).toEqual({
      host: '127.0.0.1',
      port: 8080,
      allowedOrigins: [],
      maxClients: 100,
      maxMessageBytes: 4096,
      sendBudgetBytes: 1_048_576,
      heartbeatMs: 15_000,
      preview: { enabled: true, width: 320, fps: 5, quality: 5 },
    });
    expect(config.outputs).toEqual({});
    expect(config.ffmpeg).toEqual({ stderrLines: 12 });
  });

  it('fills defaults inside a partly written section and stream', () => {
    const config = parseConfigText('version: 1\nserver:\n  preview:\n    fps: 2\nstreams:\n  - id: a\n    input: "lavfi:testsrc"\n    reconnect: { factor: 3 }\n', 'x.yaml');
    expect(config.server.preview).toEqual({ enabled: true, width: 320, fps: 2, quality: 5 });
    expect(config.server.port).toBe(8080);
    expect(config.streams[0].reconnect).toEqual({ initialDelayMs: 500, maxDelayMs: 30_000, factor: 3, maxAttempts: 0 });
    expect(config.streams[0].fit).toBe('letterbox');
  });

  it('treats an empty value as "use the default"', () => {
    const config = parseConfigText('version: 1\nserver:\n  port:\n  host: ~\nmodel:\n', 'x.yaml');
    expect(config.server.port).toBe(8080);
    expect(config.server.host).toBe('127.0.0.1');
    expect(config.model.backend).toBe('auto');
  });

  it('ships a config.yaml that is valid and equals the built-in defaults', async () => {
    process.chdir(repoRoot);
    const loaded = await loadConfig();
    expect(loaded.file).toBe('config.yaml');
    expect(loaded.config).toEqual(defaultConfig());
  });

  it('requires version and rejects unknown top-level keys', () => {
    expect(configSchema.safeParse({ version: 1, extra: true }).success).toBe(false);
    expect(configSchema.safeParse({ version: 1 }).success).toBe(true);
    expect(configSchema.safeParse({}).success).toBe(false);
  });

  it('uses ./config.yaml from the working directory when no file is named', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'config.yaml'), 'version: 1\nstreams:\n  - { id: here, input: clip.mp4 }\n');
    process.chdir(dir);
    const loaded = await loadConfig();
    expect(loaded.file).toBe('config.yaml');
    expect(loaded.config.streams.map((s) => s.id)).toEqual(['here']);
  });

  it('uses the built-in defaults when no file is named and ./config.yaml does not exist', async () => {
    process.chdir(tempDir());
    const loaded = await loadConfig();
    expect(loaded.file).toBeUndefined();
    expect(loaded.config.streams.map((s) => s.input)).toEqual(['demo:']);
    expect(loaded.config.model.path).toBe(join(packageRoot(), 'models/default'));
  });
});

describe('paths', () => {
  it('resolves relative paths against the config file folder, leaving URLs, devices and sources alone', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'conf'));
    const file = join(dir, 'conf', 'wsol.yaml');
    writeFileSync(
      file,
      [
        'version: 1',
        'ffmpeg: { path: bin/ffmpeg }',
        'model: { path: ../my-model }',
        'streams:',
        '  - { id: a, input: videos/a.mp4 }',
        '  - { id: b, input: "rtsp://cam/1", outputs: { render: "b.mp4" } }',
        '  - { id: c, input: /dev/video0 }',
        '  - { id: d, input: "lavfi:testsrc2=size=64x64:rate=5" }',
        '  - { id: e, input: "demo:?seed=3&frames=600", outputs: { jsonl: false } }',
        '  - { id: f, input: "file:///srv/v.mp4" }',
        '  - { id: g, input: "clips/a:b.mp4" }',
        'outputs: { jsonl: "out/{stream}.jsonl", render: "/abs/{stream}.mp4" }',
      ].join('\n'),
    );
    const { config } = await loadConfig(file);
    expect(config.ffmpeg.path).toBe(join(dir, 'conf/bin/ffmpeg'));
    expect(config.model.path).toBe(join(dir, 'my-model'));
    expect(config.streams.map((s) => s.input)).toEqual([
      join(dir, 'conf/videos/a.mp4'),
      'rtsp://cam/1',
      '/dev/video0',
      'lavfi:testsrc2=size=64x64:rate=5',
      'demo:?seed=3&frames=600',
      'file:///srv/v.mp4',
      join(dir, 'conf/clips/a:b.mp4'),
    ]);
    expect(config.outputs.jsonl).toBe(join(dir, 'conf/out/{stream}.jsonl'));
    expect(streamOutputs(config, config.streams[0])).toEqual({ jsonl: join(dir, 'conf/out/a.jsonl'), render: '/abs/a.mp4' });
    expect(streamOutputs(config, config.streams[1])).toEqual({ jsonl: join(dir, 'conf/out/b.jsonl'), render: join(dir, 'conf/b.mp4') });
    expect(streamOutputs(config, config.streams[4])).toEqual({ render: '/abs/e.mp4' });
  });

  it('keeps a bare ffmpeg name for the PATH lookup', () => {
    expect(parseConfigText('version: 1\nffmpeg: { path: ffmpeg }\n', '/tmp/x.yaml').ffmpeg.path).toBe('ffmpeg');
  });
});
