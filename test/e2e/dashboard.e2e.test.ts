import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage, type RgbImage } from '../../src/models/data/image-codec.js';
import { resolveFfmpeg, spawnFfmpeg } from '../../src/pipeline/ffmpeg.js';
import type { HeatmapU8 } from '../../src/pipeline/results.js';
import { startTestServer, type TestServer } from '../server/helpers.js';
import { makeResult, track, TestPipeline } from '../server/test-pipeline.js';
import { launchBrowser, type Browser } from './browser.js';
import { hexToRgb, lineCoverage, near, pixel } from './pixels.js';

const BOX: [number, number, number, number] = [0.25, 0.3, 0.7, 0.8];
/** A box touching the right and bottom edges of the frame. */
const EDGE_BOX: [number, number, number, number] = [0.8, 0.85, 1, 1];
const GREY = 128;

/** A flat grey 320x240 JPEG, encoded by ffmpeg like the pipeline's previews. */
async function greyJpeg(): Promise<Uint8Array> {
  const run = spawnFfmpeg(resolveFfmpeg(), ['-loglevel', 'error', '-f', 'lavfi', '-i', `color=c=0x${GREY.toString(16).repeat(3)}:s=320x240:d=1`, '-frames:v', '1', '-q:v', '2', '-f', 'image2pipe', '-vcodec', 'mjpeg', 'pipe:1']);
  const chunks: Buffer[] = [];
  run.child.stdout!.on('data', (chunk: Buffer) => chunks.push(chunk));
  const { code } = await run.exited;
  if (code !== 0) throw new Error(`ffmpeg failed: ${run.stderr.text()}`);
  return new Uint8Array(Buffer.concat(chunks));
}

/** Hot (255) in the top-right quarter of the picture, cold elsewhere; 12x12 over a letterboxed 96x96 input. */
function cornerHeatmap(): HeatmapU8 {
  const data = new Uint8Array(144);
  // 640x480 letterboxed into 96x96 fills map rows 1.5..10.5; the picture's top-right quarter is about rows 2-5, columns 7-11.
  for (let y = 2; y <= 5; y++) for (let x = 7; x < 12; x++) data[y * 12 + x] = 255;
  return { cls: 1, width: 12, height: 12, data };
}

let running: TestServer;
let browser: Browser;
let feed: NodeJS.Timeout | undefined;
let jpeg: Uint8Array;

function startFeed(server: TestServer): void {
  let index = 0;
  clearInterval(feed);
  feed = setInterval(() => {
    server.pipeline.result(makeResult('demo', index, { tracks: [track(1, BOX), track(2, EDGE_BOX)], heatmap: cornerHeatmap() }));
    if (index % 5 === 0) server.pipeline.preview({ stream: 'demo', index, ptsMs: index * 40, width: 320, height: 240, jpeg });
    index += 1;
  }, 40);
}

beforeAll(async () => {
  jpeg = await greyJpeg();
  running = await startTestServer({}, new TestPipeline(['demo']));
  browser = await launchBrowser();
});

afterAll(async () => {
  clearInterval(feed);
  await browser?.close();
  await running?.close();
});

async function screenshotCanvas(name: string): Promise<RgbImage> {
  const png = await browser.page.locator('#view').screenshot();
  writeFileSync(join(tmpdir(), name), png); // kept for a person to look at when the test fails
  return decodeImage(new Uint8Array(png), name);
}

describe('dashboard in headless Chromium', () => {
  it('draws the preview, the heatmap and the track box where the result puts it', async () => {
    const { page } = browser;
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(running.server.url);
    await page.waitForSelector('#connection[data-state="open"]');
    startFeed(running);
    await page.waitForFunction(() => {
      const state = (window as unknown as { wsolDashboard: { state: { previewIndex: number; result: unknown } } }).wsolDashboard.state;
      return state.previewIndex >= 0 && state.result !== null;
    });
    // Two animation frames, so the latest state is on the canvas.
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    const image = await screenshotCanvas('wsol-dashboard-e2e.png');
    const color = hexToRgb(await page.evaluate(() => (window as unknown as { wsolDashboard: { colorForTrack(id: number): string } }).wsolDashboard.colorForTrack(1)));
    const [x0, y0, x1, y1] = [BOX[0] * image.width, BOX[1] * image.height, BOX[2] * image.width, BOX[3] * image.height];

    // The box's four sides are drawn in the track's colour (the label sits above the top-left corner).
    expect(lineCoverage(image, color, [x0 + 90, y0], [x1 - 5, y0])).toBeGreaterThan(0.9);
    expect(lineCoverage(image, color, [x0 + 5, y1], [x1 - 5, y1])).toBeGreaterThan(0.9);
    expect(lineCoverage(image, color, [x0, y0 + 5], [x0, y1 - 5])).toBeGreaterThan(0.9);
    expect(lineCoverage(image, color, [x1, y0 + 5], [x1, y1 - 5])).toBeGreaterThan(0.9);
    // A box on the frame's right and bottom edges is drawn inside the canvas: its 3 px line covers the last 3 columns and rows.
    const edge = hexToRgb(await page.evaluate(() => (window as unknown as { wsolDashboard: { colorForTrack(id: number): string } }).wsolDashboard.colorForTrack(2)));
    const [ex0, ey0] = [EDGE_BOX[0] * image.width, EDGE_BOX[1] * image.height];
    for (const inward of [1, 3]) {
      expect(near(pixel(image, image.width - inward, (ey0 + image.height) / 2), edge, 40)).toBe(true);
      expect(near(pixel(image, (ex0 + image.width) / 2, image.height - inward), edge, 40)).toBe(true);
    }
    // Away from the box the colour is absent: a cold corner shows the grey preview as it is.
    expect(lineCoverage(image, color, [5, image.height - 10], [x0 - 10, image.height - 10])).toBe(0);
    expect(near(pixel(image, image.width * 0.1, image.height * 0.9), [GREY, GREY, GREY], 12)).toBe(true);
    // The hot top-right corner is tinted by the colormap (red/yellow over grey).
    const [r, g, b] = pixel(image, image.width * 0.9, image.height * 0.12);
    expect(r).toBeGreaterThan(GREY + 30);
    expect(b).toBeLessThan(GREY - 30);
    expect(g).toBeGreaterThanOrEqual(0);
    expect(await page.locator('#tracks li').first().textContent()).toContain('#1 one');
    expect(errors).toEqual([]);
  });

  it('reconnects on its own when the server comes back', async () => {
    const { page } = browser;
    const port = running.server.port;
    clearInterval(feed);
    await running.close();
    await page.waitForSelector('#connection[data-state="closed"]');
    running = await startTestServer({ port }, new TestPipeline(['demo']));
    startFeed(running);
    await page.waitForSelector('#connection[data-state="open"]', { timeout: 30_000 });
    const before = await page.evaluate(() => (window as unknown as { wsolDashboard: { state: { result: { index: number } } } }).wsolDashboard.state.result.index);
    await page.waitForFunction((start) => {
      const result = (window as unknown as { wsolDashboard: { state: { result: { index: number } | null } } }).wsolDashboard.state.result;
      return result !== null && result.index !== start;
    }, before);
  });
});
