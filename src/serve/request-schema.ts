// JSON Schemas of /v1/rank and /v1/score bodies, derived from the artifact's fitted features, so fastify rejects a
// wrong type or a missing id before anything is encoded. NaN/Infinity cannot occur: JSON has no literal for them.
import { kindOf } from '../features/kinds/index.js';
import type { FittedFeature, Preprocessor } from '../features/preprocessor.js';

interface RequestLimits {
  /** Most candidates (rank) or rows (score) in one request. */
  maxCandidates: number;
}

/** Per column: its schema. Columns read by several features keep the first (numeric wins: it is the strictest). */
function rowProperties(p: Preprocessor): Record<string, Record<string, unknown>> {
  const props: Record<string, Record<string, unknown>> = {};
  const ordered = [...p.json.features].sort((a, b) => rank(a) - rank(b));
  for (const f of ordered) if (f.input || f.name === p.json.itemFeature) props[f.column] ??= kindOf(f).requestField(f);
  return props;
}
const rank = (f: FittedFeature) => (kindOf(f).raw === 'number' ? 0 : 1);

/** The item id column every candidate must carry (unless a feature table supplies rows by another key). */
function requiredColumns(p: Preprocessor): string[] {
  const item = p.json.itemFeature ? p.feature(p.json.itemFeature) : undefined;
  return item ? [item.column] : [];
}

export function rankBodySchema(p: Preprocessor, limits: RequestLimits, required = requiredColumns(p)) {
  const properties = rowProperties(p);
  return {
    type: 'object',
    required: ['candidates'],
    properties: {
      context: { type: 'object', properties },
      candidates: {
        type: 'array',
        maxItems: limits.maxCandidates,
        items: { type: 'object', properties, required },
      },
      topK: { type: 'integer', minimum: 1 },
    },
  };
}

export function scoreBodySchema(p: Preprocessor, limits: RequestLimits, required = requiredColumns(p)) {
  return {
    type: 'object',
    required: ['rows'],
    properties: {
      rows: {
        type: 'array',
        maxItems: limits.maxCandidates,
        items: { type: 'object', properties: rowProperties(p), required },
      },
    },
  };
}

interface SchemaError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** "candidates[3].price: must be a number or null (candidate 3)" — the field by its path, and the candidate index. */
export function describeSchemaError(e: SchemaError): string {
  const parts = e.instancePath.split('/').slice(1);
  let path = 'body',
    index: number | undefined;
  for (const part of parts) {
    if (/^\d+$/.test(part)) {
      path += `[${part}]`;
      index ??= Number(part);
    } else path += `.${part}`;
  }
  let msg = e.message ?? e.keyword;
  if (e.keyword === 'required') {
    path += `.${String(e.params.missingProperty)}`;
    msg = 'required field missing';
  }
  if (e.keyword === 'type') msg = `must be ${typeWords(e.params.type)}`;
  if (e.keyword === 'maxItems') msg = `at most ${String(e.params.limit)} per request`;
  const where = index !== undefined ? ` (${parts[0] === 'rows' ? 'row' : 'candidate'} ${index})` : '';
  return `${path.replace(/^body\./, '')}: ${msg}${where}`;
}

const ARTICLE: Record<string, string> = { integer: 'an integer', array: 'an array', object: 'an object', null: 'null' };

/** ajv's `number,null` (or ['number', 'null']) as words: "a number or null". */
function typeWords(t: unknown): string {
  const types = (Array.isArray(t) ? t.map(String) : String(t).split(',')).map((x) => x.trim());
  return types.map((x) => ARTICLE[x] ?? `a ${x}`).join(' or ');
}
