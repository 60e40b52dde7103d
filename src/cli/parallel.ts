import { readdirSync, statSync, type Dirent } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Finding } from '../engine/types.js';
import { UsageError, isUsageError } from '../runner/errors.js';
import type { LintOptions, LintSummary } from '../runner/lint.js';

/**
 * Several migrations folders (a monorepo) are independent histories: the CLI lints them side by
 * side, the main thread and worker threads each taking a share, and reports them in the order
 * given. Measured on the bench machine (2 cores), the nine corpus folders in one run went from
 * ~1.1 s to ~0.8 s when two processes shared them. One folder is one history, replayed in
 * order: it is never split.
 */

/** What the report needs from one history's lint. */
export interface HistoryReport {
  findings: Finding[];
  summary: LintSummary;
  /** File text by display path, for code frames (from a worker: only the files with findings). */
  sources: Map<string, string>;
}

/** Options every history is linted with: plain data, as they cross to worker threads. */
export type SharedLintOptions = Pick<LintOptions, 'config' | 'rules' | 'pgVersion' | 'since' | 'staged' | 'context' | 'databaseUrl' | 'cache'>;

interface Job {
  index: number;
  paths: string[] | undefined;
}

interface WorkerData {
  jobs: Job[];
  options: SharedLintOptions;
}

type WorkerMessage = { index: number; report: HistoryReport } | { index: number; error: { usage: boolean; message: string; hint?: string; stack?: string } };

/**
 * Lint each history and return the reports in order. `jobs` caps the threads (default: one per
 * core); with one thread, or where worker threads cannot run this code (the source tree under a
 * test runner, not the built CLI), the histories are linted one after another.
 */
export async function lintHistories(
  histories: readonly (string[] | undefined)[],
  options: SharedLintOptions,
  { jobs, progress }: { jobs?: number; progress?: (done: number, total: number) => void } = {},
): Promise<HistoryReport[]> {
  // By default a warm --cache run is a few reads per folder, cheaper than starting a thread.
  const threads = Math.min(jobs ?? (options.cache ? 1 : availableParallelism()), histories.length);
  const bundle = fileURLToPath(import.meta.url);
  const shares = threads > 1 && bundle.endsWith('.cjs') ? partition(histories, threads, jobs === undefined ? MIN_SHARE_BYTES : 0) : [histories.map((paths, index) => ({ index, paths }))];
  const reports: (HistoryReport | undefined)[] = new Array(histories.length);
  const failures: { index: number; error: unknown }[] = [];
  const workers = shares.slice(1).map((share) => startWorker(bundle, { jobs: share, options }, reports, failures));
  const lintHere = async (jobs: readonly Job[]) => {
    for (const job of jobs) {
      try {
        reports[job.index] = await lintOne(job.paths, options, progress);
      } catch (error) {
        failures.push({ index: job.index, error });
      }
    }
  };
  // The main thread lints its own share meanwhile (it cannot answer the workers until it is done),
  // then whatever a worker could not (it failed to start, or stopped before reporting).
  await lintHere(shares[0]);
  for (const unfinished of await Promise.all(workers)) await lintHere(unfinished);
  // The first history's error, as a one-by-one run would have stopped with.
  failures.sort((a, b) => a.index - b.index);
  if (failures.length > 0) throw failures[0].error;
  return reports as HistoryReport[];
}

async function lintOne(paths: string[] | undefined, options: SharedLintOptions, progress?: (done: number, total: number) => void): Promise<HistoryReport> {
  const { lint } = await import('../runner/lint.js');
  const result = await lint({ ...options, ...(paths ? { paths } : {}), ...(progress ? { progress } : {}) });
  return { findings: result.findings, summary: result.summary, sources: result.sources };
}

/**
 * By default a thread is started only for a share of at least this much SQL: starting one (Node
 * and the parser's WASM again) costs ~60 ms, about what linting 50 KB of migrations takes.
 */
const MIN_SHARE_BYTES = 50_000;

/** What a worker's start-up costs, in SQL bytes linted in the same time (measured on the corpus: ~60 ms). */
const WORKER_START_BYTES = 60_000;

/** Histories into at most `threads` shares of about equal size (largest first, each to the lightest share). */
function partition(histories: readonly (string[] | undefined)[], threads: number, minShare: number): Job[][] {
  const weighed = histories.map((paths, index) => ({ index, paths, weight: weight(paths) })).sort((a, b) => b.weight - a.weight || a.index - b.index);
  const total = weighed.reduce((n, h) => n + h.weight, 0);
  if (minShare > 0) threads = Math.max(1, Math.min(threads, Math.floor(total / minShare)));
  // The main thread's share is shares[0]; a worker starts later (Node, the bundle and the WASM
  // parser again), so its share starts as if it already held that much SQL.
  const shares = Array.from({ length: threads }, (_, i) => ({ weight: i === 0 ? 0 : WORKER_START_BYTES, jobs: [] as Job[] }));
  for (const h of weighed) {
    const lightest = shares.reduce((a, b) => (b.weight < a.weight ? b : a));
    lightest.jobs.push({ index: h.index, paths: h.paths });
    lightest.weight += h.weight;
  }
  for (const share of shares) share.jobs.sort((a, b) => a.index - b.index);
  return shares.map((s) => s.jobs).filter((jobs) => jobs.length > 0);
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

/** Run a share in a worker thread; resolves to the jobs it did not report on. */
function startWorker(bundle: string, data: WorkerData, reports: (HistoryReport | undefined)[], failures: { index: number; error: unknown }[]): Promise<Job[]> {
  const pending = new Map(data.jobs.map((j) => [j.index, j]));
  return new Promise((settle) => {
    const finish = () => {
      settle([...pending.values()]);
      pending.clear();
    };
    let worker: import('node:worker_threads').Worker;
    try {
      const { Worker } = createRequire(import.meta.url)('node:worker_threads') as typeof import('node:worker_threads');
      worker = new Worker(`require(${JSON.stringify(bundle)}).lintWorker();`, { eval: true, workerData: data, stdout: false, stderr: false });
    } catch {
      finish();
      return;
    }
    worker.on('message', (message: WorkerMessage) => {
      pending.delete(message.index);
      if ('report' in message) reports[message.index] = message.report;
      else {
        const e = message.error;
        const error = e.usage ? new UsageError(e.message, e.hint) : Object.assign(new Error(e.message), { stack: e.stack });
        failures.push({ index: message.index, error });
      }
    });
    worker.on('error', finish);
    worker.on('exit', finish);
  });
}

/** Worker thread side: lint the share it was given, one message per history. */
export async function serveWorker(): Promise<void> {
  const { parentPort, workerData } = createRequire(import.meta.url)('node:worker_threads') as typeof import('node:worker_threads');
  const { jobs, options } = workerData as WorkerData;
  for (const job of jobs) {
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
