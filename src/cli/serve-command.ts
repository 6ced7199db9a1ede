/**
 * `wsol serve [--config FILE] [--host H] [--port N]`: runs the configured streams and serves the
 * dashboard, the HTTP API, /metrics and the WebSocket at /ws until Ctrl-C. The pipeline itself is
 * made by the factory given at registration, so this command knows nothing of decoding or models.
 */
import type { Command } from 'commander';
import { configJsonSchema } from '../config/json-schema.js';
import { loadConfig } from '../config/load.js';
import type { WsolConfig } from '../config/schema.js';
import { WsolError } from '../errors.js';
import { childLogger } from '../log.js';
import { parseWholeNumber } from '../option-parsers.js';
import type { PipelineHandle } from '../pipeline/pipeline-api.js';
import { startServer } from '../server/http-server.js';
import { isLoopbackHost } from '../server/request-guard.js';

export type PipelineFactory = (config: WsolConfig) => Promise<PipelineHandle>;

interface ServeOptions {
  config?: string;
  host?: string;
  port?: string;
}

function withOverrides(config: WsolConfig, options: ServeOptions): WsolConfig {
  const server = { ...config.server };
  if (options.host !== undefined) {
    if (options.host.trim() === '') throw new WsolError('usage', '--host must not be empty.', { hint: 'Pass e.g. --host 127.0.0.1 (this machine only) or --host 0.0.0.0 (the network).' });
    server.host = options.host.trim();
  }
  if (options.port !== undefined) {
    const port = parseWholeNumber(options.port, '--port');
    if (port > 65535) throw new WsolError('usage', `--port ${port} is not a TCP port.`, { hint: 'Pass a port from 0 to 65535 (0 picks a free one).' });
    server.port = port;
  }
  return { ...config, server };
}

/** Runs until SIGINT/SIGTERM; then closes the server and stops the pipeline (outputs flushed). */
export async function serveCommand(options: ServeOptions, createPipeline: PipelineFactory): Promise<void> {
  const log = childLogger('serve');
  const loaded = await loadConfig(options.config);
  const config = withOverrides(loaded.config, options);
  if (!isLoopbackHost(config.server.host) && config.server.token === undefined) {
    log.warn({ host: config.server.host }, 'the server is reachable from the network without a token: set server.token (e.g. token: ${WSOL_TOKEN})');
  }
  const handle = await createPipeline(config);
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer(handle, config.server, { configSchema: configJsonSchema(), streams: config.streams });
  } catch (error) {
    await handle.stop();
    throw error;
  }
  const tokenHint = config.server.token === undefined ? '' : ' (add ?token=YOUR_TOKEN)';
  process.stderr.write(`wsol serve: dashboard ${server.url}${tokenHint}, WebSocket ${server.url.replace(/^http/, 'ws')}ws, metrics ${server.url}metrics\n`);

  await new Promise<void>((resolve) => {
    const onSignal = () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  log.info('stopping');
  await server.close();
  await handle.stop();
}

export function registerServeCommand(program: Command, createPipeline: PipelineFactory): void {
  program
    .command('serve')
    .description('run the configured streams and serve the live dashboard, HTTP API, /metrics and the WebSocket at /ws')
    .option('-c, --config <file>', 'config file (default: ./config.yaml if present, else built-in defaults)')
    .option('--host <address>', 'listen address (default: server.host, 127.0.0.1)')
    .option('--port <n>', 'TCP port (default: server.port, 8080; 0 picks a free one)')
    .action(async (options: ServeOptions) => serveCommand(options, createPipeline));
}
