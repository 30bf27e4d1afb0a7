/**
 * Raw rows encoded column by column with the fitted preprocessing (`Preprocessor`): the same arithmetic as
 * `Preprocessor.encodeRow`, but one pass per feature straight into typed columns, with no object per row. An
 * optional `context` row lies under every row (a row's own field wins), so a ranking request's shared fields are
 * read (and encoded) once instead of being copied into each candidate.
 */
import { idKindOf } from './kinds/index.js';
import { splitTokens, type FittedMulti } from './kinds/multi.js';
import { numericValue } from './kinds/numeric.js';
import { categoricalId } from './kinds/vocabulary.js';
import { parseNumber, type Preprocessor } from './preprocessor.js';

export type RawRow = Record<string, unknown>;

export interface EncodedColumns {
  rows: number;
  /** Per `categoricalFeatures` entry: one id per row (0 = OOV/missing). */
  categorical: Int32Array[];
  /** Per `multiFeatures` entry: row r's ids are ids[offsets[r] .. offsets[r+1]). */
  multi: { offsets: Int32Array; ids: Int32Array }[];
  /** rows × denseNames.length, row-major. */
  dense: Float32Array;
  /** Per vocabulary feature name: values sent that the vocabulary does not hold (scored with the OOV slot 0). */
  oov: Map<string, number>;
}

/** Encode `rows` (each over `context`); a bad value throws MtrankError naming the row (1-based) and column. */
export function encodeColumns(p: Preprocessor, rows: readonly RawRow[], context?: RawRow): EncodedColumns {
  const n = rows.length,
    D = p.denseNames.length;
  const { text, number } = readers(p);
  const oov = new Map<string, number>();
  const count = (name: string, k: number) => k && oov.set(name, (oov.get(name) ?? 0) + k);

  // One column's raw values: a row's own field, else the context's (encoded once, at the first row needing it).
  const column = <T>(name: string, encode: (v: unknown, row: number) => T, put: (i: number, x: T) => void) => {
    const shared = context?.[name];
    let sharedDone = false,
      sharedValue: T | undefined;
    for (let i = 0; i < n; i++) {
      const v = rows[i]![name];
      if (v !== undefined) put(i, encode(v, i + 1));
      else {
        if (!sharedDone) {
          sharedValue = encode(shared, i + 1);
          sharedDone = true;
        }
        put(i, sharedValue as T);
      }
    }
  };

  const categorical = p.categoricalFeatures.map((f) => {
    const ids = new Int32Array(n);
    const kind = idKindOf(f),
      lookup = p.lookup(f),
      id = kind.jsId(f, lookup);
    let missed = 0;
    // The kind's id of the value read as its raw type; −1 marks a value sent but not in the vocabulary: it encodes
    // as 0 and is counted.
    column(f.column, kind.raw === 'number' ? (v, row) => id(number(v, f.column, row)) : (v) => id(text(v)), (i, x) => {
      if (x < 0) {
        ids[i] = 0;
        missed++;
      } else ids[i] = x;
    });
    if (lookup) count(f.name, missed);
    return ids;
  });

  const multi = p.multiFeatures.map((f) => multiColumn(p, f, rows, column, text, count));

  const dense = new Float32Array(n * D);
  let j = 0;
  for (const f of p.numericFeatures) {
    const at = j;
    column(
      f.column,
      (v, row) => number(v, f.column, row),
      (i, x) => {
        dense[i * D + at] = numericValue(f, x ?? f.default);
        if (f.missingIndicator) dense[i * D + at + 1] = x === null ? 1 : 0;
      },
    );
    j += f.missingIndicator ? 2 : 1;
  }
  return { rows: n, categorical, multi, dense, oov };
}

const NO_IDS: readonly number[] = [];

type ColumnPass = <T>(name: string, encode: (v: unknown, row: number) => T, put: (i: number, x: T) => void) => void;

function multiColumn(
  p: Preprocessor,
  f: FittedMulti,
  rows: readonly RawRow[],
  column: ColumnPass,
  text: (v: unknown) => string | null,
  count: (name: string, k: number) => void,
): { offsets: Int32Array; ids: Int32Array } {
  const lookup = p.lookup(f);
  const offsets = new Int32Array(rows.length + 1);
  const out: number[] = [];
  // Token lists repeat across rows (a request's candidates share tags): each distinct text is split once.
  const seen = new Map<string, number[]>();
  column(
    f.column,
    (v) => {
      const t = text(v);
      if (t === null) return NO_IDS;
      let ids = seen.get(t);
      if (!ids) {
        ids = splitTokens(t, f.separator, f.maxLength).map((token) => categoricalId(f, token, lookup));
        seen.set(t, ids);
      }
      return ids;
    },
    (i, ids) => {
      for (let k = 0; k < ids.length; k++) out.push(ids[k]!);
      offsets[i + 1] = out.length;
    },
  );
  const ids = Int32Array.from(out);
  if (lookup) {
    let missed = 0;
    for (let k = 0; k < ids.length; k++) if (ids[k] === 0) missed++;
    count(f.name, missed);
  }
  return { offsets, ids };
}

/** Raw value → the training file's text, or null when it means missing (null, '', a null value); and → number. */
function readers(p: Preprocessor) {
  const text = (v: unknown): string | null => {
    if (v === null || v === undefined) return null;
    const s = typeof v === 'string' ? v : String(v);
    return p.isNull(s) ? null : s;
  };
  // A JSON number is read directly (String then Number gives it back exactly); it is missing only when its own
  // text is a null value (e.g. '-1'): those numbers, found once.
  const nullNumbers = new Set(p.json.nullValues.filter((s) => String(Number(s)) === s).map(Number));
  const number = (v: unknown, column: string, row: number): number | null => {
    if (typeof v === 'number' && Number.isFinite(v)) return nullNumbers.has(v) ? null : v;
    const t = text(v);
    return t === null ? null : parseNumber(t, column, { row });
  };
  return { text, number };
}
