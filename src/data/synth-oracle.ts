/**
 * The oracle of the synthetic funnel: AUC of the probabilities the labels were drawn with against the drawn
 * labels. No model can rank better in expectation (the labels are coin flips with those probabilities), so it is
 * the ceiling to read a model's test AUC against. Per split of the written config (time split on `day`),
 * per day, and over all rows. `aucNoAffinity` is the same oracle with the user × item affinity term removed: the
 * gap between the two is what only a model that learns the ID-level user × item interaction can reach.
 */
import { auc, hasBothClasses } from '../metrics/index.js';
import { MtrankError } from '../util/errors.js';
import type { FunnelData, FunnelProbabilities } from './synth.js';

export const FUNNEL_TASKS = ['click', 'cart', 'order'] as const;
export type FunnelTask = (typeof FUNNEL_TASKS)[number];

export interface OracleSlice {
  rows: number;
  /** Label count per task. */
  positives: Record<FunnelTask, number>;
  /** AUC of the true probabilities per task; null when the slice holds one class only. */
  auc: Record<FunnelTask, number | null>;
  /** AUC of the true probabilities without the user × item affinity term. */
  aucNoAffinity: Record<FunnelTask, number | null>;
}

export interface FunnelOracle {
  /** Rows with day < validFrom are train, < testFrom valid, the rest test (as in funnel.yaml). */
  split: { column: 'day'; validFrom: number; testFrom: number };
  splits: { train: OracleSlice; valid: OracleSlice; test: OracleSlice };
  all: OracleSlice;
  byDay: (OracleSlice & { day: number })[];
}

/** Oracle AUC per split, per day and overall; needs `generateFunnel({ withProbabilities: true })`. */
export function funnelOracle(d: FunnelData, split: { validFrom: number; testFrom: number }): FunnelOracle {
  const p = d.probabilities,
    q = d.probabilitiesNoAffinity;
  if (!p || !q) throw new MtrankError('funnel oracle: generate the funnel with withProbabilities: true');
  const where = (keep: (day: number) => boolean) => oracleSlice(d, p, q, keep);
  const days = [...new Set(d.day)].sort((a, b) => a - b);
  return {
    split: { column: 'day', ...split },
    splits: {
      train: where((day) => day < split.validFrom),
      valid: where((day) => day >= split.validFrom && day < split.testFrom),
      test: where((day) => day >= split.testFrom),
    },
    all: where(() => true),
    byDay: days.map((day) => ({ day, ...where((x) => x === day) })),
  };
}

function oracleSlice(
  d: FunnelData,
  p: FunnelProbabilities,
  q: FunnelProbabilities,
  keep: (day: number) => boolean,
): OracleSlice {
  const idx: number[] = [];
  for (let r = 0; r < d.rows; r++) if (keep(d.day[r])) idx.push(r);
  const positives = {} as OracleSlice['positives'],
    aucs = {} as OracleSlice['auc'],
    aucsNoAffinity = {} as OracleSlice['aucNoAffinity'];
  for (const t of FUNNEL_TASKS) {
    const y = Uint8Array.from(idx, (r) => d[t][r]);
    const aucOf = (probs: FunnelProbabilities) =>
      hasBothClasses(y)
        ? auc(
            Float32Array.from(idx, (r) => probs[t][r]),
            y,
          )
        : null;
    positives[t] = y.reduce((a, b) => a + b, 0);
    aucs[t] = aucOf(p);
    aucsNoAffinity[t] = aucOf(q);
  }
  return { rows: idx.length, positives, auc: aucs, aucNoAffinity: aucsNoAffinity };
}

/** A small table of the oracle per split (for `mtrank synth`). */
export function formatOracle(o: FunnelOracle): string {
  const f = (x: number | null) => (x === null ? '–' : x.toFixed(4));
  const { validFrom: v, testFrom: t } = o.split;
  const last = o.byDay.length ? o.byDay[o.byDay.length - 1].day : t;
  const range = (a: number, b: number) => (a === b ? `${a}` : `${a}-${b}`);
  const rows = [
    ['train', range(0, v - 1), o.splits.train],
    ['valid', range(v, t - 1), o.splits.valid],
    ['test', range(t, Math.max(t, last)), o.splits.test],
    ['all', range(0, last), o.all],
  ] as const;
  const table = [
    ['split', 'days', 'rows', ...FUNNEL_TASKS, ...FUNNEL_TASKS.map((k) => `${k} w/o affinity`), 'order positives'],
    ...rows.map(([n, days, s]) => [
      n,
      days,
      String(s.rows),
      ...FUNNEL_TASKS.map((k) => f(s.auc[k])),
      ...FUNNEL_TASKS.map((k) => f(s.aucNoAffinity[k])),
      String(s.positives.order),
    ]),
  ];
  const widths = table[0].map((_, k) => Math.max(...table.map((r) => r[k].length)));
  return [
    'oracle AUC (true probabilities vs drawn labels: the ceiling of any model; w/o affinity: without the user × item term)',
    ...table.map((r) => r.map((c, k) => c.padEnd(widths[k])).join('  ')),
  ].join('\n');
}
