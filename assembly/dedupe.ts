// Distinct ids of a step's embedding lookups (the rows of a sparse gradient) through an open-addressing hash
// over the step's ids: keys (−1 = empty) and, per key, the order in which it was first seen.

// @ts-ignore: decorator
@inline function probe(pKeys: usize, id: i32, mask: u32, shift: u32): usize {
  let h = (<u32>id * 0x9e3779b1) >> shift;
  let k = load<i32>(pKeys + (<usize>h << 2));
  while (k != id && k != -1) {
    h = (h + 1) & mask;
    k = load<i32>(pKeys + (<usize>h << 2));
  }
  return <usize>h << 2;
}

/**
 * Insert ids[0..n) into the hash; slots[i] = first-seen index of ids[i]; new ids are appended to found from
 * index nFound on. Returns the new count of distinct ids.
 */
export function dedupeIds(pIds: usize, n: i32, pKeys: usize, pFirst: usize, mask: u32, shift: u32, pFound: usize, nFound: i32, pSlots: usize): i32 {
  for (let i = 0; i < n; i++) {
    const id = load<i32>(pIds + (<usize>i << 2));
    const h = probe(pKeys, id, mask, shift);
    if (load<i32>(pKeys + h) == -1) {
      store<i32>(pKeys + h, id);
      store<i32>(pFirst + h, nFound);
      store<i32>(pFound + (<usize>nFound << 2), id);
      nFound++;
    }
    store<i32>(pSlots + (<usize>i << 2), load<i32>(pFirst + h));
  }
  return nFound;
}

/** rank[first-seen index of rows[k]] = k, for the sorted distinct ids rows[0..n). */
export function rankIds(pRows: usize, n: i32, pKeys: usize, pFirst: usize, mask: u32, shift: u32, pRank: usize): void {
  for (let k = 0; k < n; k++) {
    const h = probe(pKeys, load<i32>(pRows + (<usize>k << 2)), mask, shift);
    store<i32>(pRank + (<usize>load<i32>(pFirst + h) << 2), k);
  }
}

/** slots[i] = rank[slots[i]] for i < n. */
export function remapIds(pSlots: usize, n: i32, pRank: usize): void {
  for (let i = 0; i < n; i++) {
    const p = pSlots + (<usize>i << 2);
    store<i32>(p, load<i32>(pRank + (<usize>load<i32>(p) << 2)));
  }
}

/** Sort n non-negative ids ascending in place: LSD radix sort on 8-bit digits (only as many as the largest id has). */
export function sortIds(pIds: usize, n: i32, pTmp: usize, pCount: usize): void {
  let mx = 0;
  for (let i = 0; i < n; i++) mx = max(mx, load<i32>(pIds + (<usize>i << 2)));
  let src = pIds, dst = pTmp;
  for (let shift = 0; shift < 32 && (mx >>> shift) > 0; shift += 8) {
    memory.fill(pCount, 0, 256 << 2);
    for (let i = 0; i < n; i++) {
      const c = pCount + (<usize>((load<i32>(src + (<usize>i << 2)) >>> shift) & 255) << 2);
      store<i32>(c, load<i32>(c) + 1);
    }
    let sum = 0;
    for (let d = 0; d < 256; d++) {
      const c = pCount + (<usize>d << 2), k = load<i32>(c);
      store<i32>(c, sum);
      sum += k;
    }
    for (let i = 0; i < n; i++) {
      const id = load<i32>(src + (<usize>i << 2));
      const c = pCount + (<usize>((id >>> shift) & 255) << 2), at = load<i32>(c);
      store<i32>(dst + (<usize>at << 2), id);
      store<i32>(c, at + 1);
    }
    const t = src; src = dst; dst = t;
  }
  if (src != pIds) memory.copy(pIds, src, <usize>n << 2);
}
