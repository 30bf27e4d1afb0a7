/**
 * An error the user can act on (bad config, bad input row, missing file). The CLI prints its message
 * alone, without a stack trace; anything else is a bug and keeps its stack.
 */
export class MtrankError extends Error {
  constructor(
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'MtrankError';
  }
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
