/**
 * Errors the user can act on, and how the CLI ends on them (docs/reliability.md, "Exit codes").
 *
 * `MtrankError` carries a `kind` that picks the exit code: usage/config mistakes, bad input data, I/O failures
 * (disk full, read-only, a path that is a directory), and a run directory in use by another process. Anything
 * else is a bug. `asMtrankError` turns the errors that user input can provoke inside libraries (Node system
 * errors, DuckDB errors) into a one-line MtrankError, so no stack trace reaches the user.
 */
export type ErrorKind = 'usage' | 'data' | 'io' | 'busy';

/** Exit codes of the CLI, one per kind (1 = usage/config, as commander uses for its own usage errors). */
export const EXIT_CODES: Readonly<Record<ErrorKind | 'internal', number>> = {
  usage: 1,
  data: 2,
  io: 3,
  busy: 4,
  internal: 70,
};

export class MtrankError extends Error {
  /** Unset = decided by the layer that catches it (`withErrorKind`), else usage/config. */
  kind: ErrorKind | undefined;
  constructor(
    message: string,
    readonly details?: Record<string, unknown>,
    kind?: ErrorKind,
  ) {
    super(message);
    this.name = 'MtrankError';
    this.kind = kind;
  }
}

export const dataError = (message: string) => new MtrankError(message, undefined, 'data');

/**
 * Work stopped by its AbortSignal: an MtrankError (one line on the CLI) named 'AbortError' as fetch's and
 * node's are, so `err.name === 'AbortError'` checks work; the signal's reason is the cause.
 */
export function abortError(message: string, reason: unknown): MtrankError {
  const e = new MtrankError(message);
  e.name = 'AbortError';
  e.cause = reason;
  return e;
}

/** "file:line:column: message" — the shape of every bad-input message. */
export function placeMessage(
  where: { file?: string; line?: number; row?: number; column?: string },
  message: string,
): string {
  const parts: string[] = [];
  if (where.file) parts.push(where.file);
  if (where.line !== undefined) parts.push(`line ${where.line}`);
  else if (where.row !== undefined) parts.push(`row ${where.row}`);
  if (where.column !== undefined) parts.push(`column '${where.column}'`);
  return parts.length ? `${parts.join(', ')}: ${message}` : message;
}

// What to do about each system error a user can cause.
const SYSTEM_ERRORS: Record<string, string> = {
  ENOSPC: 'no space left on the device; free some space or write elsewhere',
  EDQUOT: 'disk quota exceeded; free some space or write elsewhere',
  EROFS: 'read-only file system; choose a writable location',
  EACCES: 'permission denied; choose a location you can write or read',
  EPERM: 'operation not permitted; choose a location you can write or read',
  EISDIR: 'is a directory; give a file path',
  ENOTDIR: 'a part of the path is not a directory; check the path',
  ENOENT: 'no such file or directory; check the path',
  EMFILE: 'too many open files; raise the limit (ulimit -n)',
  EEXIST: 'already exists; remove it or choose another path',
};

/**
 * A one-line MtrankError for errors user input can provoke; null for anything else (a bug).
 * `fallbackKind` applies to untagged MtrankErrors and to library errors (DuckDB) raised while reading data.
 */
export function asMtrankError(err: unknown, fallbackKind: ErrorKind = 'usage'): MtrankError | null {
  if (err instanceof MtrankError) {
    if (!err.kind) err.kind = fallbackKind;
    return err;
  }
  if (!(err instanceof Error)) return null;
  const sys = err as NodeJS.ErrnoException;
  if (sys.code && SYSTEM_ERRORS[sys.code]) {
    const where = sys.path ? `${sys.path}: ` : '';
    return new MtrankError(`${where}${SYSTEM_ERRORS[sys.code]} (${sys.code})`, { code: sys.code }, 'io');
  }
  if (isDuckDbError(err)) return new MtrankError(duckDbLine(err.message), undefined, fallbackKind);
  return null;
}

/** Run `fn`; MtrankErrors without a kind and library errors raised in it get `kind` (e.g. 'data' while reading). */
export async function withErrorKind<T>(kind: ErrorKind, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw asMtrankError(e, kind) ?? e;
  }
}

// DuckDB raises plain Errors whose message starts with its error class ("IO Error: ...", "Invalid Input Error: ...").
const DUCKDB_CLASSES =
  /^(IO|Invalid Input|Conversion|Out of Range|Parser|Binder|Invalid|Catalog|Out of Memory|Not implemented|Serialization) Error: /;
function isDuckDbError(err: Error): boolean {
  return DUCKDB_CLASSES.test(err.message);
}
function duckDbLine(message: string): string {
  const first = message.split('\n').find((l) => l.trim()) ?? message;
  return `${first.replace(DUCKDB_CLASSES, '').trim()} (DuckDB); check that the file is what its extension says and is complete`;
}
