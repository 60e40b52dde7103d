import { parseArgs } from 'node:util';
import { UsageError } from '../runner/errors.js';
import type { SeveritySetting } from '../engine/types.js';

export const DEFAULT_CACHE_LOCATION = 'node_modules/.cache/migration-lint';

export const FORMATS = ['pretty', 'json', 'compact', 'github', 'sarif', 'gitlab'] as const;
export type Format = (typeof FORMATS)[number];

export interface CliOptions {
  paths: string[];
  config?: string;
  format: Format;
  /** Write the report to this file instead of stdout (`--output-file`). */
  outputFile?: string;
  maxWarnings?: number;
  rules: Record<string, SeveritySetting>;
  quiet: boolean;
  color?: boolean;
  pgVersion?: number;
  /** Git revision: lint migrations added or changed since it (and compare hashes against it). */
  since?: string;
  /** Lint the staged content of migrations (the git index). */
  staged: boolean;
  /** With --staged: replay the whole history instead of starting from the previous snapshot. */
  fullReplay: boolean;
  /** Read drizzle's __drizzle_migrations rows from this database (read-only) for hash-drift. */
  databaseUrl?: string;
  /** Keep results between runs (`--cache`), in `cacheLocation`. */
  cache: boolean;
  cacheLocation: string;
  /** Threads for several folders (`--jobs`); undefined: one per core, at most one per folder. */
  jobs?: number;
  /** Print on stderr each finding left out (lock and scan findings on young tables) and why. */
  explainSkips: boolean;
  /** Apply the findings' fixes to migrations never applied anywhere, print the diffs, then lint again. */
  fix: boolean;
  /** Print the diffs --fix would make, and report what would be left; change nothing. */
  fixDryRun: boolean;
  debug: boolean;
  help: boolean;
  version: boolean;
}

/** One table for every flag: parsing, validation and help text come from the same place. */
const OPTIONS = {
  config: { type: 'string', short: 'c', value: 'FILE', help: 'drizzle config to read `out` from (default: ./drizzle.config.*)' },
  format: { type: 'string', short: 'f', value: 'NAME', help: `output format: ${FORMATS.join(' | ')} (default pretty; github in GitHub Actions)` },
  'output-file': { type: 'string', short: 'o', value: 'FILE', help: 'write the report to FILE instead of stdout (written whole, once the run has its result)' },
  'max-warnings': { type: 'string', value: 'N', help: 'exit 1 when there are more than N warnings' },
  rule: { type: 'string', multiple: true, value: 'ID=LEVEL', help: 'set a rule to off | warn | error (repeatable)' },
  quiet: { type: 'boolean', short: 'q', help: 'report errors only (warnings are neither shown nor counted)' },
  'pg-version': { type: 'string', value: 'N', help: 'PostgreSQL major version of production (default 16)' },
  since: { type: 'string', value: 'REF', help: 'git base: report on migrations added or changed since REF (integrity rules check the whole history)' },
  staged: { type: 'boolean', help: 'lint the staged content of migrations (for pre-commit hooks); the schema before them is read from the previous snapshot' },
  'full-replay': { type: 'boolean', help: 'with --staged: replay the whole history instead (exact where SQL and snapshots disagree; slower)' },
  'database-url': { type: 'string', value: 'URL', help: 'read-only: compare the hashes in drizzle\'s __drizzle_migrations with the files (hash-drift)' },
  cache: { type: 'boolean', help: 'keep results between runs: unchanged migrations are not parsed or linted again' },
  'cache-location': { type: 'string', value: 'DIR', help: `where --cache keeps its files (default ${DEFAULT_CACHE_LOCATION})` },
  jobs: { type: 'string', short: 'j', value: 'N', help: 'several folders: lint up to N at a time, in threads (default: one per CPU core, at most 4; 1: one after another)' },
  'explain-skips': { type: 'boolean', help: 'print on stderr each finding left out (locks and scans on young tables) and why' },
  fix: { type: 'boolean', help: 'apply the safe fixes to migrations not applied anywhere yet (not at the git base, in the lock file or the database), print the diffs, lint again' },
  'fix-dry-run': { type: 'boolean', help: 'print the diffs --fix would make and what would be left; change nothing' },
  color: { type: 'boolean', help: 'force colours' },
  'no-color': { type: 'boolean', help: 'no colours (also NO_COLOR=1, or when output is not a terminal)' },
  debug: { type: 'boolean', help: 'print stack traces of internal errors' },
  version: { type: 'boolean', short: 'v', help: 'print the version' },
  help: { type: 'boolean', short: 'h', help: 'print this help' },
} as const;

export function helpText(version: string): string {
  const flags = Object.entries(OPTIONS).map(([name, o]) => {
    const short = 'short' in o ? `-${o.short}, ` : '    ';
    const left = `${short}--${name}${'value' in o ? ` ${o.value}` : ''}`;
    return `  ${left.padEnd(28)}${o.help}`;
  });
  return [
    `migration-lint ${version} — lint drizzle-kit migrations for PostgreSQL`,
    '',
    'Usage:',
    '  migration-lint                      lint the migrations of ./drizzle.config.ts (`out`, default ./drizzle)',
    '  migration-lint path/to/drizzle      lint a migrations folder (meta/_journal.json, or drizzle-kit 1.0 folders)',
    '  migration-lint apps/*/drizzle       lint several folders (a monorepo), each its own history, one report',
    '  migration-lint drizzle/0003_x.sql   lint files of a migrations folder, with its history; only they are reported',
    '  migration-lint a.sql b.sql          lint SQL files in no migrations folder alone, in name order (V2 before V10)',
    '  migration-lint --staged             pre-commit: lint the staged migrations (the rest of the history is context)',
    '  migration-lint --since origin/main  pull request: lint what changed since the base branch',
    '',
    'Commands:',
    '  migration-lint rules                list the rules, their category and severity',
    '  migration-lint explain <rule>       print a rule\'s documentation',
    '  migration-lint down [TAG]           draft the rollback of the newest migration (or TAG; --since REF: a pull request\'s)',
    '  migration-lint verify               apply the history to a real PostgreSQL (embedded PGlite, or --database-url)',
    '                                      and report what fails, the locks and the rewrites',
    '  migration-lint lock                 record each migration\'s hash (migration-lint.lock.json): hash-drift reports edits',
    '  migration-lint baseline --database-url URL   mark migrations as applied in drizzle\'s __drizzle_migrations',
    '  migration-lint init                 set up a config, the pre-commit hook and a GitHub workflow (asks first)',
    '  migration-lint <command> --help     a command\'s options',
    '',
    'Options:',
    ...flags,
    '',
    'Exit codes: 0 no errors (warnings alone exit 0; --max-warnings 0 fails on them) · 1 errors found · 2 bad usage, unreadable input or internal error',
    'Rules and docs: https://github.com/migration-lint/migration-lint/tree/main/docs/rules',
    '',
  ].join('\n');
}

type ParseArgsOptions = NonNullable<Parameters<typeof parseArgs>[0]>['options'];

/**
 * node:util parseArgs (strict, positionals allowed) with its errors turned into one-line usage
 * errors (exit 2) pointing at `help`. Every command parses its flags through this.
 */
export function parseFlags<O extends ParseArgsOptions>(
  argv: string[],
  options: O,
  help: string,
): ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; strict: true; options: O }>> {
  try {
    return parseArgs({ args: withNegativeValues(argv, options), allowPositionals: true, strict: true, options });
  } catch (error) {
    // Its messages can run over several lines ("… is ambiguous.\nDid you forget …"): the first.
    throw new UsageError((error as Error).message.replace(/\. To specify a positional argument.*$/s, '').split('\n')[0], `run \`${help}\` for the options`);
  }
}

/**
 * `--max-warnings -1` as `--max-warnings=-1`: parseArgs takes a value that starts with a dash for
 * a flag of its own and calls it ambiguous; no flag is a dash and a digit, so it is the value (and
 * the option's own check then says what is wrong with it, in one line).
 */
function withNegativeValues(argv: string[], options: ParseArgsOptions): string[] {
  const takesValue = (token: string) => {
    if (token.startsWith('--')) return options?.[token.slice(2)]?.type === 'string';
    return token.length === 2 && Object.values(options ?? {}).some((o) => o.short === token[1] && o.type === 'string');
  };
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--') return [...out, ...argv.slice(i)];
    if (takesValue(argv[i]) && /^-\d/.test(argv[i + 1] ?? '')) out.push(`${argv[i]}${argv[i].startsWith('--') ? '=' : ''}${argv[++i]}`);
    else out.push(argv[i]);
  }
  return out;
}

export function parseCli(argv: string[]): CliOptions {
  const parsed = parseFlags(
    argv,
    Object.fromEntries(
      Object.entries(OPTIONS).map(([name, o]) => [name, { type: o.type, ...('short' in o ? { short: o.short } : {}), ...('multiple' in o ? { multiple: true } : {}) }]),
    ) as ParseArgsOptions,
    'migration-lint --help',
  );
  const v = parsed.values as Record<string, string | boolean | string[] | undefined>;
  const format = (v.format as string | undefined) ?? (process.env.GITHUB_ACTIONS === 'true' ? 'github' : 'pretty');
  if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')} (got "${format}")`);
  if (v.fix === true && v['fix-dry-run'] === true) throw new UsageError('--fix and --fix-dry-run cannot be combined', '--fix-dry-run shows what --fix would change');
  return {
    paths: parsed.positionals,
    config: v.config as string | undefined,
    format: format as Format,
    outputFile: v['output-file'] as string | undefined,
    maxWarnings: v['max-warnings'] === undefined ? undefined : nonNegativeInt('--max-warnings', v['max-warnings'] as string),
    rules: parseRuleFlags((v.rule as string[] | undefined) ?? []),
    quiet: v.quiet === true,
    color: v['no-color'] ? false : v.color ? true : undefined,
    pgVersion: v['pg-version'] === undefined ? undefined : pgVersion(v['pg-version'] as string),
    since: v.since as string | undefined,
    staged: v.staged === true,
    fullReplay: v['full-replay'] === true,
    databaseUrl: v['database-url'] as string | undefined,
    cache: v.cache === true,
    cacheLocation: cacheLocation(v['cache-location'] as string | undefined),
    jobs: v.jobs === undefined ? undefined : positiveInt('--jobs', v.jobs as string),
    explainSkips: v['explain-skips'] === true,
    fix: v.fix === true,
    fixDryRun: v['fix-dry-run'] === true,
    debug: v.debug === true,
    help: v.help === true,
    version: v.version === true,
  };
}

/** An empty --cache-location would be the working directory: the cache's files among the user's. */
function cacheLocation(text: string | undefined): string {
  if (text === undefined) return DEFAULT_CACHE_LOCATION;
  if (text.trim() === '') throw new UsageError('--cache-location needs a folder (got "")', `the default is ${DEFAULT_CACHE_LOCATION}`);
  return text;
}

function nonNegativeInt(flag: string, text: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`${flag} needs a whole number (got "${text}")`);
  return Number(text);
}

function positiveInt(flag: string, text: string): number {
  const n = nonNegativeInt(flag, text);
  if (n < 1) throw new UsageError(`${flag} needs a whole number of at least 1 (got "${text}")`);
  return n;
}

function pgVersion(text: string): number {
  const n = /^(\d+)(\.\d+)?$/.exec(text);
  if (!n || Number(n[1]) < 9 || Number(n[1]) > 30) throw new UsageError(`--pg-version needs a PostgreSQL major version such as 16 (got "${text}")`);
  return Number(n[1]);
}

function parseRuleFlags(values: string[]): Record<string, SeveritySetting> {
  const out: Record<string, SeveritySetting> = {};
  for (const value of values) {
    const m = /^([a-z0-9-]+)=(off|warn|error)$/.exec(value);
    if (!m) throw new UsageError(`--rule needs ID=off|warn|error (got "${value}")`);
    out[m[1]] = m[2] as SeveritySetting;
  }
  return out;
}
