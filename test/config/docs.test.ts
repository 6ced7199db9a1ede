import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configJsonSchema, type JsonSchemaNode } from '../../src/config/json-schema.js';
import { extractReference, renderConfigReference } from '../../src/config/reference.js';
import { allFields, docKey } from './schema-walk.js';

const repoRoot = resolve(import.meta.dirname, '../..');
const configDoc = readFileSync(resolve(repoRoot, 'docs/CONFIG.md'), 'utf8');
const shippedConfig = readFileSync(resolve(repoRoot, 'config.yaml'), 'utf8');

describe('docs/CONFIG.md', () => {
  it('holds the reference generated from the current schema (regenerate: wsol config docs --update docs/CONFIG.md)', () => {
    expect(extractReference(configDoc)).toBe(renderConfigReference());
  });

  it('documents every key of the schema', () => {
    const missing = allFields()
      .map((field) => docKey(field.path))
      .filter((key) => !key.endsWith('[]') && !configDoc.includes(`\`${key}\``));
    expect(missing).toEqual([]);
  });
});

describe('config.yaml (the user reference)', () => {
  it('mentions every key, set or commented out with an example', () => {
    const missing = allFields()
      .filter((field) => typeof field.path[field.path.length - 1] === 'string')
      .map((field) => String(field.path[field.path.length - 1]))
      .filter((key) => !new RegExp(`^\\s*(#\\s*)?(- )?${key}:`, 'm').test(shippedConfig));
    expect(missing).toEqual([]);
  });

  it('has a comment on every line that sets a value', () => {
    const uncommented = shippedConfig
      .split('\n')
      .filter((line) => /^\s*(- )?[A-Za-z]+:\s*\S/.test(line) && !line.includes('#'));
    expect(uncommented).toEqual([]);
  });
});

describe('JSON Schema', () => {
  it('is strict everywhere, so editors flag unknown keys too', () => {
    const loose: string[] = [];
    const visit = (node: JsonSchemaNode, where: string) => {
      if (node.type === 'object' && node.additionalProperties !== false) loose.push(where);
      for (const [key, child] of Object.entries(node.properties ?? {})) visit(child, `${where}.${key}`);
      if (node.items) visit(node.items, `${where}[]`);
      for (const branch of node.anyOf ?? []) visit(branch, where);
    };
    const schema = configJsonSchema();
    visit(schema, '$');
    expect(loose).toEqual([]);
    expect(schema.required).toEqual(['version']);
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
  });

  it('shows defaults and descriptions for editors', () => {
    const schema = configJsonSchema();
    expect(schema.properties?.server.properties?.port).toMatchObject({ type: 'integer', minimum: 0, maximum: 65535, default: 8080 });
    const undescribed = allFields()
      .filter((field) => typeof field.path[field.path.length - 1] === 'string' && !field.node.description)
      .map((field) => docKey(field.path));
    expect(undescribed).toEqual([]);
  });
});
