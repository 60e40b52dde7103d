import type { Worker } from 'node:worker_threads';
import { packageFile } from '../package-info.js';
import { builtin, hasParkedThread, parkThread, PARKED, takeParkedThread } from '../runtime.js';
import { baselineWasm } from './wasm-flags.js';

/**
 * verify's engine thread, started as soon as the command line says `verify` on PGlite (cli.ts),
 * before the rest of the CLI loads: the thread loads PGlite's module and compiles its WASM while
 * the main thread loads the CLI and reads the history, and gets its engine (the extensions the
 * history creates) when the host takes it (host.ts). Kept until then by runtime.ts `parkThread`.
 */
const NAME = 'verify-engine';

/** workerData of a thread started before its engine is known: its first message is `{ spec }`. */
export const EARLY = PARKED;

/** `migration-lint verify …` on PGlite (no --database-url, --against or --help): start the thread now. */
export function startEarlyEngineThread(argv: readonly string[]): void {
  if (argv[0] !== 'verify' || argv.some((a) => /^(--database-url|--against|-h|--help)(=|$)/.test(a)) || hasParkedThread(NAME)) return;
  // Before the parser's WASM is compiled on this thread, not when the engine's thread gets to it.
  baselineWasm();
  try {
    const worker = engineThread(EARLY);
    worker.on('error', () => undefined);
    parkThread(NAME, worker);
  } catch {
    /* the host starts one itself */
  }
}

/** A thread running verify's engine (verify-worker.cjs), its output dropped: PGlite's own messages (and a server's NOTICEs) are not verify's. */
export function engineThread(workerData: unknown): Worker {
  const { Worker } = builtin('node:worker_threads');
  const worker = new Worker(packageFile('dist/bundle/verify-worker.cjs'), { workerData, stdout: true, stderr: true });
  worker.stdout.resume();
  worker.stderr.resume();
  return worker;
}

/** The thread startEarlyEngineThread started, once (the host's first PGlite engine). */
export function takeEarlyEngineThread(): Worker | undefined {
  return takeParkedThread(NAME);
}

/** The command is over: a thread it did not take (a usage error) is stopped, or the process would wait for it. */
export function dropEarlyEngineThread(): void {
  void takeEarlyEngineThread()?.terminate();
}
