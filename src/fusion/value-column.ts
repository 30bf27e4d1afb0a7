import { MtrankError } from '../util/errors.js';

/**
 * The business value column of raw rows (predict, serving) for the expected-value form: a finite number ≥ 0 in
 * every row, or a one-line error naming the row and the column.
 */
export function valueColumn(rows: readonly Record<string, unknown>[], column: string, label: string): Float64Array {
  return Float64Array.from(rows, (r, i) => {
    const x = r[column];
    const v = typeof x === 'number' ? x : typeof x === 'bigint' || typeof x === 'string' ? Number(x) : NaN;
    if (x === null || x === undefined || x === '' || !(Number.isFinite(v) && v >= 0))
      throw new MtrankError(
        `${label}[${i}].${column}: the expected-value fusion needs a value ≥ 0 here, got ${x === undefined ? 'no such column' : JSON.stringify(typeof x === 'bigint' ? String(x) : x)}`,
      );
    return v;
  });
}
