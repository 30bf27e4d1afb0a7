/**
 * The oracle of the synthetic funnel: AUC of the probabilities the labels were drawn with against the drawn
 * labels. No model can rank better in expectation (the labels are coin flips with those probabilities), so it is
 * the ceiling to read a model's test AUC against. Per split of the written config (time split on `day`),
 * per day, and over all rows. `aucNoAffinity` is the same oracle with the user × item affinity term removed: the
 * gap between the two is what only a model that learns the ID-level user × item interaction can reach.
 * `aucAttainable`, the attainable ceiling, removes what neither the training days nor the columns reveal: a user
 * or item outside the training vocabulary (fewer than `minCount` training rows) has no learned embedding, so for
 * a new user its latent vector (the whole affinity) and its bias are unknown, for a new item its own part of the
 * affinity. What stays: the category part of a new item's affinity (user · the category's direction: the user
 * and category columns reveal it) and the item's quality (its click history, item_ctr, reveals it during the
 * valid and test days; removing it too gives a "ceiling" the demo's Shared-Bottom beats on new items).
 * `testByItem` splits the test rows by whether the item is in the training vocabulary.
 */
import { auc, hasBothClasses } from '../metrics/index.js';
import { MtrankError } from '../util/errors.js';
import { FUNNEL_ID_MIN_COUNT } from './synth-defaults.js';
import type { FunnelData, FunnelProbabilities } from './synth.js';

export const FUNNEL_TASKS = ['click', 'cart', 'order'] as const;
export type FunnelTask = (typeof FUNNEL_TASKS)[number];

/** What the generator adds up per row, kept to rebuild the probabilities with parts of the logits removed. */
export interface FunnelOracleTerms {
  /** Each stage's logit without its bias (every part included). */
  logit: Record<FunnelTask, Float32Array>;
  /** Each stage's calibrated bias. */
  bias: Record<FunnelTask, number>;
  /** Weight of the affinity and of the user's bias in each stage's logit. */
  weight: Readonly<Record<'affinity' | 'userBias', Readonly<Record<FunnelTask, number>>>>;
  /** User × item affinity (user vector · item vector) per row. */
  affinity: Float32Array;
  /** Its category part: user vector · the item's category share of its vector. */
  affinityCategory: Float32Array;
  /** The row's user bias (an ID-level latent outside the affinity). */
  userBias: Float32Array;
}

/** Per stage, the logit to take out of each row. */
export type RemovedLogits = Record<FunnelTask, Float64Array>;

/**
 * Unconditional probabilities (cart = pClick·pCart, order = pClick·pCart·pOrder) with `removed[t][r]` taken out
 * of row r's stage-t logit (null: nothing removed, the generator's own probabilities).
 */
export function funnelProbabilities(terms: FunnelOracleTerms, removed: RemovedLogits | null): FunnelProbabilities {
  const stage = (t: FunnelTask) => {
    const s = terms.logit[t],
      b = terms.bias[t],
      cut = removed?.[t];
    const p = new Float32Array(s.length);
    for (let r = 0; r < s.length; r++) p[r] = 1 / (1 + Math.exp(-(b + Math.fround(s[r] - (cut ? cut[r] : 0)))));
    return p;
  };
  const click = stage('click'),
    cart = stage('cart').map((p, r) => p * click[r]),
    order = stage('order').map((p, r) => p * cart[r]);
  return { click, cart, order };
}

/** The whole user × item affinity term of each stage's logit. */
export function affinityLogits(terms: FunnelOracleTerms): RemovedLogits {
  const w = terms.weight.affinity;
  const per = (t: FunnelTask) => Float64Array.from(terms.affinity, (a) => w[t] * a);
  return { click: per('click'), cart: per('cart'), order: per('order') };
}

type OracleInput = Pick<FunnelData, 'rows' | 'day' | 'user' | 'item' | FunnelTask | 'oracleTerms'>;

/**
 * Per stage and row, the part of the logit no model can learn from the rows before `validFrom`: a user with
 * fewer than `minCount` training rows hides its latent vector (the whole affinity) and its bias; an item with
 * fewer hides its own part of the affinity (its category's part stays: the user and category columns reveal it).
 */
export function unlearnableLogits(d: OracleInput, validFrom: number, minCount: number): RemovedLogits {
  const terms = d.oracleTerms;
  if (!terms) throw new MtrankError('funnel oracle: generate the funnel with withProbabilities: true');
  const users = trainCounts(d.user, d.day, validFrom),
    items = trainCounts(d.item, d.day, validFrom);
  const out: RemovedLogits = {
    click: new Float64Array(d.rows),
    cart: new Float64Array(d.rows),
    order: new Float64Array(d.rows),
  };
  const { affinity: wa, userBias: wu } = terms.weight;
  for (let r = 0; r < d.rows; r++) {
    const coldUser = (users.get(d.user[r]) ?? 0) < minCount,
      coldItem = (items.get(d.item[r]) ?? 0) < minCount;
    if (!coldUser && !coldItem) continue;
    const a = coldUser ? terms.affinity[r] : terms.affinity[r] - terms.affinityCategory[r];
    for (const t of FUNNEL_TASKS) out[t][r] = wa[t] * a + (coldUser ? wu[t] * terms.userBias[r] : 0);
  }
  return out;
}

function trainCounts(ids: Int32Array, day: Int32Array, validFrom: number): Map<number, number> {
  const counts = new Map<number, number>();
  for (let r = 0; r < ids.length; r++) if (day[r] < validFrom) counts.set(ids[r], (counts.get(ids[r]) ?? 0) + 1);
  return counts;
}

export interface OracleSlice {
  rows: number;
  /** Label count per task. */
  positives: Record<FunnelTask, number>;
  /** AUC of the true probabilities per task; null when the slice holds one class only. */
  auc: Record<FunnelTask, number | null>;
  /** The attainable ceiling: the true probabilities without the affinity the training days cannot reveal. */
  aucAttainable: Record<FunnelTask, number | null>;
  /** AUC of the true probabilities without the user × item affinity term. */
  aucNoAffinity: Record<FunnelTask, number | null>;
}

export interface FunnelOracle {
  /** Rows with day < validFrom are train, < testFrom valid, the rest test (as in funnel.yaml). */
  split: { column: 'day'; validFrom: number; testFrom: number };
  /** A user or item counts as seen in training with at least this many training rows (the config's minCount). */
  minCount: number;
  splits: { train: OracleSlice; valid: OracleSlice; test: OracleSlice };
  /** Test rows whose item is in the training vocabulary (warm) or not (cold start). */
  testByItem: { warm: OracleSlice; cold: OracleSlice };
  all: OracleSlice;
  byDay: (OracleSlice & { day: number })[];
}

/** Oracle AUC per split, per day and overall; needs `generateFunnel({ withProbabilities: true })`. */
export function funnelOracle(
  d: OracleInput,
  split: { validFrom: number; testFrom: number },
  minCount = FUNNEL_ID_MIN_COUNT,
): FunnelOracle {
  const terms = d.oracleTerms;
  if (!terms) throw new MtrankError('funnel oracle: generate the funnel with withProbabilities: true');
  const probs = {
    auc: funnelProbabilities(terms, null),
    aucAttainable: funnelProbabilities(terms, unlearnableLogits(d, split.validFrom, minCount)),
    aucNoAffinity: funnelProbabilities(terms, affinityLogits(terms)),
  };
  const where = (keep: (r: number) => boolean) => oracleSlice(d, probs, keep);
  const isTest = (r: number) => d.day[r] >= split.testFrom;
  const items = trainCounts(d.item, d.day, split.validFrom);
  const warmItem = (r: number) => (items.get(d.item[r]) ?? 0) >= minCount;
  const days = [...new Set(d.day)].sort((a, b) => a - b);
  return {
    split: { column: 'day', ...split },
    minCount,
    splits: {
      train: where((r) => d.day[r] < split.validFrom),
      valid: where((r) => d.day[r] >= split.validFrom && d.day[r] < split.testFrom),
      test: where(isTest),
    },
    testByItem: { warm: where((r) => isTest(r) && warmItem(r)), cold: where((r) => isTest(r) && !warmItem(r)) },
    all: where(() => true),
    byDay: days.map((day) => ({ day, ...where((r) => d.day[r] === day) })),
  };
}

function oracleSlice(
  d: OracleInput,
  probs: Record<'auc' | 'aucAttainable' | 'aucNoAffinity', FunnelProbabilities>,
  keep: (r: number) => boolean,
): OracleSlice {
  const idx: number[] = [];
  for (let r = 0; r < d.rows; r++) if (keep(r)) idx.push(r);
  const slice: OracleSlice = {
    rows: idx.length,
    positives: {},
    auc: {},
    aucAttainable: {},
    aucNoAffinity: {},
  } as OracleSlice;
  for (const t of FUNNEL_TASKS) {
    const y = Uint8Array.from(idx, (r) => d[t][r]);
    slice.positives[t] = y.reduce((a, b) => a + b, 0);
    for (const k of ['auc', 'aucAttainable', 'aucNoAffinity'] as const)
      slice[k][t] = hasBothClasses(y)
        ? auc(
            Float32Array.from(idx, (r) => probs[k][t][r]),
            y,
          )
        : null;
  }
  return slice;
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
    ['  warm items', '', o.testByItem.warm],
    ['  cold items', '', o.testByItem.cold],
    ['all', range(0, last), o.all],
  ] as const;
  const table = [
    [
      'split',
      'days',
      'rows',
      ...FUNNEL_TASKS,
      ...FUNNEL_TASKS.map((k) => `${k} attainable`),
      ...FUNNEL_TASKS.map((k) => `${k} w/o affinity`),
      'order positives',
    ],
    ...rows.map(([n, days, s]) => [
      n,
      days,
      String(s.rows),
      ...FUNNEL_TASKS.map((k) => f(s.auc[k])),
      ...FUNNEL_TASKS.map((k) => f(s.aucAttainable[k])),
      ...FUNNEL_TASKS.map((k) => f(s.aucNoAffinity[k])),
      String(s.positives.order),
    ]),
  ];
  const widths = table[0].map((_, k) => Math.max(...table.map((r) => r[k].length)));
  return [
    'oracle AUC (true probabilities vs drawn labels: the ceiling of any model; attainable: without the latents no column reveals',
    `of users and items with fewer than ${o.minCount} training rows; w/o affinity: without the user × item term; warm / cold items:`,
    'test rows whose item is / is not in the training vocabulary)',
    ...table.map((r) => r.map((c, k) => c.padEnd(widths[k])).join('  ')),
  ].join('\n');
}
