import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { builtin, parkThread, PARKED, takeParkedThread } from '../runtime.js';
import { isDirectory } from '../runner/file-kind.js';

/**
 * A worker thread for a run over several folders, started by the CLI's front as soon as the
 * arguments are read, while this thread loads the linter (cli-main.cjs) and the folders' facts:
 * Node takes ~75 ms here to start a worker before it runs a line, and the worker ~40 ms more to
 * load the bundle, time in which the second core was idle. The worker loads the bundle and the
 * parser, then waits for its queue (cli/parallel.ts adopts it: `takeEarlyWorker`). It is unref'd
 * until adopted, so a run that stops early (a usage error, one folder after all) is not held up
 * by it; a run that needs no second thread ends it (runtime.ts `parkThread`).
 */
const NAME = 'lint-worker';

/**
 * A lint worker thread's code: it marks its thread as a worker's (the loader leaves V8's flags
 * to the main thread: scripts/load-main.cjs), then serves the queue.
 */
export function workerScript(bundleOrLoader: string): string {
  return `globalThis[Symbol.for('migration-lint.worker-thread')] = true; require(${JSON.stringify(bundleOrLoader)}).lintWorker();`;
}

/** What the front knows of the run when it decides. */
export interface EarlyRun {
  paths: readonly string[];
  jobs?: number;
  cache?: boolean;
}

/**
 * Start the worker when the run is over several folders and may use threads: at least two of the
 * paths named are folders (named files are one history per folder, and mostly one folder), no
 * `--jobs 1`, and no `--cache` without `--jobs` (a warm cache run stays on one thread).
 */
export function startEarlyWorker(run: EarlyRun): void {
  if (run.jobs === 1 || (run.cache && run.jobs === undefined) || run.paths.length < 2) return;
  if (run.paths.filter(isDirectory).length < 2 || builtin('node:os').availableParallelism() < 2) return;
  const loader = loaderBesideBundle();
  if (!loader) return;
  try {
    // The flags the main thread compiles the bundle with, set before the worker compiles it (its code cache is checked against them).
    (createRequire(loader)('./v8-flags.cjs') as { applyFlags(): void }).applyFlags();
    const { Worker } = builtin('node:worker_threads');
    parkThread(NAME, new Worker(workerScript(loader), { eval: true, workerData: PARKED, stdout: false, stderr: false }));
  } catch {
    /* lintHistories starts its threads itself */
  }
}

/** The worker the front started, once (undefined when it started none, or it ended). */
export function takeEarlyWorker(): Worker | undefined {
  return takeParkedThread(NAME);
}

/** The loader of the built CLI's bundle (load-main.cjs beside this bundle); none when running from the sources. */
export function loaderBesideBundle(): string | undefined {
  const self = fileURLToPath(import.meta.url);
  if (!self.endsWith('.cjs')) return undefined;
  const loader = join(dirname(self), 'load-main.cjs');
  return existsSync(loader) ? loader : undefined;
}
