/**
 * Inference images/s of trained model folders through the pipeline's Localizer (loadLocalizer,
 * localize() of rgb24 images, top-1 maps read back), on wasm at one batch size; the median of the
 * timed calls. Each argument is LABEL=DIR or LABEL=DIR:METHOD[:LAYER] (METHOD overrides wsol.json's,
 * e.g. gradcam or dgl on a cam model):
 *   npx tsx bench/issue4/localize-speed.ts [--batch 8] [--runs 15] cam=DIR dgl=DIR:dgl:stage6_out icl=DIR
 */
import os from 'node:os';
import { initBackend } from '../../src/models/backend.js';
import { loadLocalizer, type LocalizerOptions } from '../../src/models/localizer.js';
import type { MethodName } from '../../src/models/methods/method.js';
import type { LocalizerInput } from '../../src/models/types.js';

function parseArgs(argv: string[]): { batch: number; runs: number; targets: { label: string; dir: string; options: LocalizerOptions }[] } {
  let batch = 8;
  let runs = 15;
  const targets = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--batch') batch = Number(argv[++i]);
    else if (argv[i] === '--runs') runs = Number(argv[++i]);
    else {
      const [label, spec] = argv[i].split('=');
      const [dir, method, layer] = spec.split(':');
      const options: LocalizerOptions = {};
      if (method) options.method = method as MethodName;
      if (layer && method === 'dgl') options.dglLayers = [layer];
      if (layer && method === 'gradcam') options.gradcamLayer = layer;
      targets.push({ label, dir, options });
    }
  }
  return { batch, runs, targets };
}

/** Deterministic noise images: the speed does not depend on the content. */
function images(count: number, width: number, height: number): LocalizerInput[] {
  let state = 12345;
  return Array.from({ length: count }, () => {
    const pixels = new Uint8Array(width * height * 3);
    for (let i = 0; i < pixels.length; i++) {
      state = (state * 1103515245 + 12345) >>> 0;
      pixels[i] = state >>> 24;
    }
    return { width, height, pixels };
  });
}

async function main(): Promise<void> {
  const { batch, runs, targets } = parseArgs(process.argv.slice(2));
  await initBackend('wasm');
  console.log(`localize() on wasm, batch ${batch}, median of ${runs} calls after 3 warm-up; load average ${os.loadavg()[0].toFixed(2)} on ${os.cpus().length} cores`);
  console.log('| model | method | map | ms/batch | images/s |');
  console.log('|---|---|---|---|---|');
  for (const target of targets) {
    const localizer = await loadLocalizer(target.dir, target.options);
    try {
      const input = images(batch, localizer.info.inputSize[0], localizer.info.inputSize[1]);
      for (let i = 0; i < 3; i++) await localizer.localize(input);
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        const start = performance.now();
        await localizer.localize(input);
        times.push(performance.now() - start);
      }
      times.sort((a, b) => a - b);
      const ms = times[Math.floor(times.length / 2)];
      const map = localizer.info.mapSize.join('x');
      console.log(`| ${target.label} | ${localizer.info.method} | ${map} | ${ms.toFixed(1)} | ${((batch * 1000) / ms).toFixed(1)} |`);
    } finally {
      localizer.dispose();
    }
  }
}

await main();
