/**
 * The config's JSON Schema (for editors: yaml-language-server, VS Code), generated from the zod
 * schema, plus helpers that read it: the schema node at a key path, and a short English phrase
 * for what a node expects (used in error messages and the docs table).
 */
import { z } from 'zod';
import { configSchema } from './schema.js';

/** The part of JSON Schema that z.toJSONSchema emits for our config. */
export interface JsonSchemaNode {
  type?: string | string[];
  description?: string;
  default?: unknown;
  const?: unknown;
  enum?: unknown[];
  anyOf?: JsonSchemaNode[];
  properties?: Record<string, JsonSchemaNode>;
  required?: string[];
  additionalProperties?: boolean | JsonSchemaNode;
  items?: JsonSchemaNode;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  pattern?: string;
  [keyword: string]: unknown;
}

let cached: JsonSchemaNode | undefined;

function sharedSchema(): JsonSchemaNode {
  cached ??= {
    ...(z.toJSONSchema(configSchema, { io: 'input', target: 'draft-2020-12' }) as JsonSchemaNode),
    title: 'wsol-stream config.yaml',
  };
  return cached;
}

/** JSON Schema (draft 2020-12) of what a config file may contain (defaults shown, not required). */
export function configJsonSchema(): JsonSchemaNode {
  return structuredClone(sharedSchema());
}

/** The object branch of a node (a node may be `anyOf` [object, something else]). */
function objectBranch(node: JsonSchemaNode): JsonSchemaNode | undefined {
  if (node.properties) return node;
  return node.anyOf?.find((branch) => branch.properties);
}

function arrayBranch(node: JsonSchemaNode): JsonSchemaNode | undefined {
  if (node.items) return node;
  return node.anyOf?.find((branch) => branch.items);
}

/** The schema node describing the value at `path` (keys and list indexes), if the path is valid. */
export function schemaNodeAt(path: readonly PropertyKey[], root: JsonSchemaNode = sharedSchema()): JsonSchemaNode | undefined {
  let node: JsonSchemaNode | undefined = root;
  for (const segment of path) {
    if (!node) return undefined;
    if (typeof segment === 'number') node = arrayBranch(node)?.items;
    else node = objectBranch(node)?.properties?.[String(segment)];
  }
  return node;
}

/** Keys allowed in the mapping at `path` (empty when the path is not a mapping). */
export function allowedKeysAt(path: readonly PropertyKey[]): string[] {
  const node = schemaNodeAt(path);
  const object = node && objectBranch(node);
  return object?.properties ? Object.keys(object.properties) : [];
}

const LARGEST_INTEGER = Number.MAX_SAFE_INTEGER;

function rangePhrase(node: JsonSchemaNode): string {
  const low = node.minimum;
  const high = node.maximum !== undefined && node.maximum < LARGEST_INTEGER ? node.maximum : undefined;
  if (node.exclusiveMinimum !== undefined) {
    return high === undefined ? ` greater than ${node.exclusiveMinimum}` : ` greater than ${node.exclusiveMinimum} and at most ${high}`;
  }
  if (low !== undefined && high !== undefined) return ` from ${low} to ${high}`;
  if (low !== undefined) return ` >= ${low}`;
  if (high !== undefined) return ` <= ${high}`;
  return '';
}

function literal(value: unknown): string {
  return typeof value === 'string' ? `"${value}"` : String(value);
}

/** A short phrase for what `node` accepts, e.g. "an integer from 0 to 65535", "one of "all", "largest"". */
export function describeExpected(node: JsonSchemaNode | undefined): string {
  if (!node) return 'nothing here (this key is not part of the config)';
  if (node.const !== undefined) return literal(node.const);
  if (node.enum) return `one of ${node.enum.map(literal).join(', ')}`;
  if (node.anyOf) return node.anyOf.map(describeExpected).join(' or ');
  switch (node.type) {
    case 'integer':
      return `an integer${rangePhrase(node)}`;
    case 'number':
      return `a number${rangePhrase(node)}`;
    case 'boolean':
      return 'true or false';
    case 'string':
      if (node.pattern) return 'a name of letters, digits, "_" and "-"';
      return node.minLength ? 'a non-empty string' : 'a string';
    case 'array':
      return `a list${node.minItems ? ' (not empty)' : ''} of ${describeItems(node.items)}`;
    case 'object':
      return 'a mapping (indented key: value lines)';
    default:
      return 'a value';
  }
}

function describeItems(items: JsonSchemaNode | undefined): string {
  if (!items) return 'values';
  if (items.type === 'object') return 'mappings';
  if (items.type === 'string') return 'strings';
  return describeExpected(items);
}
