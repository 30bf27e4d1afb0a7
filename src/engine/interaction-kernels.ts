// Row loops of the interaction ops (Graph.fm, Graph.fieldDots) over the B×D feature buffer, where each ID
// field's embedding sits at a column offset. Plain JS: they touch B·F·d values once, far less than the GEMMs.

/** y[b,k] = ½((Σ_f x[b,o_f+k])² − Σ_f x[b,o_f+k]²): FM's pairwise term Σ_{f<g} e_f⊙e_g, B×dim. */
export function fmForward(
  x: Float32Array,
  B: number,
  D: number,
  offsets: readonly number[],
  dim: number,
  y: Float32Array,
): void {
  for (let b = 0; b < B; b++) {
    const row = b * D,
      out = b * dim;
    for (let k = 0; k < dim; k++) {
      let s = 0,
        sq = 0;
      for (const o of offsets) {
        const v = x[row + o + k]!;
        s += v;
        sq += v * v;
      }
      y[out + k] = 0.5 * (s * s - sq);
    }
  }
}

/** dx[b,o_f+k] += dy[b,k]·(Σ_g x[b,o_g+k] − x[b,o_f+k]). */
export function fmBackward(
  x: Float32Array,
  B: number,
  D: number,
  offsets: readonly number[],
  dim: number,
  dy: Float32Array,
  dx: Float32Array,
): void {
  for (let b = 0; b < B; b++) {
    const row = b * D,
      out = b * dim;
    for (let k = 0; k < dim; k++) {
      let s = 0;
      for (const o of offsets) s += x[row + o + k]!;
      const g = dy[out + k]!;
      for (const o of offsets) dx[row + o + k] = dx[row + o + k]! + g * (s - x[row + o + k]!);
    }
  }
}

/** y[b,p] = Σ_k x[b,a_p+k]·x[b,c_p+k] for each pair (a_p, c_p) of column offsets, B×P. */
export function fieldDotsForward(
  x: Float32Array,
  B: number,
  D: number,
  pairs: readonly (readonly [number, number])[],
  dim: number,
  y: Float32Array,
): void {
  const P = pairs.length;
  for (let b = 0; b < B; b++) {
    const row = b * D;
    for (let p = 0; p < P; p++) {
      const [a, c] = pairs[p]!;
      let s = 0;
      for (let k = 0; k < dim; k++) s += x[row + a + k]! * x[row + c + k]!;
      y[b * P + p] = s;
    }
  }
}

/** dx[b,a+k] += dy[b,p]·x[b,c+k] and dx[b,c+k] += dy[b,p]·x[b,a+k]. */
export function fieldDotsBackward(
  x: Float32Array,
  B: number,
  D: number,
  pairs: readonly (readonly [number, number])[],
  dim: number,
  dy: Float32Array,
  dx: Float32Array,
): void {
  const P = pairs.length;
  for (let b = 0; b < B; b++) {
    const row = b * D;
    for (let p = 0; p < P; p++) {
      const [a, c] = pairs[p]!,
        g = dy[b * P + p]!;
      for (let k = 0; k < dim; k++) {
        const xa = x[row + a + k]!,
          xc = x[row + c + k]!;
        dx[row + a + k] = dx[row + a + k]! + g * xc;
        dx[row + c + k] = dx[row + c + k]! + g * xa;
      }
    }
  }
}
