// Configs as dotted leaf paths: for labelling runs by their differences (report) and naming what changed (resume).

/** Leaf paths of a config: nested objects become dotted paths; arrays and scalars are leaves (as JSON). */
export function flattenConfig(value: unknown, prefix = '', out = new Map<string, string>()): Map<string, string> {
  if (value && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length) {
    for (const [k, v] of Object.entries(value)) flattenConfig(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) {
    out.set(prefix, typeof value === 'string' ? value : JSON.stringify(value));
  }
  return out;
}

/** "training.epochs: 1 → 3" for each leaf path whose value differs between two configs (at most `most`, then "…"). */
export function describeConfigChange(before: unknown, after: unknown, most = 4): string {
  const a = flattenConfig(before),
    b = flattenConfig(after);
  const paths = [...new Set([...a.keys(), ...b.keys()])].filter((p) => a.get(p) !== b.get(p));
  const shown = paths.slice(0, most).map((p) => `${p}: ${a.get(p) ?? '(unset)'} → ${b.get(p) ?? '(unset)'}`);
  return shown.join('; ') + (paths.length > most ? `; and ${paths.length - most} more` : '');
}
