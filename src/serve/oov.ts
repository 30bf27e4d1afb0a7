// Out-of-vocabulary counts of one request: values that were sent but that training never saw (they score with
// the OOV slot 0 — by design, but worth watching: a rising count means the model is getting stale).
import type { EncodedSplit } from '../data/types.js';
import type { Preprocessor } from '../features/preprocessor.js';
import type { Row } from './ranker.js';

export function countOov(p: Preprocessor, rows: readonly Row[], split: EncodedSplit): Map<string, number> {
  const out = new Map<string, number>();
  p.categoricalFeatures.forEach((f, k) => {
    if (f.kind !== 'categorical' || !f.vocab) return;
    const ids = split.categorical[k]!.ids;
    let n = 0;
    for (let i = 0; i < ids.length; i++) if (ids[i] === 0 && sent(rows[i]![f.column])) n++;
    if (n) out.set(f.name, n);
  });
  p.multiFeatures.forEach((f, k) => {
    if (!f.vocab) return;
    const ids = split.multi[k]!.ids; // tokens only: empty and missing values hold no ids
    let n = 0;
    for (let i = 0; i < ids.length; i++) if (ids[i] === 0) n++;
    if (n) out.set(f.name, n);
  });
  return out;
}

const sent = (v: unknown) => v !== null && v !== undefined && v !== '';
