// A small interaction log with pretrained item vectors, written as train/valid/test CSV files and a word2vec
// text file: training items t0..t29 (t25..t29 have no vector), items p0..p5 that only the vector file knows
// (they appear in valid/test), items x0..x2 nobody knows, and file tokens z0, z1 that occur in no split.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeVectors, type WordVectors } from '../../src/features/word2vec-io.js';
import { Rng } from '../../src/util/rng.js';

export const DIM = 4;
export const FILE_TOKENS = [
  't3',
  'p0',
  't0',
  't1',
  'z0',
  't2',
  ...Array.from({ length: 21 }, (_, k) => `t${k + 4}`),
  'p1',
  'p2',
  'z1',
  'p3',
  'p4',
  'p5',
];

export interface Fixture {
  dir: string;
  vectors: string;
  vectorData: WordVectors;
  files: Record<'train' | 'valid' | 'test', string>;
}

/** Items: latent value per item decides the click rate, so the item embedding matters. */
export function writeFixture(dir: string, rows = { train: 600, valid: 150, test: 200 }): Fixture {
  mkdirSync(dir, { recursive: true });
  const world = new Rng(99);
  const all = [
    ...Array.from({ length: 30 }, (_, k) => `t${k}`),
    ...Array.from({ length: 6 }, (_, k) => `p${k}`),
    'x0',
    'x1',
    'x2',
  ];
  const affinity = new Map(all.map((t) => [t, world.normal() * 1.5]));
  const vectorData: WordVectors = {
    tokens: FILE_TOKENS,
    dim: DIM,
    data: Float32Array.from({ length: FILE_TOKENS.length * DIM }, (_, i) => {
      const t = FILE_TOKENS[Math.floor(i / DIM)]!;
      return (i % DIM === 0 ? (affinity.get(t) ?? 0) : 0) * 0.3 + world.normal() * 0.2;
    }),
  };
  const vectors = join(dir, 'items.vec');
  writeVectors(vectors, vectorData);
  const files = {} as Fixture['files'];
  for (const [split, n] of Object.entries(rows) as ['train' | 'valid' | 'test', number][]) {
    const rng = new Rng(split.length * 7 + n);
    const lines = ['user_id,item_id,price,click'];
    for (let r = 0; r < n; r++) {
      // Training rows use t*; valid/test mostly t*, some p* (pretrained only) and x* (unknown).
      const u = rng.int(20),
        pick = rng.float();
      const item =
        split === 'train' || pick < 0.6 ? `t${rng.int(30)}` : pick < 0.85 ? `p${rng.int(6)}` : `x${rng.int(3)}`;
      const price = (1 + rng.float() * 50).toFixed(2);
      const z = affinity.get(item)! + (u % 2 ? 0.5 : -0.5);
      lines.push(`u${u},${item},${price},${rng.float() < 1 / (1 + Math.exp(-z)) ? 1 : 0}`);
    }
    files[split] = join(dir, `${split}.csv`);
    writeFileSync(files[split], lines.join('\n') + '\n');
  }
  return { dir, vectors, vectorData, files };
}

/** The experiment config (raw, before parseConfig) with a pretrained item feature. */
export function fixtureConfig(
  f: Fixture,
  pretrained: Record<string, unknown> | null,
  training: Record<string, unknown> = {},
) {
  return {
    seed: 5,
    data: { train: f.files.train, valid: f.files.valid, test: f.files.test, cacheDir: join(f.dir, 'cache') },
    features: {
      user_id: { type: 'categorical', embeddingDim: 4, group: true },
      item_id: {
        type: 'categorical',
        embeddingDim: DIM,
        role: 'item',
        ...(pretrained ? { pretrained: { path: f.vectors, ...pretrained } } : {}),
      },
      price: { type: 'numeric', transform: 'log-standardize' },
    },
    tasks: { click: { label: 'click' } },
    model: { type: 'shared-bottom', bottom: [8], tower: [4] },
    training: {
      epochs: 2,
      batchSize: 32,
      evalEvery: 10,
      checkpointEvery: 1000,
      optimizer: { type: 'adam', lr: 0.01 },
      embeddingOptimizer: { type: 'adam', lr: 0.05 },
      earlyStopping: false,
      threads: 1,
      ...training,
    },
  };
}

/** Brute-force vocabulary of a column of a CSV: count desc, ties by value; id = index + 1. */
export function bruteVocab(path: string, column: string): string[] {
  const [head, ...lines] = readLines(path);
  const c = head!.split(',').indexOf(column);
  const counts = new Map<string, number>();
  for (const l of lines) {
    const v = l.split(',')[c]!;
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([v]) => v);
}

export function column(path: string, name: string): string[] {
  const [head, ...lines] = readLines(path);
  const c = head!.split(',').indexOf(name);
  return lines.map((l) => l.split(',')[c]!);
}

function readLines(path: string): string[] {
  return readFileSync(path, 'utf8').trim().split('\n');
}
