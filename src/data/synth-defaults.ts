// Apart from the generator, so `mtrank synth --help` shows the defaults without loading it.
/** Defaults of the knobs (also `mtrank synth`'s). */
export const FUNNEL_DEFAULTS = {
  seed: 42,
  users: 600,
  items: 800,
  days: 14,
  clickRate: 0.1,
  cartRate: 0.01,
  orderRate: 0.003,
  newItemShare: 0.2,
  latentDim: 2,
} as const;
/** minCount of user_id and item_id in the written config: the oracle's "seen in training" uses the same. */
export const FUNNEL_ID_MIN_COUNT = 2;
