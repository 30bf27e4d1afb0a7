// Behaviour sequences for item2vec: one sequence per user, items in time order, over a vocabulary of items
// seen at least minCount times (most frequent first, ties by first appearance, as word2vec orders words).

export interface Sequences {
  /** Item token of each vocabulary index. */
  vocab: string[];
  /** Occurrences of each vocabulary item in the log (after the minCount filter). */
  counts: Float64Array;
  /** Sequence s is tokens[offsets[s] .. offsets[s+1]) (vocabulary indices). */
  offsets: Int32Array;
  tokens: Int32Array;
}

export interface SequenceLog {
  users: ArrayLike<string>;
  items: ArrayLike<string>;
  /** Order within a user; without it the log order is kept. */
  time?: ArrayLike<number>;
}

export function buildSequences(log: SequenceLog, minCount = 1): Sequences {
  const n = log.items.length;
  const count = new Map<string, number>();
  for (let r = 0; r < n; r++) count.set(log.items[r]!, (count.get(log.items[r]!) ?? 0) + 1);
  // Map iteration order is first appearance, and the sort is stable: ties keep it.
  const vocab = [...count.entries()]
    .filter(([, c]) => c >= minCount)
    .sort((a, b) => b[1] - a[1])
    .map(([t]) => t);
  const index = new Map(vocab.map((t, i) => [t, i]));

  const userOf = new Int32Array(n);
  const users = new Map<string, number>();
  for (let r = 0; r < n; r++) {
    let u = users.get(log.users[r]!);
    if (u === undefined) {
      u = users.size;
      users.set(log.users[r]!, u);
    }
    userOf[r] = u;
  }
  const order = Array.from({ length: n }, (_, r) => r);
  const time = log.time;
  order.sort((a, b) => userOf[a]! - userOf[b]! || (time ? time[a]! - time[b]! : 0) || a - b);

  const offsets = new Int32Array(users.size + 1);
  const tokens: number[] = [];
  let s = 0;
  for (const r of order) {
    while (s < userOf[r]!) offsets[++s] = tokens.length;
    const id = index.get(log.items[r]!);
    if (id !== undefined) tokens.push(id);
  }
  while (s < users.size) offsets[++s] = tokens.length;
  return { vocab, counts: Float64Array.from(vocab, (t) => count.get(t)!), offsets, tokens: Int32Array.from(tokens) };
}
