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
import { calibrateSplit } from './calibrate-run.js';
import { loadCalibration } from './calibration.js';
import { deployBox, deployedWeights } from './deploy.js';
import { DOMINATED_KEPT } from './front.js';
import { fuse, rarestTask, type FusionResult, type ScoreSplit } from './fuse.js';
import { textHeatmap } from './heatmap.js';
import { DEFAULT_COLUMNS, detectTasks, readScores, type ColumnNames } from './load.js';
import { objectiveGrouped, objectiveUsesValue, parseObjective, type Objective } from './objectives.js';
import { FORM_DEFS, type FusionForm } from './forms.js';
import { counted } from '../util/plural.js';

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
  /** A point on the front by preference ('order:2,click:1') or by constraints ('auc(click) >= 0.6; …'). */
  pick?: string;
  /** Bootstrap resamples for the top candidates' objective (default 200; 0 chooses by the point estimate). */
  bootstrap?: number;
  search?: string;
  form?: string;
  step?: number;
  refine?: boolean;
  /** random / cmaes: weight vectors to evaluate (default: fusion.budget, else 1000). */
  samples?: number;
  /** Business value column (expected-value form, value-auc / value-ndcg objectives). */
  value?: string;
  /** ensemble form: 'click=0.1,order=0.01' (default: fusion.offsets, else 1 per task). */
  offsets?: string;
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

  const picked = o.pick ? parsePick(o.pick) : {};
  if (picked.objective && o.objective)
    throw new MtrankError('fuse: give either --objective or a preference --pick (order:2,click:1), not both');
  const objectiveSpec = picked.objective ?? o.objective ?? section?.objective;
  const provisional: Objective | undefined = objectiveSpec
    ? parseObjective(objectiveSpec as string | Record<string, unknown>)
    : undefined;
  const needGroup = provisional !== undefined && objectiveGrouped(provisional);
  const form = parseForm(o.form ?? section?.form ?? 'linear');
  const valueCol = o.value ?? section?.value;
  const needValue = FORM_DEFS[form].usesValue || (provisional !== undefined && objectiveUsesValue(provisional));
  if (needValue && valueCol === undefined)
    throw new MtrankError(
      `fuse: the ${FORM_DEFS[form].usesValue ? `${form} form` : `${provisional!.type} objective`} needs a business value column: give --value <column> (or fusion.value)`,
    );
  const read = (path: string) => readScores(path, tasks, names, needGroup, needValue ? valueCol : undefined);
  let valid = await read(validPath);
  let test: ScoreSplit | undefined = testPath ? await read(testPath) : undefined;
  // A calibrated run: search on the probabilities predict and serving will output (calibration.json).
  const calibrationPath = o.run ? join(o.run, 'calibration.json') : undefined;
  const calibration = calibrationPath ? loadCalibration(calibrationPath) : null;
  if (calibration) {
    valid = calibrateSplit(calibration, tasks, valid, calibrationPath!);
    if (test) test = calibrateSplit(calibration, tasks, test, calibrationPath!);
  }
  const objective = provisional ?? { type: 'auc', task: rarestTask(tasks, valid) };

  const given = [
    ...(o.constraint.length ? o.constraint : constraintsFromConfig(section)),
    ...(picked.constraints ?? []),
  ];
  // The default (no objective, no constraints): the rarest task's AUC, keeping every task within
  // DEFAULT_SLACK of its own score (docs/fusion.md, "Default objective"); relaxed to the least violation if need be.
  const defaulted = !provisional && given.length === 0;
  const constraintTexts = defaulted ? defaultConstraints(tasks) : given;
  const fuseAs = (f: FusionForm) =>
    fuse(tasks, valid, test, {
      ...options,
      form: f,
    });
  const options = {
    ...(needValue ? { value: valueCol } : {}),
    offsets: o.offsets !== undefined ? parseOffsets(o.offsets) : section?.offsets,
    search: o.search ?? section?.search ?? 'grid',
    step: o.step ?? section?.step ?? 0.1,
    refine: o.refine ?? section?.refine === true,
    objective,
    constraints: constraintTexts.map(parseConstraint),
    threads: o.threads,
    seed: o.seed,
    samples: o.samples ?? section?.budget ?? 1000,
    relaxConstraints: defaulted,
    bootstrap: o.bootstrap ?? 200,
    onProgress: o.onProgress,
  };
  const first = await fuseAs(form);
  // The default objective found no linear mix within the slack, and no form was asked for: the smallest worst loss
  // over the scale-invariant forms (docs/fusion.md, "Default objective").
  const formGiven = o.form !== undefined || section?.form !== undefined;
  const result = defaulted && !formGiven && first.fallback ? await leastLossForm(first, fuseAs) : first;

  result.probabilities = calibration ? 'calibrated' : 'raw';
  if (o.run) result.flags = fuseFlags(o);
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

/**
 * The `mtrank fuse` flags that repeat this search on its run (the directory itself left out), for the command
 * `mtrank calibrate` prints when fusion.json predates the calibration: every option that differs from the CLI's
 * default, except --threads (results do not depend on it) and the output flags.
 */
export function fuseFlags(o: FuseCommandOptions): string[] {
  const flags: string[] = [];
  const add = (flag: string, value: string | number | undefined, byDefault?: string | number) => {
    if (value !== undefined && value !== byDefault) flags.push(flag, String(value));
  };
  add('--split', o.split, 'valid');
  add('--test', o.test);
  add('--tasks', o.tasks);
  add('--score-col', o.scoreCol, DEFAULT_COLUMNS.score);
  add('--label-col', o.labelCol, DEFAULT_COLUMNS.label);
  add('--group-col', o.groupCol, DEFAULT_COLUMNS.group);
  add('--config', o.config);
  add('--objective', o.objective);
  add('--pick', o.pick);
  add('--search', o.search);
  add('--form', o.form);
  add('--value', o.value);
  add('--offsets', o.offsets);
  add('--step', o.step);
  if (o.refine) flags.push('--refine');
  add('--samples', o.samples);
  for (const c of o.constraint) add('--constraint', c);
  add('--bootstrap', o.bootstrap);
  add('--seed', o.seed, 42);
  return flags;
}

/** fusion.json: what prediction/serving need first (form, weights), then the whole search result. */
export function fusionFile(r: FusionResult): Record<string, unknown> {
  const { form, ...rest } = r;
  return { form, weights: r.deploy.weights, ...rest };
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

/** --offsets 'click=0.1,order=0.01' → { click: 0.1, order: 0.01 } (checked > 0 by the search). */
function parseOffsets(spec: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of spec.split(',')) {
    const [t, b] = part.split('=').map((x) => x.trim());
    if (!t || b === undefined || b === '' || !Number.isFinite(Number(b)))
      throw new MtrankError(`fuse: --offsets '${spec}': '${part}' is not <task>=<offset>`);
    out[t] = Number(b);
  }
  return out;
}

function constraintsFromConfig(section: FusionSection | undefined): string[] {
  const c = section?.constraints;
  if (c === undefined) return [];
  if (typeof c === 'string') return [c];
  if (Array.isArray(c) && c.every((x) => typeof x === 'string')) return c;
  throw new MtrankError(`fusion.constraints: expected a list of strings like "auc(click) >= base(click) - 0.005"`);
}

/** Forms the default objective's fallback compares when no form was given (no value column, no offsets needed). */
export const FALLBACK_FORMS: readonly FusionForm[] = ['linear', 'product', 'rank'];

/** The worst change of a task's valid AUC against its own score (≤ 0 when some task loses). */
export function worstChange(r: FusionResult): number {
  return Math.min(...r.tasks.map((t) => r.best.aucs[t]! - r.base.valid[t]!));
}

/**
 * The fallback across forms: each form's own least violation, then the form whose worst task loses least on valid
 * (ties keep the earlier form, linear first). The Deploy box lists every form's worst loss.
 */
async function leastLossForm(
  first: FusionResult,
  fuseAs: (f: FusionForm) => Promise<FusionResult>,
): Promise<FusionResult> {
  const tried = [first];
  for (const f of FALLBACK_FORMS) if (f !== first.form) tried.push(await fuseAs(f));
  const feasible = tried.find((r) => !r.fallback);
  if (feasible) return feasible; // another form meets the constraints: its best objective, as without a fallback
  const best = tried.reduce((a, b) => (worstChange(b) > worstChange(a) ? b : a));
  const note = `no form keeps every task within the slack; worst valid change by form: ${tried.map((r) => `${r.form} ${worstChange(r).toFixed(4)}`).join(', ')} → ${best.form}`;
  best.deploy.warnings.unshift(note);
  best.fallbackForms = note;
  return best;
}

/** Each other task's AUC may drop at most this much below its own score under the default objective. */
export const DEFAULT_SLACK = 0.005;

/**
 * Every task, the objective's too: then, when no weights keep all tasks within the slack, the least violation
 * (fuse's relaxConstraints) maximises the worst task's AUC change instead of sacrificing the objective's task.
 */
function defaultConstraints(tasks: string[]): string[] {
  return tasks.map((t) => `auc(${t}) >= base(${t}) - ${DEFAULT_SLACK}`);
}

/**
 * --pick: 'order:2,click:1' is a preference — the front point maximising 2·AUC(order) + 1·AUC(click) (a positive
 * weighted sum is maximised on the front); 'auc(click) >= base(click) - 0.01; auc(cart) >= 0.6' are constraints.
 */
export function parsePick(spec: string): { objective?: string; constraints?: string[] } {
  if (/auc\s*\(/.test(spec))
    return {
      constraints: spec
        .split(';')
        .map((c) => c.trim())
        .filter(Boolean),
    };
  const parts = spec.split(',').map((x) => x.trim().split(':'));
  if (!parts.every((p) => p.length === 2 && p[0] && Number(p[1]) > 0))
    throw new MtrankError(
      `fuse: --pick '${spec}' is neither a preference like order:2,click:1 (positive numbers) nor constraints like 'auc(click) >= base(click) - 0.01'`,
    );
  return { objective: `weighted-auc:${parts.map(([t, w]) => `${t}=${Number(w)}`).join(',')}` };
}

const f4 = (x: number | undefined): string => (x === undefined || Number.isNaN(x) ? '–' : x.toFixed(4));
/** Weights as they are deployed: normalised to sum 1 (rank, expected-value: as searched), three decimals. */
const weights = (form: FusionForm, w: Record<string, number>): string =>
  Object.entries(deployedWeights(form, w))
    .map(([t, v]) => `${t}=${+v.toFixed(3)}`)
    .join(' ');

const CHOICE: Record<NonNullable<FusionResult['bootstrap']>['reason'], string> = {
  'point-best': 'the point-best, not clearly beaten',
  beaten: 'the best-ranked candidate not clearly beaten (the point-best was)',
  cheaper: 'tied with the leader and cheapest for the other tasks',
};

function bootstrapSummary(r: FusionResult): string {
  const b = r.bootstrap!;
  return [
    `bootstrap: ${r.objective.label} over ${b.resamples} paired resamples by ${b.by}, 95% intervals of the top ${b.candidates.length} (* chosen: ${CHOICE[b.reason]})`,
    ...b.candidates.slice(0, Math.max(5, b.chosen + 1)).map((c, i) => {
      const notes = [
        c.beaten ? 'clearly beaten' : c.tied ? 'tied with the leader' : '',
        c.cost !== undefined ? `cost to the other tasks ${f4(c.cost)}` : '',
      ]
        .filter(Boolean)
        .join('; ');
      return `  ${i === b.chosen ? '*' : ' '} ${f4(c.objective)} [${f4(c.lo)}, ${f4(c.hi)}]${notes && `  ${notes}`}   ${weights(r.form, c.weights)}`;
    }),
  ].join('\n');
}

function frontSummary(r: FusionResult): string {
  const p = r.pareto!;
  const head = `Pareto front over valid AUC(${r.tasks.join(', ')}): ${p.points.length} of ${p.points.length + p.dominated.length}${p.dominated.length >= DOMINATED_KEPT ? '+' : ''} non-constant rankings (all weights 0 left out) not dominated; the chosen weights are ${p.chosenOnFront ? 'on it' : r.objective.type.startsWith('value-') ? 'off it (the objective is not a mix of these AUCs)' : 'a tie just off it'} (pick another with --pick order:2,click:1)`;
  const shown = p.points
    .slice(0, 8)
    .map(
      (q) =>
        `  ${q.chosen ? '*' : ' '} ${r.tasks.map((t) => `${t} ${f4(q.aucs[t])}${q.test ? `/${f4(q.test[t])}` : ''}`).join('  ')}   ${weights(r.form, q.weights)}`,
    );
  return [
    head,
    `  (valid${p.points[0]?.test ? '/test' : ''} AUC per task; best 8 by the objective; * chosen)`,
    ...shown,
  ].join('\n');
}

/** The human summary printed when --json is not given. */
export function formatSummary(r: FusionResult & { savedTo: string[] }): string {
  const lines = [
    `fuse: ${r.form} form${r.probabilities === 'calibrated' ? ' on calibrated probabilities' : ''}, ${r.search}${r.refine ? ' + refine' : ''} search, objective ${r.objective.label}${r.constraints.length ? `, subject to ${r.constraints.join(' and ')}` : ''}`,
    `  ${r.combinations} combinations visited, ${r.evaluated} distinct rankings scored on ${r.rows.valid} rows in ${r.seconds.toFixed(2)} s (${counted(r.threads, 'thread')})`,
    `best: ${weights(r.form, r.best.weights)}   valid ${f4(r.best.objective)}${r.best.test !== undefined ? `   test ${f4(r.best.test)}` : ''}`,
    `  per-task AUC   ${r.tasks.map((t) => `${t} ${f4(r.best.aucs[t])} (own score ${f4(r.base.valid[t])})`).join('   ')}`,
  ];
  if (r.best.testAucs)
    lines.push(
      `  test AUC       ${r.tasks.map((t) => `${t} ${f4(r.best.testAucs![t])} (own score ${f4(r.base.test?.[t])})`).join('   ')}`,
    );
  lines.push('top 10:', `  ${'objective'.padEnd(10)} ${r.tasks.map((t) => `auc(${t})`.padEnd(12)).join(' ')} weights`);
  for (const c of r.top) {
    lines.push(
      `  ${f4(c.objective).padEnd(10)} ${r.tasks.map((t) => f4(c.aucs[t]).padEnd(12)).join(' ')} ${weights(r.form, c.weights)}${c.feasible ? '' : ' [violates constraints]'}`,
    );
  }
  if (r.heatmap) lines.push(textHeatmap(r.heatmap));
  if (r.pareto) lines.push(frontSummary(r));
  if (r.bootstrap) lines.push(bootstrapSummary(r));
  if (r.savedTo.length) lines.push(`saved ${r.savedTo.join(', ')}`);
  lines.push(deployBox(r.deploy, r.tasks));
  return lines.join('\n');
}
