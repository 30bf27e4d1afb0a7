// How every mtrank command ends on an error: one line `mtrank: <what>, <where>, <what to do>` and the exit code
// of its kind (EXIT_CODES, docs/reliability.md). Commands registered in main.ts inherit this.
import { asMtrankError, EXIT_CODES } from '../util/errors.js';

/** The line printed and the exit code for an error thrown out of a command. */
export function describeFailure(err: unknown): { line: string; code: number; stack?: string } {
  const known = asMtrankError(err);
  if (known) return { line: `mtrank: ${known.message}`, code: EXIT_CODES[known.kind ?? 'usage'] };
  // A bug: still one line for the user; the stack only on request.
  const e = err instanceof Error ? err : new Error(String(err));
  return {
    line: `mtrank: internal error: ${e.message.split('\n')[0]} (a bug; rerun with MTRANK_DEBUG=1 for the stack and report it)`,
    code: EXIT_CODES.internal,
    stack: e.stack,
  };
}

export function exitWithFailure(err: unknown): never {
  const f = describeFailure(err);
  process.stderr.write(`${f.line}\n`);
  if (f.stack && process.env.MTRANK_DEBUG) process.stderr.write(`${f.stack}\n`);
  process.exit(f.code);
}
