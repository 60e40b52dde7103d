import { readFileSync } from 'node:fs';
import { helpText, parseCli, type CliOptions } from './cli/args.js';
import { errorMessage, isUsageError } from './runner/errors.js';

/**
 * argv → options → lint() → formatter → process.exitCode. Heavy modules (the parser, the
 * rules, chalk) are imported only when linting, so --help and --version start instantly.
 * Exit codes: 0 clean, 1 errors (or too many warnings), 2 usage or internal error.
 */
export async function run(argv: string[]): Promise<void> {
  process.exitCode = await execute(argv, { stdout: process.stdout, stderr: process.stderr });
}

export interface Streams {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown };
}

/**
 * Subcommands: `migration-lint <name> …` loads `./cli/commands/<name>.js` (lazily) and runs it.
 * Everything else is the default lint command.
 */
export const COMMANDS = new Set<string>([]);

export async function execute(argv: string[], io: Streams): Promise<number> {
  let options: CliOptions | undefined;
  try {
    if (argv[0] && COMMANDS.has(argv[0])) {
      const command = (await import(`./cli/commands/${argv[0]}.js`)) as { default: (argv: string[], io: Streams) => Promise<number> };
      return await command.default(argv.slice(1), io);
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
    return await lintAndReport(options, io);
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

async function lintAndReport(options: CliOptions, io: Streams): Promise<number> {
  const { lint, summarize } = await import('./runner/lint.js');
  const result = await lint({
    paths: options.paths,
    config: options.config,
    rules: options.rules,
    pgVersion: options.pgVersion,
    ...(options.since !== undefined ? { since: options.since } : {}),
    ...(options.staged ? { staged: true } : {}),
  });
  const findings = options.quiet ? result.findings.filter((f) => f.severity === 'error') : result.findings;
  const summary = options.quiet ? summarize(findings, result.summary.migrations) : result.summary;
  if (options.format === 'json') {
    const { formatJson } = await import('./formatters/json.js');
    io.stdout.write(formatJson(findings, summary));
  } else {
    const { formatPretty } = await import('./formatters/pretty.js');
    io.stdout.write(formatPretty(findings, summary, { color: useColor(options, io), sources: result.sources }));
  }
  if (summary.errors > 0) return 1;
  if (options.maxWarnings !== undefined && summary.warnings > options.maxWarnings) {
    io.stderr.write(`migration-lint: ${summary.warnings} warnings exceed --max-warnings ${options.maxWarnings}\n`);
    return 1;
  }
  return 0;
}

/** --color / --no-color win; then NO_COLOR and FORCE_COLOR; then colour only on a terminal. */
function useColor(options: CliOptions, io: Streams): boolean {
  if (options.color !== undefined) return options.color;
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR !== undefined) return process.env.FORCE_COLOR !== '0';
  return io.stdout.isTTY === true;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
