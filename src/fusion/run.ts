/**
 * `mtrank fuse` without the argument parsing: resolve the input (a run directory or a scores file), merge the
 * config's `fusion:` section with the flags, run the search, write fusion.json / --out, and format the summary.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../config/load.js';
import { fusion as fusionSchema } from '../config/schema.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { MtrankError } from '../util/errors.js';
import { parseConstraint } from './constraints.js';
import { parseForm } from './forms.js';
import { fuse, rarestTask, type FusionResult, type ScoreSplit } from './fuse.js';
import { textHeatmap } from './heatmap.js';
import { DEFAULT_COLUMNS, detectTasks, readScores, type ColumnNames } from './load.js';
import { objectiveGrouped, parseObjective, type Objective } from './objectives.js';

export interface FuseCommandOptions {
  run?: string;
  scores?: string;
  test?: string;
  split: string;
  tasks?: string;
  scoreCol: string;
  labelCol: string;
  groupCol: string;
  objective?: string;
  search?: string;
  form?: string;
  step?: number;
  refine?: boolean;
  samples: number;
  constraint: string[];
  config?: string;
  threads: number;
  seed: number;
  out?: string;
  onProgress?: (done: number, total: number) => void;
}

type FusionSection = ReturnType<typeof fusionSchema.parse>;

export async function runFuseCommand(o: FuseCommandOptions): Promise<FusionResult & { savedTo: string[] }> {
  if (!!o.run === !!o.scores) throw new MtrankError('fuse: give exactly one of --run DIR or --scores FILE');
  const names: ColumnNames = {
    score: o.scoreCol ?? DEFAULT_COLUMNS.score,
    label: o.labelCol ?? DEFAULT_COLUMNS.label,
    group: o.groupCol ?? DEFAULT_COLUMNS.group,
  };
  const { validPath, testPath, section } = resolveInput(o);
  const tasks = o.tasks
    ? o.tasks
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean)
    : await detectTasks(validPath, names);

  const objectiveSpec = o.objective ?? section?.objective;
  const provisional: Objective | undefined = objectiveSpec
    ? parseObjective(objectiveSpec as string | Record<string, unknown>)
    : undefined;
  const needGroup = provisional !== undefined && objectiveGrouped(provisional);
  const valid = await readScores(validPath, tasks, names, needGroup);
  const test: ScoreSplit | undefined = testPath ? await readScores(testPath, tasks, names, needGroup) : undefined;
  const objective = provisional ?? { type: 'auc', task: rarestTask(tasks, valid) };

  const constraintTexts = o.constraint.length ? o.constraint : constraintsFromConfig(section);
  const result = await fuse(tasks, valid, test, {
    form: parseForm(o.form ?? section?.form ?? 'linear'),
    search: o.search ?? section?.search ?? 'grid',
    step: o.step ?? section?.step ?? 0.1,
    refine: o.refine ?? section?.refine === true,
    objective,
    constraints: constraintTexts.map(parseConstraint),
    threads: o.threads,
    seed: o.seed,
    samples: o.samples,
    onProgress: o.onProgress,
  });

  const savedTo: string[] = [];
  const json = `${JSON.stringify(fusionFile(result), null, 2)}\n`;
  if (o.run) {
    const p = join(o.run, 'fusion.json');
    writeFileAtomic(p, json);
    savedTo.push(p);
  }
  if (o.out) {
    writeFileAtomic(o.out, json);
    savedTo.push(o.out);
  }
  return { ...result, savedTo };
}

/** fusion.json: what prediction/serving need first (form, weights), then the whole search result. */
export function fusionFile(r: FusionResult): Record<string, unknown> {
  const { form, ...rest } = r;
  return { form, weights: r.best.weights, ...rest };
}

function resolveInput(o: FuseCommandOptions): { validPath: string; testPath?: string; section?: FusionSection } {
  let section: FusionSection | undefined = o.config ? loadConfig(o.config).fusion : undefined;
  if (o.scores) return { validPath: o.scores, testPath: o.test, section };
  const dir = o.run!;
  const validPath = join(dir, 'predictions', `${o.split}.csv`);
  if (!existsSync(validPath))
    throw new MtrankError(`fuse: ${validPath}: no such file (train the run first; it writes predictions/<split>.csv)`);
  const testCandidate = join(dir, 'predictions', 'test.csv');
  const testPath = o.test ?? (o.split !== 'test' && existsSync(testCandidate) ? testCandidate : undefined);
  const configPath = join(dir, 'config.json');
  if (!section && existsSync(configPath)) {
    const raw = JSON.parse(readFileSync(configPath, 'utf8')) as { fusion?: unknown };
    if (raw.fusion !== undefined) {
      const parsed = fusionSchema.safeParse(raw.fusion);
      if (!parsed.success)
        throw new MtrankError(
          `${configPath}: fusion: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
        );
      section = parsed.data;
    }
  }
  return { validPath, testPath, section };
}

function constraintsFromConfig(section: FusionSection | undefined): string[] {
  const c = section?.constraints;
  if (c === undefined) return [];
  if (typeof c === 'string') return [c];
  if (Array.isArray(c) && c.every((x) => typeof x === 'string')) return c;
  throw new MtrankError(`fusion.constraints: expected a list of strings like "auc(click) >= base(click) - 0.005"`);
}

const f4 = (x: number | undefined): string => (x === undefined || Number.isNaN(x) ? '–' : x.toFixed(4));
const weights = (w: Record<string, number>): string =>
  Object.entries(w)
    .map(([t, v]) => `${t}=${+v.toFixed(6)}`)
    .join(' ');

/** The human summary printed when --json is not given. */
export function formatSummary(r: FusionResult & { savedTo: string[] }): string {
  const lines = [
    `fuse: ${r.form} form, ${r.search}${r.refine ? ' + refine' : ''} search, objective ${r.objective.label}${r.constraints.length ? `, subject to ${r.constraints.join(' and ')}` : ''}`,
    `  ${r.combinations} combinations visited, ${r.evaluated} distinct rankings scored on ${r.rows.valid} rows in ${r.seconds.toFixed(2)} s (${r.threads} thread${r.threads > 1 ? 's' : ''})`,
    `best: ${weights(r.best.weights)}   valid ${f4(r.best.objective)}${r.best.test !== undefined ? `   test ${f4(r.best.test)}` : ''}`,
    `  per-task AUC   ${r.tasks.map((t) => `${t} ${f4(r.best.aucs[t])} (own score ${f4(r.base.valid[t])})`).join('   ')}`,
  ];
  if (r.best.testAucs)
    lines.push(
      `  test AUC       ${r.tasks.map((t) => `${t} ${f4(r.best.testAucs![t])} (own score ${f4(r.base.test?.[t])})`).join('   ')}`,
    );
  lines.push('top 10:', `  ${'objective'.padEnd(10)} ${r.tasks.map((t) => `auc(${t})`.padEnd(12)).join(' ')} weights`);
  for (const c of r.top) {
    lines.push(
      `  ${f4(c.objective).padEnd(10)} ${r.tasks.map((t) => f4(c.aucs[t]).padEnd(12)).join(' ')} ${weights(c.weights)}${c.equivalent.length ? ` (+${c.equivalent.length} multiples)` : ''}${c.feasible ? '' : ' [violates constraints]'}`,
    );
  }
  if (r.heatmap) lines.push(textHeatmap(r.heatmap));
  if (r.savedTo.length) lines.push(`saved ${r.savedTo.join(', ')}`);
  return lines.join('\n');
}
