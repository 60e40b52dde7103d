import { EngineError, isServerError, toPgError, type Engine, type PgError } from './engine.js';
import type { StepOptions, StepOutcome } from './step.js';
import type { EarlyStart, EngineSpec, FromWorker, ToWorker } from './worker.js';
import { engineThread, takeEarlyEngineThread } from './early.js';

/**
 * verify's engine on a worker thread, driven from the main thread, which therefore keeps control
 * whatever a migration does:
 *
 * - **Statement timeout.** On a real server, PostgreSQL's own `statement_timeout` cancels the
 *   statement (SQLSTATE 57014) and the transaction goes on from its savepoint; this side only
 *   waits a little longer as a backstop. PGlite cannot cancel a running statement (it runs
 *   synchronously, in WASM, on its thread), so this side stops the thread, starts a fresh
 *   engine and replays every call that had completed — the same SQL in the same order, failures
 *   included — which brings it back to the state just before the statement (inside the same
 *   open transaction and savepoints); the statement then fails with 57014 "timed out after 3 s"
 *   and verify goes on.
 * - **Memory limit.** The process's resident memory is sampled while a call runs; past the limit
 *   the thread is stopped the same way (PGlite: restarted and replayed, failure 53200; a server
 *   connection: the run stops, since its transaction went with it).
 * - **A crashed engine** (PGlite aborting inside WASM) is restarted and replayed too, and the
 *   statement fails with XX000.
 * - **Signals.** `stop()` ends the thread at once (Worker.terminate() stops WASM code as well) and
 *   fails the call in flight, so the run unwinds and the CLI reports what was running.
 */

export interface HostOptions {
  statementTimeoutMs: number;
  memoryLimitMb: number;
}

/** A call the engine completed (successfully or with a PostgreSQL error): replayed after a restart. */
type Call = { op: 'exec' | 'query'; sql: string; params?: unknown[] } | ({ op: 'step'; sql: string } & StepOptions);

interface Pending {
  id: number;
  resolve: (rows: unknown[] | undefined) => void;
  reject: (error: Error) => void;
}

/** An error that carries a SQLSTATE, as the engines' own errors do (run.ts records it as the statement's failure). */
export class StatementError extends Error {
  constructor(message: string, readonly code: string, readonly detail?: string) {
    super(message);
    this.name = 'StatementError';
  }
}

/** The run cannot go on: the engine was stopped (a signal) or could not be brought back. */
export class EngineStopped extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EngineStopped';
  }
}

const seconds = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000} s` : ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`);
/** verify's own reads (trace, seeding, bookkeeping): not replayed. */
const READ = /^\s*select\b/i;
/** How often resident memory is sampled while a call runs. */
const MEMORY_SAMPLE_MS = 100;
/**
 * verify's own calls (savepoints, catalog reads) are not the migrations' SQL: the first ones on a
 * fresh PGlite compile its WASM and can take seconds on a busy machine. They get this long.
 */
const INTERNAL_TIMEOUT_MS = 300_000;
/** A server's statement_timeout answers by itself: this side waits this much longer before giving up. */
const SERVER_GRACE_MS = 10_000;

export class EngineHost implements Engine {
  kind: Engine['kind'];
  description = '';
  serverVersionNum = 0;
  activity?: string;
  /** Extensions PGlite does not bundle (from the first start). */
  missing: string[] = [];
  /** Milliseconds the engine took to start (the first time), measured on its thread. */
  startMs = 0;
  private worker?: import('node:worker_threads').Worker;
  private pending?: Pending;
  private nextId = 1;
  private readonly log: Call[] = [];
  private stopped?: string;
  private closed = false;

  /** Settles when the engine has started; rejects with EngineError when it cannot, EngineStopped when stop() came first. */
  readonly ready: Promise<void>;

  /** Start the engine on a worker thread (await `ready`). */
  constructor(
    private readonly spec: EngineSpec,
    private readonly options: HostOptions,
  ) {
    this.kind = spec.kind;
    this.ready = this.spawn();
    this.ready.catch(() => undefined); // the caller awaits it; not an unhandled rejection meanwhile
  }

  exec(sql: string, options?: { user?: boolean }): Promise<void> {
    return this.call({ op: 'exec', sql }, options?.user === true).then(() => undefined);
  }

  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]> {
    return this.call({ op: 'query', sql, ...(params ? { params } : {}) }, false) as Promise<T[]>;
  }

  /**
   * One message to the engine's thread per statement (savepoint, statement, release or rollback,
   * trace reads: engine.ts stepper). A timeout, the memory limit or a crash comes back as the
   * statement's error, the engine brought back to the state before it.
   */
  async step(sql: string, options: StepOptions): Promise<StepOutcome> {
    try {
      return (await this.call({ op: 'step', sql, ...options }, true)) as StepOutcome;
    } catch (error) {
      if (isServerError(error)) return { error: toPgError(error) };
      throw error;
    }
  }

  /** Stop the engine now (a signal): the call in flight fails with EngineStopped(reason), and so does every later one. */
  stop(reason: string): void {
    if (this.stopped) return;
    this.stopped = reason;
    void this.worker?.terminate();
    this.worker = undefined;
    this.fail(new EngineStopped(reason));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const worker = this.worker;
    this.worker = undefined;
    if (!worker) return;
    // A clean close (PGlite flushes nothing we keep, but a server connection says goodbye); bounded.
    const done = new Promise<void>((resolve) => {
      worker.once('exit', () => resolve());
      worker.postMessage({ id: 0, op: 'close' } satisfies ToWorker);
    });
    const timer = setTimeout(() => void worker.terminate(), 2_000);
    await done;
    clearTimeout(timer);
  }

  private async call(call: Call, user: boolean): Promise<unknown[] | StepOutcome | undefined> {
    if (this.stopped) throw new EngineStopped(this.stopped);
    if (!this.worker) throw new EngineStopped('the engine is closed');
    const outcome = await this.send(call, user);
    // What completed is replayed after a restart (a step without its trace reads); what broke the engine is not.
    if (!outcome.broke && (call.op !== 'query' || !READ.test(call.sql))) this.log.push(call.op === 'step' ? { op: 'step', sql: call.sql, savepoint: call.savepoint } : call);
    const error = outcome.error ?? outcome.step?.error;
    // A server's own statement_timeout: the same words as PGlite's.
    if (error && this.kind === 'postgres' && error.code === '57014' && /statement timeout/.test(error.message)) error.message = `timed out after ${seconds(this.options.statementTimeoutMs)} (--statement-timeout)`;
    if (outcome.error) throw Object.assign(new Error(outcome.error.message), outcome.error);
    return call.op === 'step' ? outcome.step : outcome.rows;
  }

  /**
   * Send one call and wait for its answer, with the timeout and the memory watch. `user`: the
   * migrations' SQL, bounded by --statement-timeout; on a timeout, a memory overrun or a crash
   * the engine is restarted and the call fails with a SQLSTATE. verify's own calls and the
   * replay get INTERNAL_TIMEOUT_MS, and a breakdown there stops the run (replaying must not recurse).
   */
  private send(call: Call, user: boolean): Promise<{ rows?: unknown[]; step?: StepOutcome; error?: PgError; broke?: true }> {
    const timeoutMs = user ? this.options.statementTimeoutMs : Math.max(this.options.statementTimeoutMs, INTERNAL_TIMEOUT_MS);
    const recover = user;
    const worker = this.worker!;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      let sampler: NodeJS.Timeout | undefined;
      const settle = () => {
        clearTimeout(timer);
        clearInterval(sampler);
        worker.off('message', onMessage);
        this.pending = undefined;
      };
      const onMessage = (m: FromWorker) => {
        if (!('id' in m) || m.id !== id) return;
        settle();
        if (m.fatal !== undefined) void this.breakdown('crash', m.fatal, recover).then(resolve, reject);
        else resolve({ ...(m.rows ? { rows: m.rows } : {}), ...(m.step ? { step: m.step } : {}), ...(m.error ? { error: m.error } : {}) });
      };
      worker.on('message', onMessage);
      this.pending = {
        id,
        resolve: () => undefined,
        reject: (error) => {
          settle();
          reject(error);
        },
      };
      const limit = this.options.memoryLimitMb * 1024 * 1024;
      sampler = setInterval(() => {
        if (process.memoryUsage.rss() <= limit) return;
        settle();
        void this.breakdown('memory', '', recover).then(resolve, reject);
      }, MEMORY_SAMPLE_MS);
      sampler.unref();
      const wait = this.kind === 'postgres' ? timeoutMs + SERVER_GRACE_MS : timeoutMs;
      timer = setTimeout(() => {
        settle();
        void this.breakdown('timeout', '', recover).then(resolve, reject);
      }, wait);
      worker.postMessage({ id, ...call } satisfies ToWorker);
    });
  }

  /** The engine's thread is stopped (timeout, memory) or dead (crash): restart it and replay, or give up. */
  private async breakdown(why: 'timeout' | 'memory' | 'crash', message: string, recover: boolean): Promise<{ error: PgError; broke: true }> {
    await this.worker?.terminate();
    this.worker = undefined;
    const what =
      why === 'timeout'
        ? recover
          ? `timed out after ${seconds(this.options.statementTimeoutMs)} (--statement-timeout)`
          : `verify's own query did not finish in ${seconds(Math.max(this.options.statementTimeoutMs, INTERNAL_TIMEOUT_MS))}`
        : why === 'memory'
          ? `stopped: the engine used more than ${this.options.memoryLimitMb} MB of memory (--memory-limit)`
          : `the embedded engine crashed (${message})`;
    if (!recover || this.kind === 'postgres' || this.stopped) {
      const reason = this.stopped ?? `${this.activity ? `${this.activity}: ` : ''}${what}${this.kind === 'postgres' ? (why === 'timeout' ? ': the server did not answer' : '; the connection and its transaction are gone') : ''}`;
      this.stopped ??= reason;
      throw new EngineStopped(reason);
    }
    const t0 = performance.now();
    try {
      await this.spawn();
      for (const c of this.log) await this.send(c, false);
    } catch (error) {
      this.stopped = `${this.activity ? `${this.activity}: ` : ''}${what}, and the engine could not be restarted (${(error as Error).message})`;
      throw new EngineStopped(this.stopped);
    }
    if (process.memoryUsage.rss() > this.options.memoryLimitMb * 1024 * 1024) {
      this.stopped = `${what}, and the memory was not given back`;
      throw new EngineStopped(this.stopped);
    }
    const detail = `verify restarted the embedded engine and replayed the ${this.log.length} call(s) before this statement (${seconds(Math.round(performance.now() - t0))}) to go on from the state before it`;
    return { broke: true, error: { message: what, code: why === 'timeout' ? '57014' : why === 'memory' ? '53200' : 'XX000', detail } };
  }

  private fail(error: Error): void {
    this.pending?.reject(error);
  }

  private spawn(): Promise<void> {
    return new Promise((resolve, reject) => {
      let worker: import('node:worker_threads').Worker;
      // The thread the CLI started for PGlite before it loaded (early.ts): told its engine now.
      const early = this.spec.kind === 'pglite' ? takeEarlyEngineThread() : undefined;
      if (early) {
        worker = early;
        worker.postMessage({ spec: this.spec } satisfies EarlyStart);
      } else {
        try {
          worker = engineThread(this.spec);
        } catch (error) {
          reject(new EngineError(`cannot start the engine's thread: ${(error as Error).message}`, 'reinstall migration-lint, or run npm run build'));
          return;
        }
      }
      this.worker = worker;
      let ready = false;
      worker.once('message', (m: FromWorker) => {
        if ('ready' in m) {
          ready = true;
          if (!this.description) {
            this.description = m.ready.description;
            this.serverVersionNum = m.ready.serverVersionNum;
            this.missing = m.ready.missing;
            this.startMs = m.ready.ms;
          }
          resolve();
        } else if ('startError' in m) {
          reject(new EngineError(m.startError.message, m.startError.hint));
        }
      });
      worker.on('error', (error) => {
        if (!ready) reject(new EngineError(`the engine did not start: ${error.message}`));
        else this.lost(worker, error.message);
      });
      worker.on('exit', (code) => {
        const current = worker === this.worker;
        if (current && !this.pending) this.worker = undefined; // nothing to close any more
        if (!ready) reject(this.stopped ? new EngineStopped(this.stopped) : new EngineError(`the engine did not start (its thread exited with code ${code})`));
        else if (current) this.lost(worker, `its thread exited with code ${code}`);
      });
    });
  }

  /** The thread ended on its own while a call was waiting (PGlite exits the thread on a fatal error). */
  private lost(worker: import('node:worker_threads').Worker, why: string): void {
    if (worker !== this.worker || !this.pending || this.closed) return;
    const pending = this.pending;
    worker.emit('message', { id: pending.id, fatal: why } satisfies FromWorker);
  }
}
