/**
 * What a team deploys: the chosen weights normalised (they sum to 1 — for the product form the exponents of a
 * weighted geometric mean), the formula in plain text, each task's AUC change against its own score, and
 * warnings a reviewer should see before shipping (a task zeroed, a task losing more than LOSS_WARNING, a
 * figure resting on fewer than FEW_POSITIVES positives).
 */
import type { AucInterval } from './bootstrap.js';
import { FORM_DEFS, type FormParams, type FusionForm } from './forms.js';
import { counted } from '../util/plural.js';

/** A task whose fused AUC is this much below its own score's gets a warning. */
export const LOSS_WARNING = 0.005;
/** Below this many positives an AUC moves by several hundredths between samples. */
export const FEW_POSITIVES = 100;

export interface TaskChange {
  /** Fused AUC − own score's AUC. */
  valid: number;
  test?: number;
}

export interface Deploy {
  form: FusionForm;
  /** Sum 1 (all zero stays all zero) for scale-invariant forms — the same ranking as searched; else as searched. */
  weights: Record<string, number>;
  formula: string;
  changes: Record<string, TaskChange>;
  positives: { valid: Record<string, number>; test?: Record<string, number> };
  /** Bootstrap 95% intervals of the fused AUC and its change, for tasks with fewer than FEW_POSITIVES positives. */
  intervals?: { valid?: Record<string, AucInterval>; test?: Record<string, AucInterval> };
  warnings: string[];
}

export function normaliseWeights(w: Record<string, number>): Record<string, number> {
  const sum = Object.values(w).reduce((a, b) => a + b, 0);
  return Object.fromEntries(Object.entries(w).map(([t, x]) => [t, sum > 0 ? x / sum : x]));
}

/** The weights as deployed: normalised to sum 1, or as searched for forms that need it (rank, expected-value). */
export function deployedWeights(form: FusionForm, w: Record<string, number>): Record<string, number> {
  return FORM_DEFS[form].deployAsSearched ? { ...w } : normaliseWeights(w);
}

const w3 = (x: number): string => String(Number(x.toFixed(3)));

/** "score = 0.2·p_click + 0.8·p_order" or "score = p_click^0.2 · p_order^0.8"; zero weights left out. */
export function formulaText(form: FusionForm, weights: Record<string, number>, params: FormParams = {}): string {
  const def = FORM_DEFS[form];
  const used = Object.entries(weights)
    .map(([task, w], t) => ({ task, t, w }))
    .filter((u) => u.w !== 0)
    .map((u) => ({ ...u, w: w3(u.w) }));
  if (used.length === 0 && !def.usesValue) return 'score = constant (every weight is 0)';
  return def.formula(used, params);
}

/**
 * Half-width of a 95% normal interval for an AUC from P positives and N negatives (Hanley & McNeil 1982):
 * a quick sense of how far a figure can move, shown beside tasks with few positives.
 */
export function aucHalfWidth(a: number, P: number, N: number): number {
  const q1 = a / (2 - a),
    q2 = (2 * a * a) / (1 + a);
  const v = (a * (1 - a) + (P - 1) * (q1 - a * a) + (N - 1) * (q2 - a * a)) / (P * N);
  return 1.96 * Math.sqrt(Math.max(0, v));
}

export interface DeployInput {
  form: FusionForm;
  params?: FormParams;
  tasks: string[];
  weights: Record<string, number>;
  aucs: { valid: Record<string, number>; test?: Record<string, number> };
  base: { valid: Record<string, number>; test?: Record<string, number> };
  positives: { valid: Record<string, number>; test?: Record<string, number> };
  rows: { valid: number; test?: number };
  intervals?: Deploy['intervals'];
}

export function deployAdvice(d: DeployInput): Deploy {
  const weights = deployedWeights(d.form, d.weights);
  const changes: Record<string, TaskChange> = {};
  const warnings: string[] = [];
  for (const t of d.tasks) {
    const c: TaskChange = { valid: d.aucs.valid[t] - d.base.valid[t] };
    if (d.aucs.test && d.base.test) c.test = d.aucs.test[t] - d.base.test[t];
    changes[t] = c;
    if (weights[t] === 0) warnings.push(`${t} has weight 0: the ranking ignores its score`);
    const worst = Math.min(c.valid, c.test ?? Infinity);
    if (worst < -LOSS_WARNING)
      warnings.push(
        `${t} loses ${(-worst).toFixed(4)} AUC against its own score (${c.test !== undefined && c.test < c.valid ? 'test' : 'valid'}; threshold ${LOSS_WARNING})`,
      );
    for (const split of ['valid', 'test'] as const) {
      const P = d.positives[split]?.[t],
        rows = d.rows[split],
        a = d.aucs[split]?.[t];
      if (P === undefined || rows === undefined || a === undefined || P >= FEW_POSITIVES) continue;
      const ci = d.intervals?.[split]?.[t];
      warnings.push(
        ci
          ? `${t}: ${split} AUC ${a.toFixed(3)} (95% ${range3(ci.auc)}; change vs own score ${range3(ci.change)}) rests on ${counted(P, 'positive')} (< ${FEW_POSITIVES})`
          : `${t}: ${split} AUC ${a.toFixed(3)} ± ${aucHalfWidth(a, P, rows - P).toFixed(3)} rests on ${counted(P, 'positive')} (< ${FEW_POSITIVES}); treat its decimals as noise`,
      );
    }
  }
  return {
    form: d.form,
    weights,
    formula: formulaText(d.form, weights, d.params),
    changes,
    positives: d.positives,
    ...(d.intervals ? { intervals: d.intervals } : {}),
    warnings,
  };
}

const s3 = (x: number): string => `${x >= 0 ? (x > 0 ? '+' : '') : '−'}${Math.abs(x).toFixed(3)}`;
/** "[−0.052, +0.013]": an interval, three decimals, signed when it can cross 0. */
export const range3 = ([lo, hi]: [number, number]): string =>
  lo < 0 || hi < 0 ? `[${s3(lo)}, ${s3(hi)}]` : `[${lo.toFixed(3)}, ${hi.toFixed(3)}]`;

const signed = (x: number | undefined): string =>
  x === undefined || Number.isNaN(x) ? '–' : `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(4)}`;

/** A task's AUC change on a split: with its bootstrap interval where the task has few positives. */
function change(d: Deploy, split: 'valid' | 'test', t: string): string {
  const ci = d.intervals?.[split]?.[t];
  return ci ? `${signed(d.changes[t][split])} (95% ${range3(ci.change)})` : signed(d.changes[t][split]);
}

/** The closing box of `mtrank fuse` and the demo: what to deploy and what it costs each task. */
export function deployBox(d: Deploy, tasks: string[]): string {
  const lines = [
    'Deploy',
    `  ${d.formula}`,
    `  weights (${FORM_DEFS[d.form].deployAsSearched ? 'as searched' : 'sum 1'}): ${tasks.map((t) => `${t} ${w3(d.weights[t])}`).join(', ')}`,
    "  AUC change vs each task's own score:",
    ...tasks.map(
      (t) =>
        `    ${t.padEnd(12)} valid ${change(d, 'valid', t)}   test ${change(d, 'test', t)}   positives valid ${d.positives.valid[t]}${d.positives.test ? `, test ${d.positives.test[t]}` : ''}`,
    ),
    ...(d.warnings.length ? ['  warnings:', ...d.warnings.map((w) => `    ! ${w}`)] : ['  no warnings']),
  ];
  const wrapped = lines.flatMap((l) => wrapLine(l, BOX_TEXT_WIDTH));
  const width = Math.max(...wrapped.map((l) => l.length)) + 2;
  const bar = `+${'-'.repeat(width)}+`;
  return [bar, ...wrapped.map((l) => `| ${l.padEnd(width - 1)}|`), bar].join('\n');
}

/** The box's text width: a warning longer than this wraps rather than stretching the box past a terminal's width. */
const BOX_TEXT_WIDTH = 110;

/** Breaks at spaces; continuation lines are indented two past the line's own indent (and its "! " marker). */
function wrapLine(line: string, width: number): string[] {
  if (line.length <= width) return [line];
  const lead = /^ *(! )?/.exec(line)![0].length;
  const indent = ' '.repeat(lead + 2);
  const out: string[] = [];
  let rest = line;
  while (rest.length > width) {
    const cut = rest.lastIndexOf(' ', width);
    if (cut <= (out.length ? indent.length : lead)) break; // one unbreakable word: leave it long
    out.push(rest.slice(0, cut).trimEnd());
    rest = indent + rest.slice(cut + 1);
  }
  out.push(rest);
  return out;
}
