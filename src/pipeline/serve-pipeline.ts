/**
 * The pipeline behind `wsol serve`: every configured stream, heatmaps and previews on for the
 * dashboard, files played at their own frame rate, the demo clip in a loop, and no result files
 * unless the config names them. Stopping it also ends its worker pool.
 */
import type { WsolConfig } from '../config/schema.js';
import { openLocalizerPool, workerCount } from './open-localizer.js';
import { type Pipeline, startPipeline } from './pipeline.js';

export async function startServePipeline(config: WsolConfig): Promise<Pipeline> {
  const pool = await openLocalizerPool(config.model);
  try {
    return await startPipeline(
      {
        config,
        localizer: pool,
        maxInFlight: workerCount(config.model.workers),
        heatmaps: true,
        previews: true,
        realtime: true,
        loopDemo: true,
        onStopped: () => pool.dispose(),
      },
      config.streams,
    );
  } catch (error) {
    pool.dispose();
    throw error;
  }
}
