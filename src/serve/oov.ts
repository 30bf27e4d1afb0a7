// New items of one request (the OOV counts themselves come from the column encoder, EncodedSplit.oov): a rising
// count means the model is getting stale.
import type { EncodedSplit } from '../data/types.js';
import type { Preprocessor } from '../features/preprocessor.js';
import { inductiveFrom } from '../features/pretrained.js';
import type { Row } from './ranker.js';

/**
 * Candidates of one request whose item is new to the run: scored with an inductive GraphSAGE vector (an item of
 * the --interactions log) or with the OOV row. Only for an item feature with pretrained vectors.
 */
export function countNewItems(
  p: Preprocessor,
  rows: readonly Row[],
  split: EncodedSplit,
): Map<'inductive' | 'oov', number> {
  const out = new Map<'inductive' | 'oov', number>();
  const k = p.categoricalFeatures.findIndex((f) => f.name === p.json.itemFeature);
  const f = p.categoricalFeatures[k];
  if (f?.kind !== 'categorical' || !f.vocab || !f.pretrained) return out;
  const ids = split.categorical[k]!.ids,
    first = inductiveFrom(f);
  let inductive = 0,
    oov = 0;
  for (let i = 0; i < ids.length; i++) {
    if (ids[i]! >= first) inductive++;
    else if (ids[i] === 0 && sent(rows[i]![f.column])) oov++;
  }
  if (inductive) out.set('inductive', inductive);
  if (oov) out.set('oov', oov);
  return out;
}

const sent = (v: unknown) => v !== null && v !== undefined && v !== '';
