import { isServerError, toPgError, type PgError } from './pg-error.js';
import { copyState, settle, tracer, type LockEntry, type TraceState } from './trace.js';

/** How a statement of the migrations is run (see Engine.step). */
export interface StepOptions {
  /** The savepoint it runs in. */
  savepoint: string;
  /**
   * Record the locks it took and the relations it rewrote: `fresh` from the state just before it
   * (a migration's first statement), `diff` from the state after the previous traced step (or
   * before this one, when the engine has none: a restarted engine). For a migration's first
   * statement in the transaction of the migration before it (batch mode), the state just before
   * it is known without reading everything again: `continue` after a migration that was applied
   * (the state after its last traced step), `rewind` after one that was rolled back to the
   * savepoint taken before its first step (the state read there); with what happened since (the
   * seeding) taken in without being reported, for the cost of a `diff`.
   */
  trace?: 'fresh' | 'diff' | 'continue' | 'rewind';
  /**
   * With `continue` or `rewind`: nothing that ran since that state took a relation lock or wrote
   * pg_class (no table was seeded, no bookkeeping row took a new lock), so it is the state before
   * this statement as it is, without the read. In a long history most migrations meet no new
   * table to seed, and each read lists every lock the transaction holds (thousands).
   */
  unchanged?: boolean;
}

export interface StepOutcome {
  /** Milliseconds the statement took (without the savepoint and the trace reads; with the release, when it is sent with the statement). */
  ms?: number;
  /** PostgreSQL rejected it: the savepoint was rolled back to, so nothing of it remains. */
  error?: PgError;
  locks?: LockEntry[];
  rewrites?: string[];
}

interface Sql {
  exec(sql: string): Promise<void>;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Several statements (no parameters) in one call: the rows of the last. */
  execLast<T = Record<string, unknown>>(sql: string): Promise<T[]>;
}

/**
 * `step` for an engine that runs in this thread: savepoint, statement, release (or roll back to
 * the savepoint), and the trace reads, without leaving the thread. verify's engine thread runs it
 * there, so a statement costs one message between the threads instead of five.
 */
export function stepper(engine: Sql, options: { alone?: boolean } = {}): (sql: string, options: StepOptions) => Promise<StepOutcome> {
  let state: TraceState | undefined;
  /** The state at the start of the migration in progress (for `rewind`). */
  let start: TraceState | undefined;
  const reader = tracer(engine, options.alone);
  return async (sql, { savepoint, trace, unchanged }) => {
    const from = trace === 'continue' ? state : trace === 'rewind' ? start : undefined;
    if (from) state = unchanged ? settle(copyState(from)) : (await reader.absorb(copyState(from))).state;
    else if (trace && (trace !== 'diff' || !state)) state = (await reader.snapshot()).state;
    if (trace && trace !== 'diff') start = copyState(state!);
    // The trace's reads are prepared statements: a migration that deallocates them (rare, and
    // maybe through a function: only one whose text says so is seen) has them prepared again;
    // DEALLOCATE is not undone by a rollback.
    if (/\b(deallocate|discard)\b/i.test(sql)) reader.recheck();
    await engine.exec(`SAVEPOINT ${savepoint}`);
    const t0 = performance.now();
    let failure = await failureOf(
      // Without a trace, the release goes with the statement (a call to PGlite costs 30-50 us of its
      // own: a seeded row's INSERT in its savepoint took 149-184 us in three calls, 121-131 us in
      // two): on a line of its own, so a trailing `--` comment cannot swallow it. PostgreSQL
      // parses the whole text before it runs any of it, so a statement it cannot parse fails with
      // nothing run; the savepoint, sent before, is there to roll back to.
      engine.exec(trace ? sql : `${sql}\n;RELEASE SAVEPOINT ${savepoint}`),
    );
    if (failure && !trace && failure.code === SYNTAX_ERROR) {
      // What PostgreSQL could not parse may be the release after a statement cut short: the
      // statement alone says what is wrong with it, where (nothing of it ran, or it was rolled back).
      await engine.exec(`ROLLBACK TO SAVEPOINT ${savepoint}`);
      failure = await failureOf(engine.exec(sql));
      if (!failure) await engine.exec(`RELEASE SAVEPOINT ${savepoint}`);
    }
    if (failure) {
      const ms = performance.now() - t0;
      await engine.exec(`ROLLBACK TO SAVEPOINT ${savepoint}; RELEASE SAVEPOINT ${savepoint}`);
      return { ms, error: failure };
    }
    const ms = performance.now() - t0;
    if (!trace) return { ms };
    // The release and the trace's read in one call.
    const d = await reader.diff(state!, `RELEASE SAVEPOINT ${savepoint}`);
    state = d.state;
    return { ms, locks: d.locks, rewrites: d.rewrites };
  };
}

/** PostgreSQL's SQLSTATE for a statement it cannot parse. */
const SYNTAX_ERROR = '42601';

/** The error PostgreSQL answered `call` with, or undefined when it succeeded (anything else is thrown). */
async function failureOf(call: Promise<unknown>): Promise<PgError | undefined> {
  try {
    await call;
    return undefined;
  } catch (error) {
    if (!isServerError(error)) throw error;
    return toPgError(error);
  }
}
