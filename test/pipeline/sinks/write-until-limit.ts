/**
 * Child process of the "file size limit" tests: run under `ulimit -f N`, it writes results through
 * one sink until a write fails (the kernel cuts the last write short, then refuses with EFBIG;
 * Node ignores SIGXFSZ) and prints what happened as JSON:
 *
 *   node --import tsx write-until-limit.ts <jsonl|mot|coco> <path> <frames>
 */
import { openCocoSink } from '../../../src/pipeline/sinks/coco-sink.js';
import { openJsonlSink } from '../../../src/pipeline/sinks/jsonl-sink.js';
import { openMotSink } from '../../../src/pipeline/sinks/mot-sink.js';
import type { ResultSink } from '../../../src/pipeline/sinks/sink.js';
import { makeResult, makeTrack } from './helpers.js';

const [kind, path, framesText] = process.argv.slice(2);
const frames = Number(framesText);

function open(): ResultSink {
  if (kind === 'jsonl') return openJsonlSink(path!);
  if (kind === 'mot') return openMotSink(path!);
  if (kind === 'coco') return openCocoSink(path!, { stream: 'cam', classes: ['0', '1', '2', '3'], fps: 25 });
  throw new Error(`unknown sink ${kind}`);
}

const outcome: { written: number; writeError?: string; closeError?: string } = { written: 0 };
const sink = open();
for (let index = 0; index < frames; index++) {
  const tracks = [makeTrack(1, [0.123456, 0.2, 0.3, 0.4]), makeTrack(2, [0.5, 0.5, 0.75, 0.875], { cls: 1, label: '1' })];
  try {
    await sink.write(makeResult(index, tracks));
    outcome.written++;
  } catch (error) {
    outcome.writeError = (error as Error).message;
    break;
  }
}
try {
  await sink.close();
} catch (error) {
  outcome.closeError = (error as Error).message;
}
process.stdout.write(`${JSON.stringify(outcome)}\n`);
