import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../util/atomic-write.js';
import { MtrankError } from '../util/errors.js';

/** One line of runs/NAME/metrics.jsonl (see docs/architecture.md, "Metrics log"). */
export type MetricsRecord = { type: string; step?: number; [key: string]: unknown };

/** Append-only JSONL log. Each record is one write, so a crash leaves whole lines. */
export class MetricsLog {
  constructor(readonly path: string) {}

  /** Starts a fresh log. */
  reset(): void {
    writeFileAtomic(this.path, '');
  }

  /**
   * For `--resume` from a checkpoint at `step`: drops the records written after it (they will be produced
   * again), so the resumed log equals an uninterrupted run's.
   */
  truncateAfter(step: number): void {
    if (!existsSync(this.path)) return this.reset();
    const keep = readMetricsLog(this.path).filter(
      (r) => r.type === 'config' || r.type === 'labelWeights' || (r.step !== undefined && r.step <= step),
    );
    writeFileAtomic(this.path, keep.map((r) => JSON.stringify(r) + '\n').join(''));
  }

  write(record: MetricsRecord): void {
    appendFileSync(this.path, JSON.stringify(record, finite) + '\n');
  }
}

/**
 * The records of a log. A partial last line (a crash in the middle of an append) is ignored, as documented;
 * a damaged line elsewhere is an error naming it.
 */
export function readMetricsLog(path: string): MetricsRecord[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const out: MetricsRecord[] = [];
  lines.forEach((l, i) => {
    if (!l.trim()) return;
    try {
      out.push(JSON.parse(l) as MetricsRecord);
    } catch {
      const last = lines.slice(i + 1).every((rest) => !rest.trim());
      if (!last)
        throw new MtrankError(
          `${path}, line ${i + 1}: damaged metrics record; retrain or remove the line`,
          undefined,
          'data',
        );
    }
  });
  return out;
}

// JSON has no NaN/Infinity: write them as null rather than silently corrupting the line.
function finite(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}
