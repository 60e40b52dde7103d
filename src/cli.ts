import { helpText, parseCli, type CliOptions } from './cli/args.js';
import { errorMessage, isUsageError } from './runner/errors.js';
import { mark, printTimings } from './runner/timings.js';
import { packageVersion } from './package-info.js';
import { prefetchStaged } from './runner/staged-query.js';

/**
 * argv → options → lint() → formatter → process.exitCode. Everything past parsing the arguments
 * is in cli/main.ts, imported only when there is something to do, so --help and --version start
 * instantly (the built CLI is two files: this one is small).
 * Exit codes: 0 clean, 1 errors (or too many warnings), 2 usage or internal error.
 */
export async function run(argv: string[]): Promise<void> {
  mark('node start-up + cli.js');
  process.exitCode = await execute(argv, { stdout: process.stdout, stderr: process.stderr });
  printTimings();
}

export interface Streams {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown };
}

/**
 * Subcommands: `migration-lint <name> …` loads `./cli/commands/<name>.js` (lazily) and runs it.
 * Everything else is the default lint command.
 */
export const COMMANDS = new Set<string>(['rules', 'explain', 'lock', 'verify', 'baseline']);

export async function execute(argv: string[], io: Streams): Promise<number> {
  let options: CliOptions | undefined;
  try {
    if (argv[0] && COMMANDS.has(argv[0])) return await (await import('./cli/main.js')).runCommand(argv[0], argv.slice(1), io);
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
    if (options.staged) prefetchStaged(process.cwd());
    return await (await import('./cli/main.js')).lintAndReport(options, io);
  } catch (error) {
    if (isUsageError(error)) {
      io.stderr.write(`migration-lint: ${error.message}\n${error.hint ? `  hint: ${error.hint}\n` : ''}`);
    } else {
      io.stderr.write(`migration-lint: internal error: ${errorMessage(error)}\n`);
      io.stderr.write(options?.debug ? `${(error as Error)?.stack ?? ''}\n` : '  run again with --debug for the stack trace, and please report it\n');
    }
    return 2;
  }
}

export function version(): string {
  return packageVersion();
}

