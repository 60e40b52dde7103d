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
    Object.defineProperty(this, USAGE_ERROR, { value: true });
  }
}

/**
 * A registered symbol, not `instanceof`: the built CLI is two bundles, each with its own copy of
 * this module, and an error thrown by one is caught by the other.
 */
const USAGE_ERROR = Symbol.for('migration-lint.UsageError');

export function isUsageError(error: unknown): error is UsageError {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[USAGE_ERROR] === true;
}

/** `message` of anything thrown, for one-line error output. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
