import { MtrankError } from '../util/errors.js';

export interface EarlyStoppingConfig {
  monitor?: string;
  patience?: number;
}
export type TaskScores = Record<string, { auc: number }>;

/**
 * Tracks the monitored score over evaluations (`mean-auc`, or `<task>-auc`) and says when it has not improved
 * for `patience` evaluations (0 or absent = never stop). Also tracks each task's own best step, because a
 * sparse task can peak and overfit while the others still improve.
 */
export class EarlyStopping {
  readonly monitor: string;
  readonly patience: number;
  best = -Infinity;
  bestStep = -1;
  sinceBest = 0;
  taskBest: Record<string, { step: number; auc: number }> = {};

  constructor(
    cfg: EarlyStoppingConfig | undefined,
    private readonly tasks: string[],
  ) {
    this.monitor = cfg?.monitor ?? 'mean-auc';
    this.patience = cfg?.patience ?? 0;
    if (this.monitor !== 'mean-auc') {
      const task = this.monitor.replace(/-auc$/, '');
      if (!this.monitor.endsWith('-auc') || !tasks.includes(task))
        throw new MtrankError(
          `training.earlyStopping.monitor must be 'mean-auc' or '<task>-auc' for one of ${tasks.join(', ')}; got '${this.monitor}'`,
        );
    }
  }

  /** The monitored value for one evaluation (NaN AUCs, e.g. a task without positives in valid, are skipped). */
  score(scores: TaskScores): number {
    if (this.monitor !== 'mean-auc') return scores[this.monitor.replace(/-auc$/, '')]!.auc;
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
    return { improved, newTaskBests };
  }

  get shouldStop(): boolean {
    return this.patience > 0 && this.sinceBest >= this.patience;
  }

  state() {
    return { best: this.best, bestStep: this.bestStep, sinceBest: this.sinceBest, taskBest: this.taskBest };
  }
  load(s: ReturnType<EarlyStopping['state']>): void {
    this.best = s.best ?? -Infinity;
    this.bestStep = s.bestStep;
    this.sinceBest = s.sinceBest;
    this.taskBest = { ...s.taskBest };
  }
}
