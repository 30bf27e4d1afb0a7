/**
 * Synthetic e-commerce funnel: impressions of items to users, with click → add-to-cart → order labels.
 *
 * Every label's logit is a sum of parts a model can learn from the written columns, plus an ID-level
 * user × item affinity (the dot product of a user's latent vector with an item's, the item's vector being its
 * category's direction plus its own): item quality, user propensity, position bias, price sensitivity by age
 * segment, an evening and a device effect. Users and items are independent knobs, so the impressions per user
 * and per item (what makes ID effects identifiable) do not shrink as rows grow. Rows are generated in time order
 * over `days`; a share of the items only appears in later days (cold start), and the item history features
 * (impressions and clicks so far) are computed from the rows before. Label biases are calibrated so the
 * realised rates land near the targets.
 */
import { mkdirSync, openSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../util/rng.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { MtrankError } from '../util/errors.js';
import {
  affinityLogits,
  funnelOracle,
  funnelProbabilities,
  type FunnelOracle,
  type FunnelOracleTerms,
} from './synth-oracle.js';
import { FUNNEL_DEFAULTS, FUNNEL_ID_MIN_COUNT } from './synth-defaults.js';

export interface FunnelOptions {
  rows: number;
  seed?: number;
  users?: number;
  items?: number;
  days?: number;
  /** Target rates per impression. */
  clickRate?: number;
  cartRate?: number;
  orderRate?: number;
  /** Share of items introduced after day 0 (cold start). */
  newItemShare?: number;
  latentDim?: number;
  /** Keep each impression's true click / cart / order probability (FunnelData.probabilities). */
  withProbabilities?: boolean;
}

export const DEVICES = ['android', 'ios', 'web'] as const;
const EPOCH_START = 1_704_067_200; // 2024-01-01T00:00:00Z

/** Weight of the user × item affinity in each stage's logit. */
const AFFINITY = { click: 0.65, cart: 0.5, order: 0.5 } as const;
/** Weight of the user's bias in each stage's logit. */
const USER_BIAS = { click: 1, cart: 0, order: 0 } as const;
/** Weight of an item's category direction in its latent vector (the rest is the item's own noise). */
const CATEGORY_SHARE = 0.95;
/** Price sensitivity (per unit of log price) by age segment: under 30, 30-49 (and unknown), 50 and over. */
const PRICE_SENSITIVITY = [-0.9, -0.45, -0.15] as const;

export interface FunnelData {
  rows: number;
  ts: Int32Array;
  day: Int32Array;
  hour: Int32Array;
  user: Int32Array;
  item: Int32Array;
  shop: Int32Array;
  category: Int32Array;
  device: Uint8Array;
  position: Int32Array;
  price: Float32Array;
  userActivity: Float32Array;
  /** NaN = missing (about 5% of rows). */
  userAge: Float32Array;
  itemImpressions: Int32Array;
  itemClicks: Int32Array;
  click: Uint8Array;
  cart: Uint8Array;
  order: Uint8Array;
  /** Tags of each item ("t3|t17"), indexed by item id. */
  itemTags: string[];
  /** First day each item can be shown. */
  itemFirstDay: Int32Array;
  /**
   * With `withProbabilities`: the probability each label was drawn with, per impression (unconditional:
   * cart = pClick·pCart, order = pClick·pCart·pOrder), i.e. the best score any model could give.
   */
  probabilities?: FunnelProbabilities;
  /** With `withProbabilities`: the same probabilities with the user × item affinity term removed. */
  probabilitiesNoAffinity?: FunnelProbabilities;
  /** With `withProbabilities`: each stage's logit and affinity per row, to rebuild probabilities without parts of it. */
  oracleTerms?: FunnelOracleTerms;
}

export interface FunnelProbabilities {
  click: Float32Array;
  cart: Float32Array;
  order: Float32Array;
}

function positiveInt(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new MtrankError(`synth: expected a positive integer ${name}, got ${v}`);
  return v;
}

function resolved(o: FunnelOptions) {
  const D = FUNNEL_DEFAULTS;
  return {
    rows: positiveInt('number of rows', o.rows),
    seed: o.seed ?? D.seed,
    users: positiveInt('number of users', o.users ?? D.users),
    items: positiveInt('number of items', o.items ?? D.items),
    days: positiveInt('number of days', o.days ?? D.days),
    clickRate: o.clickRate ?? D.clickRate,
    cartRate: o.cartRate ?? D.cartRate,
    orderRate: o.orderRate ?? D.orderRate,
    newItemShare: o.newItemShare ?? D.newItemShare,
    latentDim: positiveInt('latent dimension', o.latentDim ?? D.latentDim),
  };
}

/** Age segment of a user (index into PRICE_SENSITIVITY); unknown age counts as the middle one. */
function ageSegment(age: number): number {
  return Number.isNaN(age) || (age >= 30 && age < 50) ? 1 : age < 30 ? 0 : 2;
}

/** Generate the funnel in memory (typed arrays, one entry per impression, in time order). */
export function generateFunnel(options: FunnelOptions): FunnelData {
  const o = resolved(options);
  if (!(o.orderRate <= o.cartRate && o.cartRate <= o.clickRate && o.clickRate < 1 && o.orderRate > 0))
    throw new MtrankError(
      `synth: expected 0 < orderRate <= cartRate <= clickRate < 1, got ${o.orderRate}, ${o.cartRate}, ${o.clickRate}`,
    );
  const rng = new Rng(o.seed);
  const K = o.latentDim,
    U = o.users,
    I = o.items,
    N = o.rows;
  const categories = Math.min(40, Math.max(5, Math.round(I / 80)));
  const shops = Math.max(5, Math.round(I / 15));

  // Latent vectors: an item's is its category's direction plus its own, so category and tags carry part of the
  // affinity and the item ID the rest.
  const catVec = normals(rng.fork('cat'), categories * K, 1);
  // Every category direction gets the same length (√K), so the affinity's spread does not hinge on the seed.
  for (let c = 0; c < categories; c++) {
    const v = catVec.subarray(c * K, (c + 1) * K),
      norm = Math.hypot(...v);
    for (let k = 0; k < K; k++) v[k] *= Math.sqrt(K) / norm;
  }
  const itemVec = new Float32Array(I * K),
    userVec = normals(rng.fork('user'), U * K, 1 / Math.sqrt(K));
  const itemCat = new Int32Array(I),
    itemShop = new Int32Array(I),
    itemPrice = new Float32Array(I);
  const itemQuality = new Float32Array(I),
    itemFirstDay = new Int32Array(I),
    itemTags: string[] = [];
  const ir = rng.fork('items');
  for (let i = 0; i < I; i++) {
    const c = ir.int(categories);
    itemCat[i] = c;
    itemShop[i] = ir.int(shops);
    for (let k = 0; k < K; k++) itemVec[i * K + k] = CATEGORY_SHARE * catVec[c * K + k] + 0.3 * ir.normal();
    itemPrice[i] = Math.round(Math.exp(3 + (0.6 * c) / categories + 0.7 * ir.normal()) * 100) / 100;
    itemQuality[i] = 0.5 * ir.normal();
    itemFirstDay[i] = ir.float() < o.newItemShare ? 1 + ir.int(Math.max(1, o.days - 1)) : 0;
    const nt = 1 + ir.int(3),
      tags = new Set<number>([c % 40]);
    while (tags.size < nt) tags.add(ir.int(60));
    itemTags.push([...tags].map((t) => `t${t}`).join('|'));
  }
  // Zipf-like popularity (exponent 0.8, so tail items still get enough impressions) over a random permutation.
  const rank = rng.fork('rank').shuffle(Int32Array.from({ length: I }, (_, i) => i));
  const itemPop = new Float64Array(I);
  for (let r = 0; r < I; r++) itemPop[rank[r]] = 1 / Math.pow(r + 1, 0.8);
  const ur = rng.fork('users');
  const userAct = new Float64Array(U),
    userAge = new Float32Array(U),
    userBias = new Float32Array(U);
  for (let u = 0; u < U; u++) {
    userAct[u] = Math.exp(0.5 * ur.normal());
    userAge[u] = ur.float() < 0.05 ? NaN : Math.round(18 + 50 * ur.float());
    userBias[u] = 0.3 * ur.normal();
  }
  const userCdf = cumulative(userAct);

  const d: FunnelData = {
    rows: N,
    ts: new Int32Array(N),
    day: new Int32Array(N),
    hour: new Int32Array(N),
    user: new Int32Array(N),
    item: new Int32Array(N),
    shop: new Int32Array(N),
    category: new Int32Array(N),
    device: new Uint8Array(N),
    position: new Int32Array(N),
    price: new Float32Array(N),
    userActivity: new Float32Array(N),
    userAge: new Float32Array(N),
    itemImpressions: new Int32Array(N),
    itemClicks: new Int32Array(N),
    click: new Uint8Array(N),
    cart: new Uint8Array(N),
    order: new Uint8Array(N),
    itemTags,
    itemFirstDay,
  };
  // Pass 1: who sees what, when; each stage's logit without its bias, and the user × item affinity apart.
  const sClick = new Float32Array(N),
    sCart = new Float32Array(N),
    sOrder = new Float32Array(N),
    affinity = new Float32Array(N),
    affinityCategory = new Float32Array(N);
  const er = rng.fork('events');
  const span = o.days * 86400;
  let row = 0;
  for (let day = 0; day < o.days; day++) {
    const avail = new Float64Array(I);
    for (let i = 0; i < I; i++)
      avail[i] = itemFirstDay[i] <= day ? itemPop[i] * (itemFirstDay[i] === day && day > 0 ? 3 : 1) : 0;
    const itemCdf = cumulative(avail);
    const end = Math.round(((day + 1) * N) / o.days);
    const dayTs = new Int32Array(end - row);
    for (let j = 0; j < dayTs.length; j++) dayTs[j] = er.int(86400);
    dayTs.sort();
    for (let j = 0; row < end; row++, j++) {
      const u = draw(userCdf, er.float()),
        i = draw(itemCdf, er.float());
      const t = day * 86400 + dayTs[j];
      d.ts[row] = EPOCH_START + Math.min(span - 1, t);
      d.day[row] = day;
      d.hour[row] = Math.floor(dayTs[j] / 3600);
      d.user[row] = u;
      d.item[row] = i;
      d.shop[row] = itemShop[i];
      d.category[row] = itemCat[i];
      d.device[row] = er.int(3);
      d.position[row] = 1 + er.int(20);
      d.price[row] = itemPrice[i];
      d.userActivity[row] = Math.round(userAct[u] * Math.exp(0.1 * er.normal()) * 1000) / 1000;
      d.userAge[row] = userAge[u];
      let a = 0,
        ac = 0;
      for (let k = 0; k < K; k++) {
        a += userVec[u * K + k] * itemVec[i * K + k];
        ac += userVec[u * K + k] * CATEGORY_SHARE * catVec[itemCat[i] * K + k];
      }
      affinity[row] = a;
      affinityCategory[row] = ac;
      const position = -0.35 * Math.log(d.position[row]),
        evening = d.hour[row] >= 18 ? 0.15 : 0;
      const price = PRICE_SENSITIVITY[ageSegment(userAge[u])] * (Math.log(itemPrice[i]) - 3.3);
      sClick[row] =
        AFFINITY.click * a +
        itemQuality[i] +
        USER_BIAS.click * userBias[u] +
        position +
        0.3 * price +
        evening +
        (d.device[row] === 1 ? 0.1 : 0);
      sCart[row] = AFFINITY.cart * a + 0.5 * itemQuality[i] + price;
      sOrder[row] = AFFINITY.order * a + price + 0.3 * Math.log(userAct[u]);
    }
  }
  // Pass 2: calibrate each stage's bias so the expected rate hits its target, then draw the labels in order.
  const bClick = calibrate(sClick, null, o.clickRate);
  const pClick = sigmoids(sClick, bClick);
  const bCart = calibrate(sCart, pClick, o.cartRate);
  const pCart = sigmoids(sCart, bCart);
  const pClickCart = new Float32Array(N);
  for (let r = 0; r < N; r++) pClickCart[r] = pClick[r] * pCart[r];
  const bOrder = calibrate(sOrder, pClickCart, o.orderRate);
  const pOrder = sigmoids(sOrder, bOrder);
  const lr = rng.fork('labels');
  const imp = new Int32Array(I),
    clk = new Int32Array(I);
  for (let r = 0; r < N; r++) {
    const i = d.item[r];
    d.itemImpressions[r] = imp[i];
    d.itemClicks[r] = clk[i];
    const c = lr.float() < pClick[r] ? 1 : 0;
    const ca = c && lr.float() < pCart[r] ? 1 : 0;
    const or = ca && lr.float() < pOrder[r] ? 1 : 0;
    d.click[r] = c;
    d.cart[r] = ca;
    d.order[r] = or;
    imp[i]++;
    clk[i] += c;
  }
  if (options.withProbabilities) {
    const terms: FunnelOracleTerms = {
      logit: { click: sClick, cart: sCart, order: sOrder },
      bias: { click: bClick, cart: bCart, order: bOrder },
      weight: { affinity: AFFINITY, userBias: USER_BIAS },
      affinity,
      affinityCategory,
      userBias: Float32Array.from(d.user, (u) => userBias[u]),
    };
    d.oracleTerms = terms;
    d.probabilities = funnelProbabilities(terms, null);
    // Same biases, affinity removed: what the other parts alone would rank.
    d.probabilitiesNoAffinity = funnelProbabilities(terms, affinityLogits(terms));
  }
  return d;
}

function sigmoids(s: Float32Array, b: number): Float32Array {
  const p = new Float32Array(s.length);
  for (let r = 0; r < s.length; r++) p[r] = 1 / (1 + Math.exp(-(b + s[r])));
  return p;
}

/**
 * The bias b of probabilities sigmoid(b + s), found by Newton's method so that mean(prior · p) = target
 * (prior = probability of the earlier stages). The rate is fitted on at most 100k evenly spaced rows.
 */
function calibrate(s: Float32Array, prior: Float32Array | null, target: number): number {
  const stride = Math.max(1, Math.floor(s.length / 100_000));
  let b = Math.log(target / (1 - target));
  for (let it = 0; it < 30; it++) {
    let rate = 0,
      slope = 0,
      n = 0;
    for (let r = 0; r < s.length; r += stride, n++) {
      const q = prior === null ? 1 : prior[r];
      const p = 1 / (1 + Math.exp(-(b + s[r])));
      rate += q * p;
      slope += q * p * (1 - p);
    }
    const step = (rate / n - target) / Math.max(slope / n, 1e-12);
    b -= Math.max(-2, Math.min(2, step));
    if (Math.abs(step) < 1e-7) break;
  }
  return b;
}

function normals(rng: Rng, n: number, scale: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal() * scale;
  return a;
}

function cumulative(w: Float64Array): Float64Array {
  const c = new Float64Array(w.length);
  let s = 0;
  for (let i = 0; i < w.length; i++) {
    s += w[i];
    c[i] = s;
  }
  for (let i = 0; i < w.length; i++) c[i] /= s;
  return c;
}

/** Index of the first cumulative weight above u (binary search). */
function draw(cdf: Float64Array, u: number): number {
  let lo = 0,
    hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cdf[mid] > u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export const FUNNEL_COLUMNS = [
  'ts',
  'day',
  'hour',
  'user_id',
  'item_id',
  'shop_id',
  'category_id',
  'device',
  'position',
  'tags',
  'price',
  'user_activity',
  'user_age',
  'item_impressions',
  'item_ctr',
  'is_click',
  'is_cart',
  'is_order',
] as const;

/** Historical CTR of the item before this impression, smoothed towards 5%. */
function itemCtr(d: FunnelData, r: number): number {
  return (d.itemClicks[r] + 1) / (d.itemImpressions[r] + 20);
}

/** Write the funnel as CSV. Bytes are formatted straight into a buffer (no per-cell strings), in blocks. */
export function writeFunnelCsv(d: FunnelData, path: string): void {
  const fd = openSync(path, 'w');
  const out = new AsciiWriter(1 << 22);
  const tags = d.itemTags.map((t) => Buffer.from(t, 'latin1'));
  const devices = DEVICES.map((t) => Buffer.from(t, 'latin1'));
  try {
    out.text(FUNNEL_COLUMNS.join(',') + '\n');
    for (let r = 0; r < d.rows; r++) {
      out.int(d.ts[r]);
      out.byte(44);
      out.int(d.day[r]);
      out.byte(44);
      out.int(d.hour[r]);
      out.byte(44);
      out.int(d.user[r]);
      out.byte(44);
      out.int(d.item[r]);
      out.byte(44);
      out.int(d.shop[r]);
      out.byte(44);
      out.int(d.category[r]);
      out.byte(44);
      out.bytes(devices[d.device[r]]);
      out.byte(44);
      out.int(d.position[r]);
      out.byte(44);
      out.bytes(tags[d.item[r]]);
      out.byte(44);
      out.fixed(d.price[r], 2);
      out.byte(44);
      out.fixed(d.userActivity[r], 3);
      out.byte(44);
      if (!Number.isNaN(d.userAge[r])) out.int(d.userAge[r]);
      out.byte(44);
      out.int(d.itemImpressions[r]);
      out.byte(44);
      out.fixed(itemCtr(d, r), 4);
      out.byte(44);
      out.int(d.click[r]);
      out.byte(44);
      out.int(d.cart[r]);
      out.byte(44);
      out.int(d.order[r]);
      out.byte(10);
      if (out.length > out.capacity - 4096) out.flushTo(fd);
    }
    out.flushTo(fd);
  } finally {
    closeSync(fd);
  }
}

/** A growable-by-flushing byte buffer with ASCII number formatting. */
class AsciiWriter {
  readonly buf: Buffer;
  length = 0;
  constructor(readonly capacity: number) {
    this.buf = Buffer.allocUnsafe(capacity);
  }
  byte(b: number): void {
    this.buf[this.length++] = b;
  }
  bytes(b: Buffer): void {
    b.copy(this.buf, this.length);
    this.length += b.length;
  }
  text(s: string): void {
    this.length += this.buf.write(s, this.length, 'latin1');
  }
  int(v: number): void {
    if (v < 0) {
      this.byte(45);
      v = -v;
    }
    if (v < 10) {
      this.byte(48 + v);
      return;
    }
    let digits = 0;
    for (let x = v; x > 0; x = Math.floor(x / 10)) digits++;
    let p = this.length + digits;
    this.length = p;
    for (let x = v; x > 0; x = Math.floor(x / 10)) this.buf[--p] = 48 + (x % 10);
  }
  fixed(v: number, decimals: number): void {
    const scale = 10 ** decimals;
    let scaled = Math.round(Math.abs(v) * scale);
    if (v < 0 && scaled > 0) this.byte(45);
    this.int(Math.floor(scaled / scale));
    this.byte(46);
    scaled %= scale;
    for (let d = decimals - 1; d >= 0; d--) {
      this.buf[this.length + d] = 48 + (scaled % 10);
      scaled = Math.floor(scaled / 10);
    }
    this.length += decimals;
  }
  flushTo(fd: number): void {
    writeSync(fd, this.buf, 0, this.length);
    this.length = 0;
  }
}

/** Behaviour sequences for item2vec: one line per user, the items they clicked in time order. */
export function funnelSequences(d: FunnelData): string[] {
  const byUser = new Map<number, number[]>();
  for (let r = 0; r < d.rows; r++) {
    if (!d.click[r]) continue;
    let s = byUser.get(d.user[r]);
    if (!s) byUser.set(d.user[r], (s = []));
    s.push(d.item[r]);
  }
  return [...byUser.entries()]
    .sort((a, b) => a[0] - b[0])
    .filter(([, s]) => s.length > 1)
    .map(([, s]) => s.join(' '));
}

/** The written config's time split on `day`: the last two days are valid and test. */
export function funnelSplitDays(days: number): { validFrom: number; testFrom: number } {
  const validFrom = Math.max(1, days - 2);
  return { validFrom, testFrom: Math.max(validFrom + 1, days - 1) };
}

/** A ready config for the written CSV: time split on `day` (last two days valid and test). */
export function funnelConfigYaml(csvFile: string, days: number, seed: number): string {
  const { validFrom, testFrom } = funnelSplitDays(days);
  return `# Synthetic e-commerce funnel (mtrank synth). Paths are relative to this file.
seed: ${seed}
data:
  source: ${csvFile}
  split: { method: time, column: day, validFrom: ${validFrom}, testFrom: ${testFrom} }
features:
  user_id: { type: categorical, minCount: ${FUNNEL_ID_MIN_COUNT}, embeddingDim: 16, group: true }
  item_id: { type: categorical, minCount: ${FUNNEL_ID_MIN_COUNT}, embeddingDim: 16, role: item }
  shop_id: { type: categorical, embeddingDim: 8 }
  category_id: { type: categorical, embeddingDim: 8 }
  device: { type: categorical, embeddingDim: 4 }
  hour: { type: categorical, embeddingDim: 4 }
  position: { type: numeric, transform: standardize }
  tags: { type: multi-categorical, separator: "|", maxLength: 4, pooling: mean, embeddingDim: 8 }
  price: { type: numeric, transform: log-standardize }
  user_activity: { type: numeric, transform: log-standardize }
  user_age: { type: numeric, transform: bucketize, buckets: 8, embeddingDim: 4 }
  item_impressions: { type: numeric, transform: log-standardize }
  item_ctr: { type: numeric, transform: standardize }
tasks:
  click: { label: is_click, labelWeight: 1 }
  cart: { label: is_cart, labelWeight: 1, dependsOn: click }
  order: { label: is_order, labelWeight: 1, dependsOn: cart }
model: { type: shared-bottom, bottom: [128, 64], tower: [32] }
# Trained to early stopping (validation mean AUC, patience 5 evaluations, best weights kept): at the demo's size
# it stops within 3 epochs. The embedding rate is 10× the dense default so ID rows (the user × item affinity)
# learn in that budget: +0.04 / +0.06 / +0.06 test AUC over 1 epoch at 0.001 (docs/training.md).
training:
  epochs: 3
  batchSize: 512
  evalEvery: 100
  optimizer: { type: adam, lr: 0.002 }
  embeddingOptimizer: { type: adam, lr: 0.01 }
`;
}

export interface WrittenFunnel {
  dir: string;
  csv: string;
  config: string;
  sequences: string;
  parquet?: string;
  rows: number;
  /** DIR/funnel.oracle.json and its content: AUC of the true probabilities per split and per day. */
  oraclePath: string;
  oracle: FunnelOracle;
}

/**
 * Generate and write DIR/funnel.csv, DIR/sequences.txt, DIR/funnel.yaml, DIR/funnel.oracle.json (and
 * DIR/funnel.parquet on request).
 */
export async function writeFunnel(dir: string, options: FunnelOptions & { parquet?: boolean }): Promise<WrittenFunnel> {
  const o = resolved(options);
  mkdirSync(dir, { recursive: true });
  const d = generateFunnel({ ...options, withProbabilities: true });
  const csv = join(dir, 'funnel.csv'),
    config = join(dir, 'funnel.yaml'),
    sequences = join(dir, 'sequences.txt');
  writeFunnelCsv(d, csv);
  writeFileAtomic(sequences, funnelSequences(d).join('\n') + '\n');
  const oracle = funnelOracle(d, funnelSplitDays(o.days), FUNNEL_ID_MIN_COUNT),
    oraclePath = join(dir, 'funnel.oracle.json');
  writeFileAtomic(oraclePath, JSON.stringify(oracle, null, 1) + '\n');
  let parquet: string | undefined;
  if (options.parquet) {
    parquet = join(dir, 'funnel.parquet');
    const { withConnection, sqlString } = await import('../util/duckdb.js');
    await withConnection(async (c) => {
      await c.run(`COPY (SELECT * FROM read_csv(${sqlString(csv)})) TO ${sqlString(parquet!)} (FORMAT parquet)`);
    });
  }
  writeFileAtomic(config, funnelConfigYaml(options.parquet ? 'funnel.parquet' : 'funnel.csv', o.days, o.seed));
  return { dir, csv, config, sequences, parquet, rows: d.rows, oraclePath, oracle };
}
