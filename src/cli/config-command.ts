/**
 * `wsol config check [FILE]`, `wsol config schema`, `wsol config show [FILE]` and
 * `wsol config docs [--update FILE]`: validate, describe and inspect config.yaml.
 */
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { configJsonSchema } from '../config/json-schema.js';
import { loadConfig } from '../config/load.js';
import { renderConfigReference, updateReferenceFile } from '../config/reference.js';

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

export function registerConfigCommand(program: Command): void {
  const config = program.command('config').description('validate and describe config.yaml');

  config
    .command('check')
    .description('validate a config file (default: ./config.yaml, else the built-in defaults)')
    .argument('[file]', 'the YAML config file')
    .action(async (file: string | undefined) => {
      // A bad config throws a ConfigError; the CLI prints it as one paragraph and exits non-zero.
      const loaded = await loadConfig(file);
      process.stdout.write(`${loaded.file ?? 'built-in defaults'}: ok (${plural(loaded.config.streams.length, 'stream')})\n`);
    });

  config
    .command('schema')
    .description('print the JSON Schema of config.yaml (for editors, e.g. yaml-language-server)')
    .action(() => {
      process.stdout.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
    });

  config
    .command('show')
    .description('print the effective configuration (defaults filled in, ${VARS} substituted, paths absolute)')
    .argument('[file]', 'the YAML config file')
    .action(async (file: string | undefined) => {
      const loaded = await loadConfig(file);
      // The token is a secret: show that it is set, not what it is.
      const server = loaded.config.server.token === undefined ? loaded.config.server : { ...loaded.config.server, token: '(set)' };
      process.stdout.write(stringify({ ...loaded.config, server }));
    });

  config
    .command('docs')
    .description('print the key reference of docs/CONFIG.md, generated from the schema')
    .option('--update <file>', 'rewrite the reference section of this markdown file instead of printing')
    .action((options: { update?: string }) => {
      if (options.update) {
        updateReferenceFile(options.update);
        process.stdout.write(`${options.update}: reference updated\n`);
      } else {
        process.stdout.write(renderConfigReference());
      }
    });
}
