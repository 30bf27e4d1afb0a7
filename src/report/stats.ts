/** Mean and sample standard deviation (n − 1) of the finite values; std is 0 for a single value. */
export function meanStd(xs: (number | null | undefined)[]): { mean: number; std: number; n: number } | undefined {
  const v = xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  if (!v.length) return undefined;
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const std = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1)) : 0;
  return { mean, std, n: v.length };
}
