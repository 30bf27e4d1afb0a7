// `npm run bench -- gemm [--json] [--seconds 0.5] [--repeats 3]`
// GEMM throughput of the engine kernels on the standard layer shape (512×429 @ 429×256): the three forms
// training uses (A·B forward, Aᵀ·B weight gradient, A·Bᵀ input gradient), relaxed-SIMD vs plain SIMD builds vs
// the plain TypeScript loop, on 1 and 2 threads, measured side by side in one run (configurations interleaved,
// median of repeats). `measureGemm` is also used by the engine benchmark.
import { pathToFileURL } from 'node:url';
import {
  gemm,
  heap,
  kernelInfo,
  setThreads,
  shutdownThreads,
  threadStats,
  useKernels,
  variantAvailable,
  type KernelVariant,
} from '../engine/kernels.js';
import { Rng } from '../util/rng.js';

export type GemmForm = 'A·B' | 'Aᵀ·B' | 'A·Bᵀ';
export interface GemmFigure {
  variant: KernelVariant;
  threads: number;
  form: GemmForm;
  /** Median over repeats of the mean rate of a timed run. */
  gflops: number;
  /** Rate of the fastest single call (what the kernel does when the machine leaves it alone). */
  bestCallGflops: number;
  /** Share of the work the worker threads took (the rest ran on the calling thread). */
  workerShare: number;
}
export interface GemmBenchOptions {
  M?: number;
  N?: number;
  K?: number;
  variants?: KernelVariant[];
  threads?: number[];
  forms?: GemmForm[];
  /** Seconds of timed calls per configuration and repeat. */
  seconds?: number;
  repeats?: number;
}
export interface GemmBenchResult {
  shape: { M: number; N: number; K: number };
  figures: GemmFigure[];
  /** A·B with the default (best available) build on 1 and 2 threads. */
  gflops1: number;
  gflops2: number;
}

const FORM_OPTIONS: Record<GemmForm, { transA?: boolean; transB?: boolean }> = {
  'A·B': {},
  'Aᵀ·B': { transA: true },
  'A·Bᵀ': { transB: true },
};

const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!;

export function measureGemm(opts: GemmBenchOptions = {}): GemmBenchResult {
  const { M = 512, N = 256, K = 429, seconds = 0.5, repeats = 3 } = opts;
  const before = kernelInfo();
  const best: KernelVariant = variantAvailable('relaxed') ? 'relaxed' : 'simd';
  const variants = (opts.variants ?? [best]).filter(variantAvailable);
  const threads = opts.threads ?? [1, 2];
  const forms = opts.forms ?? ['A·B'];
  const rng = new Rng(1);
  const A = heap.f32(M * K),
    B = heap.f32(K * N),
    C = heap.f32(M * N);
  for (const x of [A, B]) for (let i = 0; i < x.length; i++) x[i] = rng.float() - 0.5;
  const flops = 2 * M * N * K;

  const configs = variants.flatMap((variant) =>
    (variant === 'js' ? [1] : threads).flatMap((t) => forms.map((form) => ({ variant, threads: t, form }))),
  );
  const samples = configs.map(() => [] as number[]);
  const shares = configs.map(() => [] as number[]);
  const fastest = configs.map(() => Infinity);
  try {
    for (let r = 0; r < repeats; r++) {
      configs.forEach((c, i) => {
        useKernels(c.variant);
        setThreads(c.threads);
        const o = FORM_OPTIONS[c.form];
        // Warm-up: a (re)started pool needs its workers up and their code optimized before timing.
        for (let w = 0, t0 = performance.now(); c.variant !== 'js' && (w < 5 || performance.now() - t0 < 50); w++)
          gemm(M, N, K, A, B, C, o);
        // The plain TypeScript loop gets one timed call per repeat; it is 20-100× slower.
        const budget = c.variant === 'js' ? 0 : seconds * 1000;
        let calls = 0;
        const s0 = threadStats();
        const t0 = performance.now();
        let t = t0;
        do {
          gemm(M, N, K, A, B, C, o);
          calls++;
          const now = performance.now();
          fastest[i] = Math.min(fastest[i]!, now - t);
          t = now;
        } while (t - t0 < budget);
        samples[i]!.push((flops * calls) / ((performance.now() - t0) * 1e6));
        const s1 = threadStats();
        shares[i]!.push(s1.parallelJobs > s0.parallelJobs ? s1.workerShare : 0);
      });
    }
  } finally {
    useKernels(before.variant);
    setThreads(before.threads);
    for (const x of [A, B, C]) heap.free(x);
  }
  const figures = configs.map((c, i) => ({
    ...c,
    gflops: median(samples[i]!),
    bestCallGflops: flops / (fastest[i]! * 1e6),
    workerShare: median(shares[i]!),
  }));
  const pick = (t: number) =>
    figures.find(
      (f) =>
        f.variant === (variants.includes(before.variant) ? before.variant : variants[0]) &&
        f.threads === t &&
        f.form === 'A·B',
    )?.gflops ?? NaN;
  return { shape: { M, N, K }, figures, gflops1: pick(1), gflops2: pick(2) };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const num = (name: string, dflt: number) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? Number(args[i + 1]) : dflt;
  };
  const json = args.includes('--json');
  const r = measureGemm({
    variants: ['relaxed', 'simd', 'js'],
    threads: [1, 2],
    forms: ['A·B', 'Aᵀ·B', 'A·Bᵀ'],
    seconds: num('seconds', 0.5),
    repeats: num('repeats', 3),
  });
  await shutdownThreads();
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  const get = (v: KernelVariant, t: number, f: GemmForm) =>
    r.figures.find((x) => x.variant === v && x.threads === t && x.form === f)?.gflops;
  const fmt = (x: number | undefined) => (x === undefined ? '-' : x.toFixed(1)).padStart(8);
  console.log(
    `GEMM ${r.shape.M}×${r.shape.K} @ ${r.shape.K}×${r.shape.N}, GFLOP/s (median of repeats; default build: ${kernelInfo().variant})`,
  );
  console.log(
    `${'build / form'.padEnd(16)}${'1 thr'.padStart(8)}${'2 thr'.padStart(8)}${'2t/1t'.padStart(8)}${'worker share'.padStart(14)}` +
      `${'best 1 thr'.padStart(12)}${'best 2 thr'.padStart(12)}`,
  );
  for (const v of ['relaxed', 'simd', 'js'] as const) {
    for (const f of Object.keys(FORM_OPTIONS) as GemmForm[]) {
      const g1 = get(v, 1, f),
        g2 = get(v, 2, f);
      if (g1 === undefined) continue;
      const share = r.figures.find((x) => x.variant === v && x.threads === 2 && x.form === f)?.workerShare;
      const shareText = share === undefined ? '-' : `${(share * 100).toFixed(0)}%`;
      const best = (t: number) =>
        r.figures.find((x) => x.variant === v && x.threads === t && x.form === f)?.bestCallGflops;
      console.log(
        `${`${v} ${f}`.padEnd(16)}${fmt(g1)}${fmt(g2)}${g2 ? fmt(g2 / g1) : fmt(undefined)}${shareText.padStart(14)}` +
          `${fmt(best(1)).padStart(12)}${fmt(best(2)).padStart(12)}`,
      );
    }
  }
  const ratio = (a?: number, b?: number) => (a && b ? (a / b).toFixed(2) : '-');
  console.log(
    `relaxed/simd (A·B, 1 thread): ${ratio(get('relaxed', 1, 'A·B'), get('simd', 1, 'A·B'))}; ` +
      `simd/js (A·B, 1 thread): ${ratio(get('simd', 1, 'A·B'), get('js', 1, 'A·B'))}; peak RSS ${peakRssMb.toFixed(0)} MB`,
  );
  if (json) {
    console.log(
      JSON.stringify({
        gemmGflops1: r.gflops1,
        gemmGflops2: r.gflops2,
        shape: r.shape,
        figures: r.figures.map((f) => ({
          ...f,
          gflops: Number(f.gflops.toFixed(2)),
          bestCallGflops: Number(f.bestCallGflops.toFixed(2)),
        })),
        peakRssMb: Math.round(peakRssMb),
      }),
    );
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
