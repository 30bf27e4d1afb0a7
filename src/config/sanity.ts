/**
 * Checks across sections that the schema accepts but that would train something other than what the user
 * meant (issue 13, "accepted silently"): `parseConfig` throws on the refusals; warnings are printed by `train`.
 */
import type { ExperimentConfig } from './schema.js';

/** A refusal, placed like a schema issue so that load.ts reports it the same way (naming a --set that caused it). */
export interface SanityIssue {
  path: string[];
  message: string;
}

/** What makes a config unable to mean what it says; empty when it can. */
export function configSanityIssues(c: ExperimentConfig): SanityIssue[] {
  const problems: SanityIssue[] = [];
  const cycle = dependsOnCycle(c);
  if (cycle) problems.push({ path: ['tasks'], message: `the dependsOn chain ${cycle.join(' → ')} is a cycle` });
  const tasks = Object.entries(c.tasks);
  if (tasks.length > 0 && tasks.every(([, t]) => t.lossWeight === 0))
    problems.push({
      path: ['tasks'],
      message: 'every lossWeight is 0, so nothing would be trained; give at least one task a positive weight',
    });
  const step = c.fusion?.step;
  if (step !== undefined && !dividesOne(step))
    problems.push({ path: ['fusion', 'step'], message: `${step} must divide 1 (e.g. 0.1, 0.05, 0.25)` });
  return problems;
}

/** Things worth a line on stderr before training. */
export function configWarnings(c: ExperimentConfig): string[] {
  const out: string[] = [];
  const s = c.data.split;
  if (s?.method === 'random' && s.ratios) {
    const sum = s.ratios.reduce((a, b) => a + b, 0);
    if (Math.abs(sum - 1) > 1e-9)
      out.push(
        `warning: data.split.ratios [${s.ratios.join(', ')}] sum to ${+sum.toPrecision(6)}, not 1; they are used as proportions (${s.ratios.map((r) => +(r / sum).toFixed(4)).join(', ')})`,
      );
  }
  return out;
}

function dividesOne(step: number): boolean {
  const levels = Math.round(1 / step);
  return step > 0 && levels >= 1 && Math.abs(levels * step - 1) <= 1e-9;
}

/** The first dependsOn cycle (names, closing on the first), or null. */
function dependsOnCycle(c: ExperimentConfig): string[] | null {
  for (const start of Object.keys(c.tasks)) {
    const chain = [start];
    let cur = c.tasks[start]?.dependsOn;
    while (cur !== undefined && c.tasks[cur]) {
      const at = chain.indexOf(cur);
      if (at >= 0) return [...chain.slice(at), cur];
      chain.push(cur);
      cur = c.tasks[cur]!.dependsOn;
    }
  }
  return null;
}
