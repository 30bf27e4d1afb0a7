// GEMM: C[M×N] = op(A)[M×K] · op(B)[K×N] (+C) (+bias) (ReLU), Goto/BLIS style.
// Loops: jc (NC columns) → pc (KC of K; pack B block into NR-wide panels) → ic (MC rows; pack A block into
// MR-tall panels) → jr → ir → a 5×8 register micro-kernel (MR×NR, 10 v128 accumulators). Packing makes both operands
// contiguous in k order, so the transposed forms cost only a different packing loop. Edge tiles run the same
// micro-kernel on a zero-padded tile buffer, so every C element sees the same sequence of operations whatever
// the tiling or thread split (results are bit-for-bit identical across thread counts).
import { madd, at } from './simd';

const MR = 5;
const NR = 8;
const KC = 256;
const MC = 120;
const NC = 1024;

export const GEMM_RELU: i32 = 1;
export const GEMM_ACCUMULATE: i32 = 2;
export const GEMM_BIAS: i32 = 4;

const AP_BYTES: usize = MC * KC * 4;
const BP_BYTES: usize = KC * NC * 4;
const TILE_BYTES: usize = MR * NR * 4;

/** Bytes of per-thread work area one gemm call needs (packed A block, packed B block, edge tile, bias). */
export function gemmWorkBytes(): i32 {
  return <i32>(AP_BYTES + BP_BYTES + TILE_BYTES + NR * 4);
}

/** Rows per packed A panel; thread splits of M use multiples of it. */
export function gemmMR(): i32 {
  return MR;
}

// Pack op(B)[pc..pc+kc, jc..jc+nc] into ceil(nc/NR) panels of kc×NR floats (zero-padded columns).
function packB(pB: usize, ldb: i32, transB: i32, pc: i32, kc: i32, jc: i32, nc: i32, pBp: usize): void {
  let dst = pBp;
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = min(NR, nc - jr);
    const j0 = jc + jr;
    if (!transB) {
      let src = at(pB, pc * ldb + j0);
      const stride = <usize>ldb << 2;
      if (nr == NR) {
        for (let k = 0; k < kc; k++) {
          v128.store(dst, v128.load(src));
          v128.store(dst, v128.load(src, 16), 16);
          src += stride;
          dst += NR * 4;
        }
      } else {
        for (let k = 0; k < kc; k++) {
          for (let j = 0; j < NR; j++) store<f32>(at(dst, j), j < nr ? load<f32>(at(src, j)) : 0);
          src += stride;
          dst += NR * 4;
        }
      }
    } else {
      // B stored N×K: column j of op(B) is row j of B.
      for (let j = 0; j < NR; j++) {
        let d = at(dst, j);
        if (j < nr) {
          let src = at(pB, (j0 + j) * ldb + pc);
          for (let k = 0; k < kc; k++) {
            store<f32>(d, load<f32>(src));
            src += 4;
            d += NR * 4;
          }
        } else {
          for (let k = 0; k < kc; k++) {
            store<f32>(d, 0);
            d += NR * 4;
          }
        }
      }
      dst += <usize>(kc * NR) << 2;
    }
  }
}

// Pack op(A)[ic..ic+mc, pc..pc+kc] into ceil(mc/MR) panels of kc×MR floats (zero-padded rows).
function packA(pA: usize, lda: i32, transA: i32, ic: i32, mc: i32, pc: i32, kc: i32, pAp: usize): void {
  let dst = pAp;
  for (let ir = 0; ir < mc; ir += MR) {
    const mr = min(MR, mc - ir);
    const i0 = ic + ir;
    if (transA) {
      // A stored K×M: the MR values of one k are contiguous.
      let src = at(pA, pc * lda + i0);
      const stride = <usize>lda << 2;
      if (mr == MR) {
        for (let k = 0; k < kc; k++) {
          v128.store(dst, v128.load(src));
          store<f32>(dst, load<f32>(src, 16), 16);
          src += stride;
          dst += MR * 4;
        }
      } else {
        for (let k = 0; k < kc; k++) {
          for (let i = 0; i < MR; i++) store<f32>(at(dst, i), i < mr ? load<f32>(at(src, i)) : 0);
          src += stride;
          dst += MR * 4;
        }
      }
    } else if (mr == MR) {
      packRowsA(pA, lda, i0, pc, kc, dst);
      dst += <usize>(kc * MR) << 2;
    } else {
      // A stored M×K: row i of the block becomes lane i of every k.
      for (let i = 0; i < MR; i++) {
        let d = at(dst, i);
        if (i < mr) {
          let src = at(pA, (i0 + i) * lda + pc);
          for (let k = 0; k < kc; k++) {
            store<f32>(d, load<f32>(src));
            src += 4;
            d += MR * 4;
          }
        } else {
          for (let k = 0; k < kc; k++) {
            store<f32>(d, 0);
            d += MR * 4;
          }
        }
      }
      dst += <usize>(kc * MR) << 2;
    }
  }
}

// One full MR-row panel of a row-major A: rows 0-3 four k at a time through a 4×4 transpose (v128 loads and
// stores), row 4 scalar. A plain copy, so the packed values (and results) are the same as element by element.
function packRowsA(pA: usize, lda: i32, i0: i32, pc: i32, kc: i32, dst: usize): void {
  const ldaB = <usize>lda << 2;
  const s0 = at(pA, i0 * lda + pc), s1 = s0 + ldaB, s2 = s1 + ldaB, s3 = s2 + ldaB, s4 = s3 + ldaB;
  let k = 0;
  for (; k + 4 <= kc; k += 4) {
    const o = <usize>k << 2;
    const r0 = v128.load(s0 + o), r1 = v128.load(s1 + o), r2 = v128.load(s2 + o), r3 = v128.load(s3 + o);
    const lo01 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5), hi01 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
    const lo23 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5), hi23 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
    v128.store(dst, v128.shuffle<f32>(lo01, lo23, 0, 1, 4, 5));
    store<f32>(dst, load<f32>(s4 + o), 16);
    v128.store(dst, v128.shuffle<f32>(lo01, lo23, 2, 3, 6, 7), 20);
    store<f32>(dst, load<f32>(s4 + o, 4), 36);
    v128.store(dst, v128.shuffle<f32>(hi01, hi23, 0, 1, 4, 5), 40);
    store<f32>(dst, load<f32>(s4 + o, 8), 56);
    v128.store(dst, v128.shuffle<f32>(hi01, hi23, 2, 3, 6, 7), 60);
    store<f32>(dst, load<f32>(s4 + o, 12), 76);
    dst += MR * 16;
  }
  for (; k < kc; k++) {
    const o = <usize>k << 2;
    store<f32>(dst, load<f32>(s0 + o));
    store<f32>(dst, load<f32>(s1 + o), 4);
    store<f32>(dst, load<f32>(s2 + o), 8);
    store<f32>(dst, load<f32>(s3 + o), 12);
    store<f32>(dst, load<f32>(s4 + o), 16);
    dst += MR * 4;
  }
}

// 5×8 micro-kernel over kc (10 v128 accumulators: enough independent FMA chains to hide their latency, few
// enough to stay in the 16 xmm registers): C tile (row stride ldcB bytes) = (loadC ? C : 0) + Ap·Bp, then the
// epilogue (bias, relu) when `epi` has those bits.
function micro(kc: i32, pa: usize, pb: usize, pc: usize, ldcB: usize, loadC: bool, epi: i32, pBias: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0), c41 = f32x4.splat(0);
  const r1 = pc + ldcB, r2 = r1 + ldcB, r3 = r2 + ldcB, r4 = r3 + ldcB;
  if (loadC) {
    c00 = v128.load(pc); c01 = v128.load(pc, 16);
    c10 = v128.load(r1); c11 = v128.load(r1, 16);
    c20 = v128.load(r2); c21 = v128.load(r2, 16);
    c30 = v128.load(r3); c31 = v128.load(r3, 16);
    c40 = v128.load(r4); c41 = v128.load(r4, 16);
  }
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(pb), b1 = v128.load(pb, 16);
    const a4 = v128.load(pa);
    let a = v128.shuffle<f32>(a4, a4, 0, 0, 0, 0);
    c00 = madd(a, b0, c00); c01 = madd(a, b1, c01);
    a = v128.shuffle<f32>(a4, a4, 1, 1, 1, 1);
    c10 = madd(a, b0, c10); c11 = madd(a, b1, c11);
    a = v128.shuffle<f32>(a4, a4, 2, 2, 2, 2);
    c20 = madd(a, b0, c20); c21 = madd(a, b1, c21);
    a = v128.shuffle<f32>(a4, a4, 3, 3, 3, 3);
    c30 = madd(a, b0, c30); c31 = madd(a, b1, c31);
    a = v128.load32_splat(pa, 16);
    c40 = madd(a, b0, c40); c41 = madd(a, b1, c41);
    pa += MR * 4;
    pb += NR * 4;
  }
  if (epi & GEMM_BIAS) {
    const b0 = v128.load(pBias), b1 = v128.load(pBias, 16);
    c00 = f32x4.add(c00, b0); c01 = f32x4.add(c01, b1);
    c10 = f32x4.add(c10, b0); c11 = f32x4.add(c11, b1);
    c20 = f32x4.add(c20, b0); c21 = f32x4.add(c21, b1);
    c30 = f32x4.add(c30, b0); c31 = f32x4.add(c31, b1);
    c40 = f32x4.add(c40, b0); c41 = f32x4.add(c41, b1);
  }
  if (epi & GEMM_RELU) {
    const z = f32x4.splat(0);
    c00 = f32x4.max(c00, z); c01 = f32x4.max(c01, z);
    c10 = f32x4.max(c10, z); c11 = f32x4.max(c11, z);
    c20 = f32x4.max(c20, z); c21 = f32x4.max(c21, z);
    c30 = f32x4.max(c30, z); c31 = f32x4.max(c31, z);
    c40 = f32x4.max(c40, z); c41 = f32x4.max(c41, z);
  }
  v128.store(pc, c00); v128.store(pc, c01, 16);
  v128.store(r1, c10); v128.store(r1, c11, 16);
  v128.store(r2, c20); v128.store(r2, c21, 16);
  v128.store(r3, c30); v128.store(r3, c31, 16);
  v128.store(r4, c40); v128.store(r4, c41, 16);
}

/**
 * C = op(A)·op(B) with leading dimensions (elements): A is M×K (lda ≥ K), or K×M when transA (lda ≥ M);
 * B is K×N (ldb ≥ N), or N×K when transB (ldb ≥ K); C is M×N (ldc ≥ N). flags: GEMM_RELU | GEMM_ACCUMULATE |
 * GEMM_BIAS (pBias → N floats). pWork → gemmWorkBytes() private bytes. K must be ≥ 1.
 */
export function gemm(
  M: i32, N: i32, K: i32, pA: usize, lda: i32, transA: i32, pB: usize, ldb: i32, transB: i32,
  pC: usize, ldc: i32, pBias: usize, flags: i32, pWork: usize,
): void {
  const pAp = pWork;
  const pBp = pAp + AP_BYTES;
  const pTile = pBp + BP_BYTES;
  const pBiasTmp = pTile + TILE_BYTES;
  const ldcB = <usize>ldc << 2;
  for (let jc = 0; jc < N; jc += NC) {
    const nc = min(NC, N - jc);
    for (let pc = 0; pc < K; pc += KC) {
      const kc = min(KC, K - pc);
      const loadC = pc > 0 || (flags & GEMM_ACCUMULATE) != 0;
      const epi = pc + kc >= K ? flags & (GEMM_BIAS | GEMM_RELU) : 0;
      packB(pB, ldb, transB, pc, kc, jc, nc, pBp);
      for (let ic = 0; ic < M; ic += MC) {
        const mc = min(MC, M - ic);
        packA(pA, lda, transA, ic, mc, pc, kc, pAp);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          const pb = pBp + (<usize>(jr * kc) << 2);
          const biasJ = at(pBias, jc + jr);
          if (nr < NR && (epi & GEMM_BIAS)) {
            for (let j = 0; j < NR; j++) store<f32>(at(pBiasTmp, j), j < nr ? load<f32>(at(biasJ, j)) : 0);
          }
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = min(MR, mc - ir);
            const pa = pAp + (<usize>(ir * kc) << 2);
            const c = at(pC, (ic + ir) * ldc + jc + jr);
            if (mr == MR && nr == NR) {
              micro(kc, pa, pb, c, ldcB, loadC, epi, biasJ);
            } else {
              // Edge tile: run on a zero-padded copy, write back the valid part.
              for (let i = 0; i < MR; i++) {
                for (let j = 0; j < NR; j++) {
                  const v: f32 = loadC && i < mr && j < nr ? load<f32>(c + <usize>i * ldcB + (<usize>j << 2)) : 0;
                  store<f32>(at(pTile, i * NR + j), v);
                }
              }
              micro(kc, pa, pb, pTile, NR * 4, true, epi, nr < NR ? pBiasTmp : biasJ);
              for (let i = 0; i < mr; i++) {
                for (let j = 0; j < nr; j++) store<f32>(c + <usize>i * ldcB + (<usize>j << 2), load<f32>(at(pTile, i * NR + j)));
              }
            }
          }
        }
      }
    }
  }
}
