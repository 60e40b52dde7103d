import { isServerError, openPostgres, preparePglite, startPglite, toPgError, type Engine, type PgError } from './engine.js';
import type { EARLY } from './early.js';
import type { StepOptions, StepOutcome } from './step.js';

/**
 * The engine's side of verify's worker thread (see host.ts): it starts the engine (PGlite, or a
 * connection to the throwaway database) and runs the calls the main thread sends, one at a time.
 * PGlite runs PostgreSQL compiled to WASM synchronously on its thread: here, a statement that
 * never ends blocks this thread only, and the main thread can still time it out, stop it on a
 * signal, or watch the memory it takes (Worker.terminate() stops WASM code too).
 */

export type EngineSpec =
  | { kind: 'pglite'; extensions: string[] }
  | { kind: 'postgres'; url: string; shownUrl: string; statementTimeoutMs: number };

export type ToWorker =
  | { id: number; op: 'exec' | 'query'; sql: string; params?: unknown[] }
  /** A statement of the migrations in its savepoint, traced: one message for what was five. */
  | ({ id: number; op: 'step'; sql: string } & StepOptions)
  | { id: number; op: 'close' };

/** To a thread started early (early.ts), its first message: the engine it runs. */
export interface EarlyStart {
  spec: EngineSpec;
}

export type FromWorker =
  | { ready: { description: string; serverVersionNum: number; missing: string[]; ms: number } }
  | { startError: { message: string; hint?: string } }
  | { id: number; rows?: unknown[]; step?: StepOutcome; error?: PgError; fatal?: string };

/** Start the engine `spec` describes (in this thread). */
export async function startEngine(spec: EngineSpec): Promise<{ engine: Engine; missing: string[] }> {
  if (spec.kind === 'pglite') return startPglite(spec.extensions);
  return { engine: await openPostgres(spec.url, spec.shownUrl, spec.statementTimeoutMs), missing: [] };
}

/** Entry point of the worker thread (dist/bundle/verify-worker.cjs). */
export async function serveEngine(): Promise<void> {
  const { parentPort, workerData } = await import('node:worker_threads');
  const port = parentPort!;
  let t0 = performance.now();
  let spec = workerData as EngineSpec | typeof EARLY;
  if ('early' in spec) {
    // Started before its engine was known: PGlite's module and WASM load until the spec comes.
    // Its start is counted from the thread's start, less the time it then sat waiting for it.
    let preparedAt: number | undefined;
    preparePglite().then(
      () => (preparedAt = performance.now()),
      () => (preparedAt = performance.now()), // startPglite reports it
    );
    spec = await new Promise<EngineSpec>((resolve) => port.once('message', (m: EarlyStart) => resolve(m.spec)));
    if (preparedAt !== undefined) t0 += performance.now() - preparedAt;
  }
  let engine: Engine;
  try {
    const started = await startEngine(spec);
    engine = started.engine;
    port.postMessage({ ready: { description: engine.description, serverVersionNum: engine.serverVersionNum, missing: started.missing, ms: performance.now() - t0 } } satisfies FromWorker);
  } catch (error) {
    const e = error as { message?: string; hint?: string };
    port.postMessage({ startError: { message: String(e?.message ?? error), ...(e?.hint ? { hint: e.hint } : {}) } } satisfies FromWorker);
    return;
  }
  let queue = Promise.resolve();
  port.on('message', (message: ToWorker) => {
    queue = queue.then(async () => {
      if (message.op === 'close') {
        if (engine.abandon) {
          // PGlite's clean shutdown would be work for nothing (35-55 ms), and without it PGlite
          // keeps the thread alive: it ends here (process.exit in a worker ends the thread).
          engine.abandon();
          process.exit(0);
        }
        await engine.close();
        port.postMessage({ id: message.id } satisfies FromWorker);
        port.close();
        return;
      }
      try {
        if (message.op === 'step') {
          const { id, sql, op: _, ...options } = message;
          port.postMessage({ id, step: await engine.step(sql, options) } satisfies FromWorker);
          return;
        }
        const rows = message.op === 'exec' ? (await engine.exec(message.sql), undefined) : await engine.query(message.sql, message.params);
        port.postMessage({ id: message.id, ...(rows ? { rows } : {}) } satisfies FromWorker);
      } catch (error) {
        port.postMessage((isServerError(error) ? { id: message.id, error: toPgError(error) } : { id: message.id, fatal: String((error as Error)?.message ?? error) }) satisfies FromWorker);
      }
    });
  });
}
