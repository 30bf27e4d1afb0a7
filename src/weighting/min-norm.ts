// Exact minimiser of a convex quadratic over the probability simplex:
//   minimise f(x) = xᵀAx + 2bᵀx  subject to  x ≥ 0, Σx = 1      (A positive semi-definite, T×T)
// With b = 0 and A the Gram matrix of the task gradients this is MGDA's min-norm point; the Pareto
// solver (pareto-solver.ts) shifts its feasible set onto this form.
//
// Exact method (T ≤ MAX_EXACT_TASKS): the optimum lies on some face of the simplex, and on the face with
// support S it solves the KKT system A_S x − λ1 = −b_S, 1ᵀx = 1. Some optimum has a support whose system is
// non-singular (a singular one has a direction of constant objective along which a coordinate can be
// driven to 0), so solving every face's system and keeping the best feasible solution is exact. 2^T faces,
// each a (k+1)² solve, smallest faces first, stopping at the first face whose solution passes the KKT test:
// microseconds for the handful of tasks a ranking model has.
// Larger T falls back to (pairwise) Frank-Wolfe with exact line search, iterative like Sener & Koltun's solver.

export const MAX_EXACT_TASKS = 12;

export interface SimplexQpOptions {
  method?: 'exact' | 'frank-wolfe';
  iterations?: number;
}

export function minNormOnSimplex(A: Float64Array, b?: Float64Array, options: SimplexQpOptions = {}): number[] {
  const T = Math.round(Math.sqrt(A.length));
  if (T === 1) return [1];
  // Scale to O(1) so the singularity tolerance is relative; the argmin does not change.
  let scale = 0;
  for (let i = 0; i < T; i++) scale = Math.max(scale, Math.abs(A[i * T + i]!), b ? Math.abs(b[i]!) : 0);
  if (!(scale > 0)) return new Array<number>(T).fill(1 / T); // all gradients zero: every point is optimal
  const As = A.map((v) => v / scale),
    bs = b ? b.map((v) => v / scale) : new Float64Array(T);
  const method = options.method ?? (T <= MAX_EXACT_TASKS ? 'exact' : 'frank-wolfe');
  return method === 'exact' ? exactByFaces(As, bs, T) : frankWolfe(As, bs, T, options.iterations ?? 2000);
}

/** f(x) = xᵀAx + 2bᵀx. */
export function quadratic(A: Float64Array, b: Float64Array | undefined, x: ArrayLike<number>): number {
  const T = x.length;
  let f = 0;
  for (let i = 0; i < T; i++) {
    let row = 0;
    for (let j = 0; j < T; j++) row += A[i * T + j]! * x[j]!;
    f += x[i]! * (row + 2 * (b ? b[i]! : 0));
  }
  return f;
}

function exactByFaces(A: Float64Array, b: Float64Array, T: number): number[] {
  let best: number[] = [],
    bestF = Infinity;
  for (const S of facesBySize(T)) {
    const solved = solveFace(A, b, T, S);
    if (!solved || solved.x.some((v) => v < -1e-9)) continue;
    const x = new Array<number>(T).fill(0);
    let sum = 0;
    S.forEach((i, k) => {
      x[i] = Math.max(0, solved.x[k]!);
      sum += x[i]!;
    });
    for (const i of S) x[i] = x[i]! / sum;
    // KKT certificate: no vertex outside the face has a smaller (half) gradient (Ax + b)ⱼ than λ → global optimum.
    if (isOptimal(A, b, T, x, solved.lambda)) return x;
    const f = quadratic(A, b, x);
    if (f < bestF - 1e-15) {
      bestF = f;
      best = x;
    }
  }
  // Only reached when rounding defeats every certificate: the best feasible face is still exact.
  return best.length ? best : frankWolfe(A, b, T, 2000);
}

function isOptimal(A: Float64Array, b: Float64Array, T: number, x: number[], lambda: number): boolean {
  for (let j = 0; j < T; j++) {
    if (x[j]! > 0) continue;
    let g = b[j]!;
    for (let k = 0; k < T; k++) g += A[j * T + k]! * x[k]!;
    if (g < lambda - 1e-10) return false;
  }
  return true;
}

const faceCache = new Map<number, number[][]>();
/** Every support set of {0..T−1}, smallest first (small supports are the common optima and the cheapest solves). */
function facesBySize(T: number): number[][] {
  let faces = faceCache.get(T);
  if (!faces) {
    faces = [];
    for (let mask = 1; mask < 1 << T; mask++) faces.push([...Array(T).keys()].filter((i) => mask & (1 << i)));
    faces.sort((p, q) => p.length - q.length);
    faceCache.set(T, faces);
  }
  return faces;
}

/** Solves [A_S −1; 1ᵀ 0][x; λ] = [−b_S; 1] by Gaussian elimination with partial pivoting; null if singular. */
function solveFace(A: Float64Array, b: Float64Array, T: number, S: number[]): { x: number[]; lambda: number } | null {
  const k = S.length,
    n = k + 1,
    M = new Float64Array(n * (n + 1));
  const at = (r: number, c: number) => r * (n + 1) + c;
  S.forEach((i, r) => {
    S.forEach((j, c) => {
      M[at(r, c)] = A[i * T + j]!;
    });
    M[at(r, k)] = -1;
    M[at(r, n)] = -b[i]!;
    M[at(k, r)] = 1;
  });
  M[at(k, n)] = 1;
  for (let col = 0; col < n; col++) {
    let piv = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(M[at(r, col)]!) > Math.abs(M[at(piv, col)]!)) piv = r;
    if (Math.abs(M[at(piv, col)]!) < 1e-12) return null;
    if (piv !== col)
      for (let c = 0; c <= n; c++) {
        const t = M[at(col, c)]!;
        M[at(col, c)] = M[at(piv, c)]!;
        M[at(piv, c)] = t;
      }
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = M[at(r, col)]! / M[at(col, col)]!;
      if (f !== 0) for (let c = col; c <= n; c++) M[at(r, c)] = M[at(r, c)]! - f * M[at(col, c)]!;
    }
  }
  const x: number[] = [];
  for (let r = 0; r < k; r++) x.push(M[at(r, n)]! / M[at(r, r)]!);
  return { x, lambda: M[at(k, n)]! / M[at(k, k)]! };
}

function frankWolfe(A: Float64Array, b: Float64Array, T: number, iterations: number): number[] {
  // Pairwise Frank-Wolfe: move weight from the worst vertex in the support to the best vertex overall.
  // Unlike plain Frank-Wolfe (O(1/k)), it converges linearly on the simplex.
  const x = new Array<number>(T).fill(1 / T);
  const grad = new Float64Array(T); // half the gradient: Ax + b
  for (let it = 0; it < iterations; it++) {
    for (let i = 0; i < T; i++) {
      let s = b[i]!;
      for (let j = 0; j < T; j++) s += A[i * T + j]! * x[j]!;
      grad[i] = s;
    }
    let toward = 0,
      away = -1;
    for (let i = 0; i < T; i++) {
      if (grad[i]! < grad[toward]!) toward = i;
      if (x[i]! > 0 && (away < 0 || grad[i]! > grad[away]!)) away = i;
    }
    const slope = grad[toward]! - grad[away]!; // along d = e_toward − e_away
    if (slope > -1e-15) break; // KKT: every vertex in the support is as good as the best
    const curv = A[toward * T + toward]! - 2 * A[toward * T + away]! + A[away * T + away]!;
    const gamma = curv > 0 ? Math.min(x[away]!, -slope / curv) : x[away]!;
    x[toward] = x[toward]! + gamma;
    x[away] = x[away]! - gamma;
  }
  return x;
}
