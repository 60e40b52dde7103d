import { readdirSync, statSync, type Dirent } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Finding, Skip } from '../engine/types.js';
import { UsageError, isUsageError } from '../runner/errors.js';
import { builtin, PARKED } from '../runtime.js';
import { loaderBesideBundle, takeEarlyWorker, workerScript } from './early-worker.js';
import type { LintOptions, LintSummary } from '../runner/lint.js';

/**
 * Several migrations folders (a monorepo) are independent histories: the CLI lints them side by
 * side, on the main thread and on worker threads, and reports them in the order given. One
 * folder is one history, replayed in order: it is never split.
 *
 * The threads take the folders from one queue, largest first, through a shared counter: whoever
 * is free takes the next, so a thread that started late (a worker loads Node, the bundle and the
 * parser's WASM again) or drew a slow folder does not hold the others up.
 */

/** What the report needs from one history's lint. */
export interface HistoryReport {
  findings: Finding[];
  summary: LintSummary;
  /** File text by display path, for code frames (from a worker: only the files with findings). */
  sources: Map<string, string>;
  /** What the user should know that is not a finding (LintResult.notes). */
  notes?: string[];
  /** With `explainSkips`: the findings left out, and why. */
  skips?: Skip[];
}

/** Options every history is linted with: plain data, as they cross to worker threads. */
export type SharedLintOptions = Pick<LintOptions, 'config' | 'rules' | 'pgVersion' | 'since' | 'staged' | 'context' | 'databaseUrl' | 'cache' | 'explainSkips' | 'overlay'>;

interface Job {
  index: number;
  paths: string[] | undefined;
}

interface WorkerData {
  /** The queue, largest first. */
  jobs: Job[];
  /** Int32 slot 0: how many jobs of the queue have been taken. */
  taken: SharedArrayBuffer;
  options: SharedLintOptions;
}

type WorkerMessage = { index: number; report: HistoryReport } | { index: number; error: { usage: boolean; message: string; hint?: string; stack?: string } };

/**
 * By default a thread is started only for at least this much SQL a thread: starting one costs
 * ~60 ms, about what linting 50 KB of migrations takes.
 */
const MIN_BYTES_PER_THREAD = 50_000;

/** By default at most this many threads: each holds its own Node heap and parser (~40–60 MB). */
const DEFAULT_MAX_THREADS = 4;

/**
 * Lint each history and return the reports in order. `jobs` caps the threads (default: one per
 * core, at most four); with one thread, or where worker threads cannot run this code (the source
 * tree under a test runner, not the built CLI), the histories are linted one after another. A
 * single history's findings go to `onFindings` as they come (its report then holds none).
 */
export async function lintHistories(
  histories: readonly (string[] | undefined)[],
  options: SharedLintOptions,
  { jobs, progress, onFindings }: { jobs?: number; progress?: (done: number, total: number) => void; onFindings?: LintOptions['onFindings'] } = {},
): Promise<HistoryReport[]> {
  // One history is linted here, and its findings can be handed on as they come (see LintOptions.onFindings).
  const streamed = histories.length === 1 ? onFindings : undefined;
  // By default a warm --cache run is a few reads per folder, cheaper than starting a thread.
  let threads = Math.min(jobs ?? (options.cache ? 1 : Math.min(availableParallelism(), DEFAULT_MAX_THREADS)), histories.length);
  const bundle = fileURLToPath(import.meta.url);
  if (!bundle.endsWith('.cjs')) threads = 1;
  let queue: Job[] = histories.map((paths, index) => ({ index, paths }));
  if (threads > 1) {
    const weights = histories.map(weight);
    queue = queue.sort((a, b) => weights[b.index] - weights[a.index] || a.index - b.index);
    if (jobs === undefined) threads = Math.max(1, Math.min(threads, Math.floor(weights.reduce((n, w) => n + w, 0) / MIN_BYTES_PER_THREAD)));
  }
  const taken = new SharedArrayBuffer(4);
  const counter = new Int32Array(taken);
  const reports: (HistoryReport | undefined)[] = new Array(histories.length);
  const failures: { index: number; error: unknown }[] = [];
  // The thread the CLI's front started while this one loaded (early-worker.ts) is the first of them.
  const early = takeEarlyWorker();
  if (early && threads < 2) void early.terminate();
  const workers = Array.from({ length: threads - 1 }, (_, i) => startWorker(bundle, { jobs: queue, taken, options }, reports, failures, i === 0 ? early : undefined));
  const lintHere = async (job: Job) => {
    try {
      reports[job.index] = await lintOne(job.paths, options, progress, streamed);
    } catch (error) {
      failures.push({ index: job.index, error });
    }
  };
  // The main thread takes its turns too (it reads the workers' messages once it is done)…
  for (let i = Atomics.add(counter, 0, 1); i < queue.length; i = Atomics.add(counter, 0, 1)) await lintHere(queue[i]);
  await Promise.all(workers);
  // …then lints what a worker took and did not report on (it failed to start, or stopped).
  const failed = new Set(failures.map((f) => f.index));
  for (const job of queue) if (!reports[job.index] && !failed.has(job.index)) await lintHere(job);
  // The first history's error, as a one-by-one run would have stopped with.
  failures.sort((a, b) => a.index - b.index);
  if (failures.length > 0) throw failures[0].error;
  return reports as HistoryReport[];
}

/**
 * A thread the front started early: the linter and its parser are loaded while the main thread
 * gets to the queue, which comes in the first message.
 */
async function queueOfEarlyWorker(): Promise<WorkerData> {
  const { parentPort } = builtin('node:worker_threads');
  const queue = new Promise<WorkerData>((resolve) => parentPort!.once('message', resolve));
  const [, , data] = await Promise.all([import('../runner/lint.js'), import('../engine/parse.js').then(({ loadParser }) => loadParser()).catch(() => undefined), queue]);
  return data;
}

async function lintOne(paths: string[] | undefined, options: SharedLintOptions, progress?: (done: number, total: number) => void, onFindings?: LintOptions['onFindings']): Promise<HistoryReport> {
  const { lint } = await import('../runner/lint.js');
  const result = await lint({ ...options, ...(paths ? { paths } : {}), ...(progress ? { progress } : {}), ...(onFindings ? { onFindings } : {}) });
  return { findings: result.findings, summary: result.summary, sources: result.sources, ...(result.notes ? { notes: result.notes } : {}), ...(result.skips ? { skips: result.skips } : {}) };
}

/** A folder's SQL in bytes: a cheap stand-in for the work its history takes. */
function weight(paths: string[] | undefined): number {
  let bytes = 0;
  for (const path of paths ?? []) {
    const dir = resolve(path);
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      // `<tag>.sql` (drizzle-kit 0.x) or `<timestamp>_<name>/migration.sql` (1.0)
      const file = e.isDirectory() ? join(dir, e.name, 'migration.sql') : e.name.endsWith('.sql') ? join(dir, e.name) : undefined;
      if (!file) continue;
      try {
        bytes += statSync(file).size;
      } catch {
        /* not a migration */
      }
    }
  }
  return bytes;
}

/** Run a worker thread on the queue; resolves when it has stopped. */
function startWorker(bundle: string, data: WorkerData, reports: (HistoryReport | undefined)[], failures: { index: number; error: unknown }[], early?: import('node:worker_threads').Worker): Promise<void> {
  return new Promise((finish) => {
    const worker = early ? adopt(early, data) : spawn(bundle, data);
    if (!worker) {
      finish();
      return;
    }
    worker.on('message', (message: WorkerMessage) => {
      if ('report' in message) reports[message.index] = message.report;
      else {
        const e = message.error;
        const error = e.usage ? new UsageError(e.message, e.hint) : Object.assign(new Error(e.message), { stack: e.stack });
        failures.push({ index: message.index, error });
      }
    });
    worker.on('error', () => finish());
    worker.on('exit', () => finish());
  });
}

/** A worker thread on the queue, or undefined when none can start. */
function spawn(bundle: string, data: WorkerData): import('node:worker_threads').Worker | undefined {
  try {
    const { Worker } = builtin('node:worker_threads');
    // Through the loader beside the bundle when there is one: the thread compiles it with its code cache too.
    return new Worker(workerScript(loaderBesideBundle() ?? bundle), { eval: true, workerData: data, stdout: false, stderr: false });
  } catch {
    return undefined;
  }
}

/** The front's worker (early-worker.ts), given its queue: from here on as one started by spawn. */
function adopt(worker: import('node:worker_threads').Worker, data: WorkerData): import('node:worker_threads').Worker {
  worker.postMessage(data);
  return worker;
}

/** Worker thread side: take jobs from the queue until it is empty, one message per history. */
export async function serveWorker(): Promise<void> {
  const { parentPort, workerData } = builtin('node:worker_threads');
  const { jobs, taken, options } = (workerData as Partial<typeof PARKED>).early === PARKED.early ? await queueOfEarlyWorker() : (workerData as WorkerData);
  const counter = new Int32Array(taken);
  for (let i = Atomics.add(counter, 0, 1); i < jobs.length; i = Atomics.add(counter, 0, 1)) {
    const job = jobs[i];
    let message: WorkerMessage;
    try {
      const report = await lintOne(job.paths, options);
      // Code frames need the text of files with findings only: the rest stays in this thread.
      const withFindings = new Set(report.findings.map((f) => f.file));
      report.sources = new Map([...report.sources].filter(([file]) => withFindings.has(file)));
      message = { index: job.index, report };
    } catch (error) {
      const usage = isUsageError(error);
      message = { index: job.index, error: { usage, message: (error as Error)?.message ?? String(error), ...(usage && error.hint ? { hint: error.hint } : {}), ...(usage ? {} : { stack: (error as Error)?.stack }) } };
    }
    parentPort!.postMessage(message);
  }
}
