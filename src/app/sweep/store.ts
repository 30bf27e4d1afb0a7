/**
 * The trial store of a distributed sweep: a directory every worker sees (a shared volume). A trial trains in
 * STORE/work/<hash>/run (its checkpoints there let another worker resume it) and, once it has finished or been
 * stopped early, its run folder moves to STORE/runs/<hash> in one rename: a folder under runs/ is always whole.
 */
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isDone, trialState, type TrialState } from './trial-record.js';

export class TrialStore {
  readonly root: string;
  constructor(root: string) {
    this.root = resolve(root);
  }

  runDir(hash: string): string {
    return join(this.root, 'runs', hash);
  }

  workDir(hash: string): string {
    return join(this.root, 'work', hash);
  }

  state(hash: string): TrialState {
    return trialState(this.runDir(hash), hash);
  }

  isDone(hash: string): boolean {
    return isDone(this.state(hash));
  }

  /**
   * Moves a whole run folder into runs/. Returns false (and drops `staged`) when runs/<hash> already holds the
   * trial: a trial is published once, never overwritten.
   */
  publish(hash: string, staged: string): boolean {
    mkdirSync(join(this.root, 'runs'), { recursive: true });
    const target = this.runDir(hash);
    if (existsSync(target)) {
      rmSync(staged, { recursive: true, force: true });
      return false;
    }
    try {
      renameSync(staged, target);
    } catch (e) {
      // rename(2) onto a non-empty directory fails: another worker published first.
      if (existsSync(target)) return false;
      throw e;
    }
    rmSync(this.workDir(hash), { recursive: true, force: true });
    return true;
  }
}
