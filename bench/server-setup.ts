/**
 * The system under test of `npm run bench -- server`: the real pipeline (worker pool, shipped
 * model, heatmaps and previews on) on the looping demo clip, decoded as fast as the model takes it
 * (not in real time, so fps is the pipeline's ceiling), behind the real HTTP + WebSocket server.
 */
import { configJsonSchema } from '../src/config/json-schema.js';
import { defaultConfig } from '../src/config/load.js';
import type { WsolConfig } from '../src/config/schema.js';
import { startServer, type RunningServer } from '../src/server/http-server.js';
import { openLocalizerPool, workerCount } from '../src/pipeline/open-localizer.js';
import { type Pipeline, startPipeline } from '../src/pipeline/pipeline.js';

export interface BenchSystemOptions {
  workers: WsolConfig['model']['workers'];
  backend: WsolConfig['model']['backend'];
  input: string;
  /** Seconds between heartbeat pings (a client that misses a pong is cut off at the next one). */
  heartbeatMs?: number;
}

export interface BenchSystem {
  config: WsolConfig;
  pipeline: Pipeline;
  server: RunningServer;
  wsUrl: string;
  metricsUrl: string;
  workers: number;
  stop(): Promise<void>;
}

export async function startBenchSystem(options: BenchSystemOptions): Promise<BenchSystem> {
  const base = defaultConfig();
  const config: WsolConfig = {
    ...base,
    model: { ...base.model, workers: options.workers, backend: options.backend },
    streams: base.streams.map((stream) => ({ ...stream, input: options.input })),
    server: { ...base.server, port: 0, ...(options.heartbeatMs !== undefined ? { heartbeatMs: options.heartbeatMs } : {}) },
  };
  const workers = workerCount(config.model.workers);
  const pool = await openLocalizerPool(config.model);
  let pipeline: Pipeline;
  try {
    pipeline = await startPipeline(
      { config, localizer: pool, maxInFlight: workers, heatmaps: true, previews: true, realtime: false, loopDemo: true, outputsFor: () => ({}), onStopped: () => pool.dispose() },
      config.streams,
    );
  } catch (error) {
    pool.dispose();
    throw error;
  }
  const server = await startServer(pipeline, config.server, { configSchema: configJsonSchema(), streams: config.streams }).catch(async (error: unknown) => {
    await pipeline.stop();
    throw error;
  });
  return {
    config,
    pipeline,
    server,
    wsUrl: `ws://127.0.0.1:${server.port}/ws`,
    metricsUrl: `${server.url}metrics`,
    workers,
    stop: async () => {
      await server.close();
      await pipeline.stop();
    },
  };
}
