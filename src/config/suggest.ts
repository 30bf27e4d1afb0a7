/**
 * "Did you mean": the valid keys of the config schema at a path, and the name closest to a mistyped key or value.
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

/**
 * The candidate nearest to `word` by edit distance (a swap of two neighbours counts once), when near enough to be
 * a typo: within a third of the word's length (at least 2), and never a whole replacement of a short word.
 * One rule for mistyped keys and mistyped values (model.type, lossWeighting.method, fuse --search, ...).
 */
export function closestName(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined,
    bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  const near = bestDistance <= Math.max(2, Math.floor(word.length / 3));
  return near && bestDistance < Math.max(word.length, best!.length) ? best : undefined;
}

/** " (did you mean 'x'?)" for a near candidate, else "". */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const near = closestName(word, candidates);
  return near === undefined ? '' : ` (did you mean '${near}'?)`;
}

/** Optimal string alignment distance: Levenshtein plus the transposition of two adjacent characters. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  return d[a.length]![b.length]!;
}
