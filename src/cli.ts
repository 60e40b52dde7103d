import { writeSync } from 'node:fs';
import { helpText, parseCli, type CliOptions } from './cli/args.js';
import { errorMessage, isUsageError } from './runner/errors.js';
import { mark, printTimings } from './runner/timings.js';
import { packageVersion } from './package-info.js';
import { prefetchStaged } from './runner/staged-query.js';
import { errorLines, escapedLines, outputLines } from './formatters/safe-text.js';
import { quickStaged } from './cli/quick-staged.js';
import { startEarlyWorker } from './cli/early-worker.js';
import { dropEarlyEngineThread, startEarlyEngineThread } from './verify/early.js';

/**
 * argv → options → lint() → formatter → process.exitCode. Everything past parsing the arguments
 * is in cli/main.ts, imported only when there is something to do, so --help and --version start
 * instantly (the built CLI is two files: this one is small).
 * Exit codes: 0 clean, 1 errors (or too many warnings), 2 usage or internal error.
 */
export async function run(argv: string[]): Promise<void> {
  mark('node start-up + cli.js');
  const result = failClosed();
  process.exitCode = await execute(argv, { stdout: process.stdout, stderr: process.stderr });
  result.written();
  printTimings();
}

/**
 * Fail closed: a run that ends before it has its result exits 2 with one line, never 0. Node
 * exits with code 0 when nothing is left to wait for, also while `execute` still awaits a promise
 * that never settles (a config's, a plugin's): the event loop empties and `beforeExit` fires.
 * Code the run loads may also call `process.exit(0)` before the result is written.
 */
function failClosed(): { written(): void } {
  let done = false;
  const stalled = () => {
    if (done) return;
    done = true;
    process.stderr.write('migration-lint: the run ended without a result: something it waited for never finished; treat it as failed\n');
    process.exitCode = 2;
  };
  const exited = (code: number) => {
    if (done || code !== 0) return;
    done = true;
    // Synchronously: the process is exiting, and `exit` listeners cannot wait for a stream.
    writeSync(2, 'migration-lint: the run was ended (process.exit) before it had a result; treat it as failed\n');
    process.exitCode = 2;
  };
  process.on('beforeExit', stalled);
  process.on('exit', exited);
  return {
    written() {
      done = true;
      process.removeListener('beforeExit', stalled);
      process.removeListener('exit', exited);
    },
  };
}

export interface Streams {
  stdout: { write(text: string | Uint8Array): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown };
}

/**
 * Subcommands: `migration-lint <name> …` loads `./cli/commands/<name>.js` (lazily) and runs it.
 * Everything else is the default lint command.
 */
export const COMMANDS = new Set<string>(['rules', 'explain', 'lock', 'verify', 'baseline', 'init', 'down']);

export async function execute(argv: string[], io: Streams): Promise<number> {
  let options: CliOptions | undefined;
  try {
    if (argv[0] && COMMANDS.has(argv[0])) {
      // verify on PGlite: its engine thread loads PGlite while the rest of the CLI loads.
      startEarlyEngineThread(argv);
      try {
        return await (await import('./cli/main.js')).runCommand(argv[0], argv.slice(1), io);
      } finally {
        dropEarlyEngineThread();
      }
    }
    options = parseCli(argv);
    if (options.help) {
      io.stdout.write(helpText(version()));
      return 0;
    }
    if (options.version) {
      io.stdout.write(`${version()}\n`);
      return 0;
    }
    // A pre-commit hook: git runs in other processes while the rest of the linter loads.
    if (options.staged) {
      prefetchStaged(process.cwd(), { anywhere: options.paths.length === 0 });
      const quick = await quickStaged(options, io);
      if (quick !== undefined) {
        mark('nothing staged is a migration or deploy-path file (git; the linter not loaded)');
        io.stdout.write(quick);
        return 0;
      }
    }
    // Several folders: a second thread starts now, while this one loads the linter (early-worker.ts).
    if (!options.staged && !options.fix && !options.fixDryRun) startEarlyWorker(options);
    return await (await import('./cli/main.js')).lintAndReport(options, io);
  } catch (error) {
    if (isUsageError(error)) {
      io.stderr.write(errorLines(error.message, error.hint));
    } else {
      io.stderr.write(errorLines(`internal error: ${errorMessage(error)}`));
      io.stderr.write(options?.debug ? outputLines(escapedLines(String((error as Error)?.stack ?? ''))) : '  run again with --debug for the stack trace, and please report it\n');
    }
    return 2;
  }
}

export function version(): string {
  return packageVersion();
}

