/** The result files of a sweep, the same in local and queue mode: DIR/sweep.json (the plan, each trial's state) and DIR/sweep.html. */
import { join } from 'node:path';
import { writeSweepReport, type SweepTrialRow } from '../../report/sweep-report.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import type { PlannedRun, SweepPlan } from './plan.js';

export async function writeSweepResults(
  plan: SweepPlan,
  rowOf: (run: PlannedRun) => SweepTrialRow,
  paretoTasks?: [string, string],
  extra: Record<string, unknown> = {},
): Promise<string> {
  const rows = plan.runs.map(rowOf);
  writeFileAtomic(
    join(plan.out, 'sweep.json'),
    JSON.stringify(
      {
        config: plan.config,
        grids: plan.axes,
        sets: plan.sets,
        seeds: plan.seeds ?? null,
        ...extra,
        runs: plan.runs.map((r, i) => ({
          dir: rows[i]!.dir ?? r.dir,
          sets: r.point.sets,
          seed: r.seed ?? null,
          hash: plan.trials.get(r)!.hash,
          status: rows[i]!.status,
        })),
      },
      null,
      2,
    ) + '\n',
  );
  return writeSweepReport(rows, {
    out: plan.out,
    title: `Sweep: ${plan.axes.map((a) => a.path).join(' × ')}`,
    paretoTasks,
  });
}
