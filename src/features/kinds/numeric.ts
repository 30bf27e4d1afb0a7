// A number as a dense input: value = (g(x) − shift) / scale with g = identity, or sign(x)·ln(1+|x|) for
// log transforms; statistics from the training split; an optional 0/1 missing column.
import { z } from 'zod';
import type { FeatureConfig, NumericFeatureConfig } from '../../config/schema.js';
import { ident } from '../../util/duckdb.js';
import { dbl, numCol } from '../sql.js';
import { base, finite } from './fitted-schema.js';
import type { DenseKind, FittedBase } from './kind.js';

export interface FittedNumeric extends FittedBase {
  kind: 'numeric';
  transform: 'none' | 'standardize' | 'log-standardize' | 'minmax';
  default: number;
  missingIndicator: boolean;
  shift: number;
  scale: number;
}

type Config = NumericFeatureConfig & { transform: FittedNumeric['transform'] };

export const numeric: DenseKind<FittedNumeric, Config> = {
  kind: 'numeric',
  configures: (f: FeatureConfig): f is Config => f.type === 'numeric' && f.transform !== 'bucketize',
  fitted: z.looseObject({
    kind: z.literal('numeric'),
    ...base,
    transform: z.enum(['none', 'standardize', 'log-standardize', 'minmax']),
    default: finite,
    missingIndicator: z.boolean(),
    shift: finite,
    scale: finite.refine((x) => x !== 0, 'must not be 0'),
  }),
  raw: 'number',
  input: 'dense',

  statistics(name, f, x) {
    const key = (k: string) => ident(`${name}:${k}`);
    const g = f.transform === 'log-standardize' ? `sign(${x}) * ln(1 + abs(${x}))` : x;
    // Summed in value order: a parallel scan adds in a schedule-dependent order, so mean and std (and every model
    // trained on them) differed in the last bits from run to run; a sorted multiset sums the same every time.
    return [
      `avg(${g} ORDER BY ${g}) AS ${key('mean')}`,
      `stddev_pop(${g} ORDER BY ${g}) AS ${key('std')}`,
      `min(${x}) AS ${key('lo')}`,
      `max(${x}) AS ${key('hi')}`,
    ];
  },

  fit(f, { base, stats }) {
    const num = (k: string) => (stats[`${base.name}:${k}`] as number | null) ?? 0;
    let shift = 0,
      scale = 1;
    if (f.transform === 'standardize' || f.transform === 'log-standardize') {
      shift = num('mean');
      scale = num('std') > 1e-12 ? num('std') : 1;
    } else if (f.transform === 'minmax') {
      shift = num('lo');
      scale = num('hi') - shift > 1e-12 ? num('hi') - shift : 1;
    }
    return Promise.resolve({
      ...base,
      kind: 'numeric',
      transform: f.transform,
      default: f.default,
      missingIndicator: f.missingIndicator,
      shift,
      scale,
    });
  },

  denseNames: (f) => (f.missingIndicator ? [f.name, `${f.name}:missing`] : [f.name]),

  sqlDense: (f) => (f.missingIndicator ? [numericExpr(f), missingExpr(f)] : [numericExpr(f)]),

  jsDense: (f) =>
    f.missingIndicator
      ? (x, out, at) => {
          out[at] = numericValue(f, x === null ? f.default : (x as number));
          out[at + 1] = x === null ? 1 : 0;
        }
      : (x, out, at) => {
          out[at] = numericValue(f, x === null ? f.default : (x as number));
        },

  requestField: () => ({ type: ['number', 'null'] }),
};

function numericValue(f: FittedNumeric, x: number): number {
  const g = f.transform === 'log-standardize' ? Math.sign(x) * Math.log(1 + Math.abs(x)) : x;
  return (g - f.shift) / f.scale;
}

/** The staged number (NULL = missing; bad values were rejected or skipped at staging). */
const asDouble = (column: string) => `r.${ident(numCol(column))}`;

/** SQL twin of numericValue (missing → the default). */
function numericExpr(f: FittedNumeric): string {
  const x = `COALESCE(${asDouble(f.column)}, ${dbl(f.default)})`;
  const g = f.transform === 'log-standardize' ? `(sign(${x}) * ln(1 + abs(${x})))` : x;
  return `((${g} - ${dbl(f.shift)}) / ${dbl(f.scale)})::FLOAT`;
}

function missingExpr(f: FittedNumeric): string {
  return `(${asDouble(f.column)} IS NULL)::INTEGER::FLOAT`;
}
