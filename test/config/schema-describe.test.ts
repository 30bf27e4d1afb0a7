// `mtrank schema` is the reference an editor shows: every option must carry a description, and no section may
// accept unknown keys. The walk is over the emitted JSON Schema itself, independent of how zod builds it.
import { describe, expect, it } from 'vitest';
import { configJsonSchema } from '../../src/config/index.js';

type Node = Record<string, unknown>;

/** A property's schema is described if it, or (for a union/reference) the node it resolves to, has a description. */
function described(node: Node, defs: Record<string, Node>): boolean {
  if (typeof node.description === 'string' && node.description.trim() !== '') return true;
  if (typeof node.$ref === 'string') {
    const target = defs[node.$ref.replace(/^#\/(\$defs|definitions)\//, '')];
    return target !== undefined && described(target, defs);
  }
  return false;
}

/** Every object property without a description, and every section open to unknown keys, by JSON path. */
export function schemaGaps(root: Node): { undescribed: string[]; open: string[] } {
  const defs = (root.$defs ?? root.definitions ?? {}) as Record<string, Node>;
  const undescribed: string[] = [],
    open: string[] = [];
  const walk = (value: unknown, path: string) => {
    if (!value || typeof value !== 'object') return;
    if (Array.isArray(value)) return value.forEach((v, i) => walk(v, `${path}/${i}`));
    const n = value as Node;
    if (n.additionalProperties === true || (n.type === 'object' && n.properties && n.additionalProperties !== false))
      open.push(path);
    if (n.properties && typeof n.properties === 'object')
      for (const [key, prop] of Object.entries(n.properties as Record<string, Node>))
        if (!described(prop, defs)) undescribed.push(`${path}/properties/${key}`);
    for (const [k, v] of Object.entries(n)) walk(v, `${path}/${k}`);
  };
  walk(root, '#');
  return { undescribed, open };
}

describe('mtrank schema', () => {
  it('describes every option and has no section open to unknown keys', () => {
    const { undescribed, open } = schemaGaps(configJsonSchema());
    expect(undescribed).toEqual([]);
    expect(open).toEqual([]);
  });

  it('the walk finds a missing description and an open section (it can fail)', () => {
    const gaps = schemaGaps({
      type: 'object',
      additionalProperties: false,
      properties: {
        a: { type: 'number', description: 'described' },
        b: { type: 'object', properties: { c: { type: 'string' } }, additionalProperties: true, description: 'x' },
      },
    });
    expect(gaps.undescribed).toEqual(['#/properties/b/properties/c']);
    expect(gaps.open).toEqual(['#/properties/b']);
  });
});
