import { MtrankError } from '../util/errors.js';

/**
 * `mtrank fuse runs/a` as well as `mtrank fuse --run runs/a`: every other command that reads a run takes it as its
 * argument, so a user types it that way first. Both forms name the same option; two different directories are an error.
 */
export function runDirFrom(
  command: string,
  positional: string | undefined,
  flag: string | undefined,
): string | undefined {
  if (positional !== undefined && flag !== undefined && positional !== flag)
    throw new MtrankError(`${command}: two run directories given ('${positional}' and --run '${flag}'); give one`);
  return positional ?? flag;
}
