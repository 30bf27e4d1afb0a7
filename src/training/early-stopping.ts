import { MtrankError } from '../util/errors.js';

export interface EarlyStoppingConfig {
  monitor?: string;
  patience?: number;
}
export type TaskScores = Record<string, { auc: number }>;

/**
 * Tracks the monitored score over evaluations and says when it has not improved for `patience` evaluations
 * (0 or absent = never stop). Monitors: `mean-auc`; one task, `<task>-auc` (or `valid.<task>.auc`); or
 * `all-tasks`, which stops only once no task has reached a new best of its own for `patience` evaluations (a
 * sparse task peaking early does not cut the others short) and keeps the weights of the best mean AUC. Each
 * task's own best step is tracked in every mode, because a sparse task can peak and overfit while the others
 * still improve.
 */
export class EarlyStopping {
  readonly monitor: string;
  readonly patience: number;
  best = -Infinity;
  bestStep = -1;
  sinceBest = 0;
  /** Evaluations since any task last reached a new best of its own (the `all-tasks` stopping rule). */
  sinceTaskBest = 0;
  taskBest: Record<string, { step: number; auc: number }> = {};

  constructor(
    cfg: EarlyStoppingConfig | undefined,
    private readonly tasks: string[],
  ) {
    const monitor = cfg?.monitor ?? 'mean-auc';
    this.monitor = monitor.replace(/^valid\.(.+)\.auc$/, '$1-auc');
    this.patience = cfg?.patience ?? 0;
    if (!this.averaged) {
      const task = this.monitor.replace(/-auc$/, '');
      if (!this.monitor.endsWith('-auc') || !tasks.includes(task))
        throw new MtrankError(
          `training.earlyStopping.monitor must be 'mean-auc', 'all-tasks' or '<task>-auc' (or 'valid.<task>.auc') for one of ${tasks.join(', ')}; got '${monitor}'`,
        );
    }
  }

  /** Whether the monitored value is the mean AUC over the tasks (`mean-auc` and `all-tasks`). */
  private get averaged(): boolean {
    return this.monitor === 'mean-auc' || this.monitor === 'all-tasks';
  }

  /** The monitored value for one evaluation (NaN AUCs, e.g. a task without positives in valid, are skipped). */
  score(scores: TaskScores): number {
    if (!this.averaged) return scores[this.monitor.replace(/-auc$/, '')]!.auc;
    const aucs = this.tasks.map((t) => scores[t]!.auc).filter((a) => Number.isFinite(a));
    return aucs.length ? aucs.reduce((a, b) => a + b, 0) / aucs.length : NaN;
  }

  /** Records an evaluation; returns whether the monitor improved and which tasks reached a new best. */
  update(step: number, scores: TaskScores): { improved: boolean; newTaskBests: string[] } {
    const newTaskBests: string[] = [];
    for (const t of this.tasks) {
      const auc = scores[t]!.auc;
      if (Number.isFinite(auc) && auc > (this.taskBest[t]?.auc ?? -Infinity)) {
        this.taskBest[t] = { step, auc };
        newTaskBests.push(t);
      }
    }
    const s = this.score(scores);
    const improved = Number.isFinite(s) && s > this.best;
    if (improved) {
      this.best = s;
      this.bestStep = step;
      this.sinceBest = 0;
    } else this.sinceBest++;
    this.sinceTaskBest = newTaskBests.length ? 0 : this.sinceTaskBest + 1;
    return { improved, newTaskBests };
  }

  get shouldStop(): boolean {
    const since = this.monitor === 'all-tasks' ? this.sinceTaskBest : this.sinceBest;
    return this.patience > 0 && since >= this.patience;
  }

  state() {
    return {
      best: this.best,
      bestStep: this.bestStep,
      sinceBest: this.sinceBest,
      sinceTaskBest: this.sinceTaskBest,
      taskBest: this.taskBest,
    };
  }
  load(s: ReturnType<EarlyStopping['state']>): void {
    this.best = s.best ?? -Infinity;
    this.bestStep = s.bestStep;
    this.sinceBest = s.sinceBest;
    this.sinceTaskBest = s.sinceTaskBest ?? 0; // absent in checkpoints of older runs
    this.taskBest = { ...s.taskBest };
  }
}
