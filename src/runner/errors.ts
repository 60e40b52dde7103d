/**
 * An error the user can fix: bad arguments, an unreadable folder, a malformed journal or config.
 * The CLI prints its message on one line (no stack trace) and exits 2.
 */
export class UsageError extends Error {
  constructor(
    message: string,
    /** One line saying what to do about it. */
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

export function isUsageError(error: unknown): error is UsageError {
  return error instanceof UsageError;
}

/** `message` of anything thrown, for one-line error output. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
