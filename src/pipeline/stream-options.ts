/** Maps a config `streams[]` entry (plus the model's input size) onto the source's options. */
import type { StreamConfig, WsolConfig } from '../config/schema.js';
import type { SourceOptions } from './source-options.js';

export function sourceOptionsFor(stream: StreamConfig, config: Pick<WsolConfig, 'ffmpeg'>, inputSize: [number, number]): SourceOptions {
  return {
    stream: stream.id,
    input: stream.input,
    width: inputSize[0],
    height: inputSize[1],
    fit: stream.fit,
    fps: stream.fps,
    live: stream.live,
    loop: stream.loop,
    reconnect: stream.reconnect,
    connectTimeoutMs: stream.connectTimeoutMs,
    stallTimeoutMs: stream.stallTimeoutMs,
    ffmpegPath: config.ffmpeg.path,
  };
}
