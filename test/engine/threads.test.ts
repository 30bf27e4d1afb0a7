import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as K from '../../src/engine/kernels.js';

// Child processes load the compiled engine, as a user of the package would.
const dist = fileURLToPath(new URL('../../dist/engine/kernels.js', import.meta.url));

function runChild(code: string, env: Record<string, string> = {}) {
  const script = `import * as K from ${JSON.stringify(dist)};\n${code}`;
  return spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, ...env },
  });
}

afterAll(() => K.shutdownThreads());

describe('kernel worker pool', () => {
  it('defaults to min(2, available cores) threads', () => {
    expect(K.kernelInfo().threads).toBe(Math.min(2, availableParallelism()));
  });

  it('survives shutdown and restarts on the next parallel call with the same results', async () => {
    K.setThreads(2);
    const [M, N, Kd] = [200, 150, 120];
    const A = K.heap.f32(M * Kd).map((_, i) => Math.sin(i)),
      B = K.heap.f32(Kd * N).map((_, i) => Math.cos(i));
    const a = K.heap.f32(M * Kd),
      b = K.heap.f32(Kd * N);
    a.set(A);
    b.set(B);
    const c1 = K.heap.f32(M * N),
      c2 = K.heap.f32(M * N);
    K.gemm(M, N, Kd, a, b, c1);
    await K.shutdownThreads();
    K.gemm(M, N, Kd, a, b, c2);
    expect(
      Buffer.from(c1.buffer, c1.byteOffset, c1.byteLength).equals(Buffer.from(c2.buffer, c2.byteOffset, c2.byteLength)),
    ).toBe(true);
  });

  it('an idle pool does not keep the process alive', () => {
    const r = runChild(`
      K.setThreads(2);
      const n = 256, a = K.heap.f32(n * n).fill(1), c = K.heap.f32(n * n);
      K.gemm(n, n, n, a, a, c);
      console.log(JSON.stringify({ info: K.kernelInfo(), c: c[0] }));`);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ info: { variant: K.kernelInfo().variant, threads: 2 }, c: 256 });
  });

  it('MTRANK_KERNELS forces the kernel build, and a bad value is refused', () => {
    const code = `
      const a = K.heap.f32(6).map((_, i) => i), c = new Float32Array(4);
      const ha = K.heap.f32(6); ha.set([0, 1, 2, 3, 4, 5]); const hc = K.heap.f32(4);
      K.gemm(2, 2, 3, ha, ha, hc, { transB: true });
      console.log(JSON.stringify({ variant: K.kernelInfo().variant, c: Array.from(hc) }));`;
    for (const variant of ['simd', 'js']) {
      const r = runChild(code, { MTRANK_KERNELS: variant });
      expect(r.status, r.stderr).toBe(0);
      // [[0,1,2],[3,4,5]] · its transpose
      expect(JSON.parse(r.stdout)).toEqual({ variant, c: [5, 14, 14, 50] });
    }
    const bad = runChild(code, { MTRANK_KERNELS: 'avx' });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/MTRANK_KERNELS must be relaxed, simd or js/);
  });
});
