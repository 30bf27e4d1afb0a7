/**
 * "Did you mean": the valid keys of the config schema at a path, and the one closest to a mistyped key.
 * Walks zod's schema definitions (objects, records, unions, wrappers) instead of keeping a second list of keys.
 */
import type { z } from 'zod';

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  in?: z.ZodType;
  valueType?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
}
const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** The keys an object at `path` accepts (from every union branch that reaches it). */
export function validKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  const d = defOf(schema);
  const inner = d.innerType ?? (d.type === 'pipe' ? d.in : undefined);
  if (inner) return validKeysAt(inner, path);
  if (d.type === 'union') return [...new Set(d.options!.flatMap((o) => validKeysAt(o, path)))];
  if (d.type === 'object') {
    if (path.length === 0) return Object.keys(d.shape!);
    const next = d.shape![String(path[0])];
    return next ? validKeysAt(next, path.slice(1)) : [];
  }
  if (path.length === 0) return [];
  if (d.type === 'record') return validKeysAt(d.valueType!, path.slice(1));
  if (d.type === 'array') return validKeysAt(d.element!, path.slice(1));
  return [];
}

/** The candidate nearest to `key` by edit distance, when near enough to be a typo. */
export function closestKey(key: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined,
    bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(key.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}
