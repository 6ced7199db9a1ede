/**
 * The dashboard in headless Chromium on the REAL pipeline (`wsol serve`'s startServePipeline:
 * shipped model, demo clip looped in real time). The model's boxes move with the video, so the
 * checks are on a canvas capture taken together with the exact result it shows: the preview is
 * drawn, the heatmap tints it (same frame with the heatmap switched off for comparison), the
 * topmost confirmed track's box is outlined in its colour, and the fps counters show numbers.
 * The page's screenshot is saved to the temp folder, and as docs/dashboard.png with WSOL_UPDATE_DOCS=1
 * (so a test run does not change the repository).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configJsonSchema } from '../../src/config/json-schema.js';
import { defaultConfig } from '../../src/config/load.js';
import { streamSchema, type WsolConfig } from '../../src/config/schema.js';
import { decodeImage, type RgbImage } from '../../src/models/data/image-codec.js';
import { resolveFfmpeg, spawnFfmpeg } from '../../src/pipeline/ffmpeg.js';
import type { Pipeline } from '../../src/pipeline/pipeline.js';
import { startServePipeline } from '../../src/pipeline/serve-pipeline.js';
import { startServer, type RunningServer } from '../../src/server/http-server.js';
import type { ResultMessage } from '../../src/server/protocol.js';
import { launchBrowser, type Browser } from './browser.js';
import { changedShare, colorShare, hexToRgb, outlineCoverage } from './pixels.js';

const DOCS_SCREENSHOT = process.env.WSOL_UPDATE_DOCS === '1' ? resolve('docs/dashboard.png') : join(tmpdir(), 'wsol-dashboard.png');
const CANVAS_BACKGROUND: [number, number, number] = [0x20, 0x20, 0x20];

let pipeline: Pipeline;
let server: RunningServer;
let browser: Browser;

beforeAll(async () => {
  const base = defaultConfig();
  const config: WsolConfig = {
    ...base,
    model: { ...base.model, workers: 1, backend: 'wasm' },
    // The shipped model's class scores on the demo clip are low (often 0.1-0.4), below the default
    // thresholds for starting tracks: take every frame's largest box as a track, so there are boxes
    // to see whatever the model's confidence.
    boxes: { ...base.boxes, mode: 'largest' },
    tracker: { ...base.tracker, highThreshold: 0.02, lowThreshold: 0.01, newTrackThreshold: 0.02, minHits: 1 },
    streams: [streamSchema.parse({ id: 'demo', input: 'demo:' })],
    server: { ...base.server, port: 0 },
  };
  pipeline = await startServePipeline(config);
  server = await startServer(pipeline, config.server, { configSchema: configJsonSchema(), streams: config.streams });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await pipeline?.stop();
});

interface Capture {
  /** PNG data URLs of the canvas with the heatmap on and off, same result and preview. */
  on: string;
  off: string;
  result: ResultMessage;
  trackColors: Record<number, string>;
}

/**
 * Runs in the page: waits for a drawn frame (nothing pending) with a preview and a confirmed track,
 * captures the canvas, redraws the same state with the heatmap off and captures again. Retries when
 * a new result or preview arrived in between.
 */
function captureStill(): Promise<Capture> {
  type Dashboard = { state: { dirty: boolean; result: ResultMessage | null; previewIndex: number }; colorForTrack(id: number): string };
  const { state, colorForTrack } = (window as unknown as { wsolDashboard: Dashboard }).wsolDashboard;
  const canvas = document.getElementById('view') as HTMLCanvasElement;
  const heatmapToggle = document.getElementById('show-heatmap') as HTMLInputElement;
  const nextFrame = () => new Promise<void>((done) => requestAnimationFrame(() => done()));
  const drawn = async () => {
    while (state.dirty) await nextFrame();
  };
  return (async () => {
    for (let attempt = 0; attempt < 300; attempt++) {
      await nextFrame();
      await drawn();
      const { result, previewIndex } = state;
      if (!result || previewIndex < 0 || !result.tracks.some((track) => track.state === 'confirmed')) continue;
      const on = canvas.toDataURL('image/png');
      heatmapToggle.checked = false;
      state.dirty = true;
      await drawn();
      const off = canvas.toDataURL('image/png');
      heatmapToggle.checked = true;
      state.dirty = true;
      if (state.result === result && state.previewIndex === previewIndex) {
        return { on, off, result, trackColors: Object.fromEntries(result.tracks.map((track) => [track.id, colorForTrack(track.id)])) };
      }
    }
    throw new Error('no still frame with a preview and a confirmed track');
  })();
}

function decodeDataUrl(url: string, name: string): RgbImage {
  const png = Buffer.from(url.slice(url.indexOf(',') + 1), 'base64');
  writeFileSync(join(tmpdir(), name), png); // for a person to look at when the test fails
  return decodeImage(new Uint8Array(png), name);
}

/** A page screenshot made small enough to commit: 256-colour palette PNG (ffmpeg). */
async function savePaletteScreenshot(png: Buffer, file: string): Promise<void> {
  const run = spawnFfmpeg(resolveFfmpeg(), ['-loglevel', 'error', '-f', 'png_pipe', '-i', 'pipe:0', '-filter_complex', 'split[a][b];[a]palettegen=max_colors=256[p];[b][p]paletteuse=dither=none', '-f', 'image2', '-c:v', 'png', '-y', file], {
    stdin: true,
  });
  run.child.stdin!.end(png);
  const { code } = await run.exited;
  if (code !== 0) throw new Error(`ffmpeg could not write ${file}: ${run.stderr.text()}`);
}

describe('dashboard in headless Chromium on the real pipeline', () => {
  it('shows the demo stream: preview, heatmap tint, track boxes in their colours, fps', async () => {
    const { page } = browser;
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(server.url);
    await page.waitForSelector('#connection[data-state="open"]');
    await page.waitForFunction(() => {
      const state = (window as unknown as { wsolDashboard: { state: { previewIndex: number; result: { tracks: { state: string }[] } | null } } }).wsolDashboard.state;
      return state.previewIndex >= 0 && state.result !== null && state.result.tracks.some((track) => track.state === 'confirmed');
    }, undefined, { timeout: 60_000 });

    const capture = await page.evaluate(captureStill);
    const on = decodeDataUrl(capture.on, 'wsol-dashboard-real-on.png');
    const off = decodeDataUrl(capture.off, 'wsol-dashboard-real-off.png');
    expect([on.width, on.height]).toEqual([640, 480]); // 320x240 demo at the dashboard's 640 px

    // The preview picture fills the canvas (the bare canvas is a flat dark grey).
    expect(colorShare(off, CANVAS_BACKGROUND, 4)).toBeLessThan(0.05);
    // The heatmap tints the picture: the same frame differs with the heatmap off.
    expect(changedShare(on, off, 24)).toBeGreaterThan(0.02);
    // The topmost confirmed track (drawn last) is outlined in its own colour.
    const confirmed = capture.result.tracks.filter((track) => track.state === 'confirmed');
    const top = confirmed.at(-1)!;
    expect(outlineCoverage(off, hexToRgb(capture.trackColors[top.id]!), top.box)).toBeGreaterThan(0.5);
    expect(await page.locator('#tracks li').count()).toBeGreaterThan(0);

    // The counters show numbers: results/s from the second result on, the pipeline's fps once a
    // poll of /api/streams (every 2 s) finds the stream's rate meter filled.
    await page.waitForFunction(() => {
      const text = (id: string) => document.getElementById(id)?.textContent ?? '';
      const pipelineFps = /^(\d+(?:\.\d+)?) \(in \d+(\.\d+)?, skipped \d+(\.\d+)?\)$/.exec(text('stat-pipeline-fps'));
      return Number(text('stat-fps')) > 0 && pipelineFps !== null && Number(pipelineFps[1]) > 0;
    }, undefined, { timeout: 20_000 });
    // The picker's label follows the stream's status (it said "starting" in the hello).
    expect(await page.locator('#stream-picker option').first().textContent()).toBe('demo (online)');
    expect(errors).toEqual([]);

    // The page down to the end of its content (the viewport is taller).
    const height = await page.evaluate(() => Math.ceil(Math.max(...['header', 'main'].map((tag) => document.querySelector(tag)!.getBoundingClientRect().bottom))) + 16);
    await savePaletteScreenshot(await page.screenshot({ clip: { x: 0, y: 0, width: 1200, height: Math.min(800, height) } }), DOCS_SCREENSHOT);
    expect(decodeImage(new Uint8Array(readFileSync(DOCS_SCREENSHOT)), 'dashboard.png')).toMatchObject({ width: 1200, height: Math.min(800, height) });
  });
});
