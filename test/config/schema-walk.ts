/** Enumerates every key of the config schema (for the every-field tests), from the JSON Schema. */
import { configJsonSchema, type JsonSchemaNode } from '../../src/config/json-schema.js';

export interface SchemaField {
  /** Concrete path into a config whose `streams` holds one stream, e.g. ['streams', 0, 'fps']. */
  path: (string | number)[];
  node: JsonSchemaNode;
}

export function allFields(): SchemaField[] {
  const out: SchemaField[] = [];
  const walk = (node: JsonSchemaNode, path: (string | number)[]) => {
    for (const [key, child] of Object.entries(node.properties ?? {})) {
      const childPath = [...path, key];
      out.push({ path: childPath, node: child });
      if (child.type === 'object') walk(child, childPath);
      if (child.type === 'array' && child.items?.type === 'object') {
        out.push({ path: [...childPath, 0], node: child.items });
        walk(child.items, [...childPath, 0]);
      }
    }
  };
  walk(configJsonSchema(), []);
  return out;
}

/** Dotted documentation form of a path: ['streams', 0, 'fps'] -> 'streams[].fps'. */
export function docKey(path: (string | number)[]): string {
  return path.map((segment) => (typeof segment === 'number' ? '[]' : `.${segment}`)).join('').replace(/^\./, '').replace(/\.\[\]/g, '[]');
}
