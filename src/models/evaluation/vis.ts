/**
 * `wsol eval --vis DIR`: one PNG per kept test image, two panels at the evaluation size: the image,
 * and the GT-class map (jet) over it. On both, the true boxes in green and the predicted boxes in
 * red: every component box at the val-chosen tau (1 px) and the largest one (2 px, the box
 * GT-known Loc scores). index.json lists each picture with its class, prediction and best IoU.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodePng } from '../data/image-codec.js';
import { extractBoxes } from '../metrics/boxes.js';
import { type Box, maxIou } from '../metrics/iou.js';
import { resizeRgb } from '../training/resize-rgb.js';
import { drawBox, heatmapOverlay, type Rgb, sideBySide } from './draw.js';
import type { KeptSample } from './split-pass.js';

export const TRUE_BOX_COLOUR: Rgb = [0, 220, 0];
export const PREDICTED_BOX_COLOUR: Rgb = [255, 30, 30];

export interface VisEntry {
  file: string;
  id: string;
  label: number;
  predicted: number;
  predictedLabel: string;
  probability: number;
  tau: number;
  predictedBox: Box;
  iou: number;
}

function isEmpty(b: Readonly<Box>): boolean {
  return b[0] === 0 && b[1] === 0 && b[2] === 0 && b[3] === 0;
}

/** Renders one sample; returns the picture and what it shows. */
export function renderSample(sample: KeptSample, tau: number): { png: Buffer; predictedBox: Box; iou: number } {
  const w = sample.mapWidth;
  const h = sample.mapHeight;
  const image = resizeRgb(sample.image, w, h);
  const left = { width: w, height: h, data: Uint8Array.from(image.data) };
  const right = heatmapOverlay(image, sample.map);
  const all = extractBoxes(sample.map, w, h, tau, 'all').filter((b) => !isEmpty(b));
  const largest = extractBoxes(sample.map, w, h, tau, 'largest')[0]!;
  for (const panel of [left, right]) {
    for (const b of sample.groundTruth) drawBox(panel, b, TRUE_BOX_COLOUR, 2);
    for (const b of all) drawBox(panel, b, PREDICTED_BOX_COLOUR, 1);
    if (!isEmpty(largest)) drawBox(panel, largest, PREDICTED_BOX_COLOUR, 2);
  }
  return { png: encodePng(sideBySide([left, right])), predictedBox: largest, iou: maxIou([largest], sample.groundTruth) };
}

/** Writes the pictures and index.json into `dir`; returns the entries. */
export function writeVisualizations(dir: string, samples: readonly KeptSample[], tau: number): VisEntry[] {
  mkdirSync(dir, { recursive: true });
  const entries: VisEntry[] = [];
  samples.forEach((sample, i) => {
    const { png, predictedBox, iou } = renderSample(sample, tau);
    const stem = sample.item.id.replace(/\.[a-z0-9]+$/i, '').replace(/[^A-Za-z0-9_-]+/g, '_').slice(-60);
    const file = `${String(i).padStart(3, '0')}-${stem}.png`;
    writeFileSync(join(dir, file), png);
    entries.push({
      file, id: sample.item.id, label: sample.item.label, predicted: sample.predicted, predictedLabel: sample.predictedLabel,
      probability: sample.probability, tau, predictedBox, iou,
    });
  });
  writeFileSync(join(dir, 'index.json'), `${JSON.stringify({ tau, trueBoxColour: TRUE_BOX_COLOUR, predictedBoxColour: PREDICTED_BOX_COLOUR, images: entries }, null, 2)}\n`);
  return entries;
}
