/**
 * Names runs by what differs between their configs ("tasks.order.labelWeight=100, model.type=mmoe"):
 * the label a reader needs in a comparison legend, with everything the runs share left out.
 */
import { flattenConfig } from '../util/config-paths.js';

export const UNSET = '(unset)';

/**
 * Settings that do not change what a run learns (where the data cache lives, how many threads compute the
 * same numbers, the run's name): they never make two runs "different" in a label.
 */
export const IGNORED_PATHS = new Set(['data.cacheDir', 'training.threads', 'name']);

/**
 * Paths whose value is not the same in every config (a path missing from some counts as differing).
 * `ignore` adds paths to leave out, e.g. those that vary among the seeds of one sweep point.
 */
export function differingPaths(configs: unknown[], ignore: ReadonlySet<string> = new Set()): string[] {
  const flat = configs.map((c) => flattenConfig(c));
  const paths: string[] = [];
  for (const f of flat)
    for (const p of f.keys()) if (!paths.includes(p) && !IGNORED_PATHS.has(p) && !ignore.has(p)) paths.push(p);
  return paths.filter((p) => new Set(flat.map((f) => f.get(p) ?? UNSET)).size > 1);
}

/**
 * One label per config: `path=value` for each differing path, joined by ", ". Configs that do not differ
 * at all fall back to their names; labels that would coincide get their name appended.
 */
export function diffLabels(configs: unknown[], names: string[], ignore?: ReadonlySet<string>): string[] {
  const paths = differingPaths(configs, ignore);
  const flat = configs.map((c) => flattenConfig(c));
  const labels = flat.map((f, i) =>
    paths.length ? paths.map((p) => `${p}=${f.get(p) ?? UNSET}`).join(', ') : names[i],
  );
  return labels.map((l, i) =>
    labels.indexOf(l) !== labels.lastIndexOf(l) && l !== names[i] ? `${l} (${names[i]})` : l,
  );
}
