/**
 * Raw rows encoded column by column with the fitted preprocessing (`Preprocessor`): the same arithmetic as
 * `Preprocessor.encodeRow`, but one pass per feature straight into typed columns, with no object per row. An
 * optional `context` row lies under every row (a row's own field wins), so a ranking request's shared fields are
 * read (and encoded) once instead of being copied into each candidate.
 */
import { denseKindOf, idKindOf, idsKindOf, type FittedIds } from './kinds/index.js';
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

  // A kind's raw value: text, or a number (a bad one names the row and column).
  const reader = (numeric: boolean, column: string): RawReader =>
    numeric ? (v, row) => number(v, column, row) : (v) => text(v);

  const categorical = p.categoricalFeatures.map((f) => {
    const ids = new Int32Array(n);
    const kind = idKindOf(f),
      lookup = p.lookup(f),
      id = kind.jsId(f, lookup),
      read = reader(kind.raw === 'number', f.column);
    let missed = 0;
    // The kind's id of the value read as its raw type; −1 marks a value sent but not in the vocabulary: it encodes
    // as 0 and is counted.
    column(
      f.column,
      (v, row) => id(read(v, row)),
      (i, x) => {
        if (x < 0) {
          ids[i] = 0;
          missed++;
        } else ids[i] = x;
      },
    );
    if (lookup) count(f.name, missed);
    return ids;
  });

  const multi = p.multiFeatures.map((f) => idsColumn(p, f, rows, column, reader, count));

  const dense = new Float32Array(n * D);
  let j = 0;
  for (const f of p.denseFeatures) {
    const kind = denseKindOf(f),
      put = kind.jsDense(f),
      at = j;
    column(f.column, reader(kind.raw === 'number', f.column), (i, x) => put(x, dense, i * D + at));
    j += kind.denseNames(f).length;
  }
  return { rows: n, categorical, multi, dense, oov };
}

const NO_IDS: readonly number[] = [];

/** A raw field → the kind's raw value (text, or a number; null = missing); `row` (1-based) names a bad value. */
type RawReader = (v: unknown, row: number) => string | number | null;

type ColumnPass = <T>(name: string, encode: (v: unknown, row: number) => T, put: (i: number, x: T) => void) => void;

function idsColumn(
  p: Preprocessor,
  f: FittedIds,
  rows: readonly RawRow[],
  column: ColumnPass,
  reader: (numeric: boolean, column: string) => RawReader,
  count: (name: string, k: number) => void,
): { offsets: Int32Array; ids: Int32Array } {
  const kind = idsKindOf(f),
    lookup = p.lookup(f),
    toIds = kind.jsIds(f, lookup),
    read = reader(kind.raw === 'number', f.column);
  const offsets = new Int32Array(rows.length + 1);
  const out: number[] = [];
  // Values repeat across rows (a request's candidates share tags): each distinct value is encoded once.
  const seen = new Map<string | number, number[]>();
  column(
    f.column,
    (v, row) => {
      const x = read(v, row);
      if (x === null) return NO_IDS;
      let ids = seen.get(x);
      if (!ids) {
        ids = toIds(x);
        seen.set(x, ids);
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
