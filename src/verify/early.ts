import type { Worker } from 'node:worker_threads';
import { packageFile } from '../package-info.js';
import { builtin } from '../runtime.js';
import { baselineWasm } from './wasm-flags.js';

/**
 * verify's engine thread, started as soon as the command line says `verify` on PGlite (cli.ts),
 * before the rest of the CLI loads: the thread loads PGlite's module and compiles its WASM while
 * the main thread loads the CLI and reads the history, and gets its engine (the extensions the
 * history creates) when the host takes it (host.ts). The CLI's two bundles each have their own
 * copy of this module: the thread is kept on globalThis under a registered symbol.
 */
const KEY = Symbol.for('migration-lint.verify.early-engine-thread');
type Holder = { [KEY]?: Worker };

/** workerData of a thread started before its engine is known: its first message is `{ spec }`. */
export const EARLY = { early: true } as const;

/** `migration-lint verify …` on PGlite (no --database-url, --against or --help): start the thread now. */
export function startEarlyEngineThread(argv: readonly string[]): void {
  if (argv[0] !== 'verify' || argv.some((a) => /^(--database-url|--against|-h|--help)(=|$)/.test(a))) return;
  const holder = globalThis as Holder;
  if (holder[KEY]) return;
  // Before the parser's WASM is compiled on this thread, not when the engine's thread gets to it.
  baselineWasm();
  try {
    const { Worker } = builtin('node:worker_threads');
    const worker = new Worker(packageFile('dist/bundle/verify-worker.cjs'), { workerData: EARLY, stdout: true, stderr: true });
    // PGlite's own messages are not verify's output.
    worker.stdout.resume();
    worker.stderr.resume();
    worker.on('error', () => undefined);
    // A thread that ended before it was taken is not handed out.
    worker.once('exit', () => {
      if (holder[KEY] === worker) delete holder[KEY];
    });
    worker.unref();
    holder[KEY] = worker;
  } catch {
    /* the host starts one itself */
  }
}

/** The thread startEarlyEngineThread started, once (the host's first PGlite engine). */
export function takeEarlyEngineThread(): Worker | undefined {
  const holder = globalThis as Holder;
  const worker = holder[KEY];
  delete holder[KEY];
  worker?.ref();
  return worker;
}

/** The command is over: a thread it did not take (a usage error) is stopped, or the process would wait for it. */
export function dropEarlyEngineThread(): void {
  void takeEarlyEngineThread()?.terminate();
}
