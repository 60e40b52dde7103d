import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { SeveritySetting } from '../engine/types.js';
import { displayPath } from './drizzle-config.js';
import { errorMessage, UsageError } from './errors.js';
import { didYouMean } from '../engine/did-you-mean.js';
import { importExternal } from '../runtime.js';

/** What `migration-lint.config.*` (or `"migration-lint"` in package.json) may say. */
export interface LintConfig {
  /** Severity per rule id. */
  rules?: Record<string, SeveritySetting>;
  /** Findings to ignore for migrations matching a tag or glob, with the reason (required). */
  ignores?: { migration: string; rules?: string[]; reason: string }[];
  /** Types that exist without a migration creating them (made by a DBA, a platform, an init script). */
  knownTypes?: string[];
  /** Extensions installed outside the migrations (their types are known). */
  extensions?: string[];
  /** Schemas that exist without a migration creating them. */
  schemas?: string[];
  /** PostgreSQL major version of production. */
  pgVersion?: number;
  /** Where drizzle's migrator keeps its bookkeeping (default: drizzle.config `migrations`, else drizzle.__drizzle_migrations). */
  migrationsTable?: { schema?: string; table?: string };
  /** Adopt the tool on an old project: migrations up to and including this tag are context only. */
  startAfter?: string;
  /**
   * The driver migrate() runs on sends each chunk as a prepared statement (the extended protocol:
   * PGlite), so a chunk with several statements fails. Default: drizzle.config `driver: 'pglite'`.
   */
  preparedStatements?: boolean;
  /** Lock and scan findings skip tables created less than this many days (journal `when`) earlier (default 14; 0: off). */
  recentTableDays?: number;
  /** The most migration-lint reads of one file (migration, journal, snapshot, config, schema), in MB (default 64). */
  maxFileSizeMb?: number;
  /**
   * The app's TypeScript / JavaScript files where the deploy-path rules look for migrate() calls
   * (globs relative to the working directory, `!` to leave some out). Default: every TS/JS file
   * under the drizzle config's folder, without node_modules, build output and dot folders.
   */
  appFiles?: string[];
}

export interface LoadedConfig {
  /** Display path of the file it came from (undefined when there is none). */
  file?: string;
  config: LintConfig;
}

export const CONFIG_FILES = ['migration-lint.config.json', 'migration-lint.config.mjs', 'migration-lint.config.js', 'migration-lint.config.ts'];

/** How long a config module may take to load (its imports, top-level await, a promise it exports). */
export const CONFIG_TIME_LIMIT_MS = 10_000;

/**
 * Find and validate the config in `cwd`. Unknown keys and unknown rule ids are errors naming the
 * key (exit 2): a typo must not silently turn a rule off.
 */
export async function loadConfig(cwd: string, knownRules: ReadonlySet<string>, explicit?: string, timeLimitMs = CONFIG_TIME_LIMIT_MS): Promise<LoadedConfig> {
  const found = explicit ? resolve(cwd, explicit) : CONFIG_FILES.map((n) => join(cwd, n)).find((f) => existsSync(f));
  if (explicit && !existsSync(found!)) throw new UsageError(`${explicit}: config file not found`);
  if (found) {
    const shown = displayPath(found, cwd);
    // A module that never finishes loading (a default export that is a promise that never
    // settles) would leave nothing for Node to wait on: it would exit 0 with no report.
    const raw = await withinTimeLimit(readConfigFile(found, shown, cwd), timeLimitMs, shown);
    return { file: shown, config: await validate(raw, shown, knownRules) };
  }
  const pkgFile = join(cwd, 'package.json');
  if (existsSync(pkgFile)) {
    let pkg: Record<string, unknown>;
    try {
      pkg = JSON.parse(readFileSync(pkgFile, 'utf8'));
    } catch {
      return { config: {} }; // not ours to judge
    }
    if (pkg && typeof pkg === 'object' && 'migration-lint' in pkg) {
      return { file: 'package.json', config: await validate(pkg['migration-lint'], 'package.json "migration-lint"', knownRules) };
    }
  }
  return { config: {} };
}

async function withinTimeLimit<T>(work: Promise<T>, ms: number, shown: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new UsageError(`${shown}: did not finish loading in ${ms / 1000} s (a default export that is a promise that never settles?)`, 'export a plain object, or use migration-lint.config.json for a config that needs no code')),
      ms,
    );
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

async function readConfigFile(file: string, shown: string, cwd: string): Promise<unknown> {
  if (file.endsWith('.json')) {
    try {
      return JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new UsageError(`${shown}: not valid JSON (${(error as Error).message})`);
    }
  }
  let url = pathToFileURL(file).href;
  if (file.endsWith('.ts')) url = await transpileTs(file, shown, cwd);
  try {
    const mod = (await importExternal(url)) as { default?: unknown };
    // A promise as the default export is awaited here, so that its rejection is this error too.
    return await (mod.default ?? mod);
  } catch (error) {
    throw new UsageError(`${shown}: cannot load (${errorMessage(error).split('\n')[0]})`, 'use migration-lint.config.json for a config that needs no code');
  }
}

/**
 * A TypeScript config is compiled with the esbuild that drizzle-kit installs in every drizzle
 * project, so migration-lint needs no TypeScript toolchain of its own.
 */
async function transpileTs(file: string, shown: string, cwd: string): Promise<string> {
  type Esbuild = { transformSync(code: string, options: object): { code: string } };
  let esbuild: Esbuild | undefined;
  for (const from of [join(cwd, 'package.json'), import.meta.url]) {
    try {
      esbuild = createRequire(from)('esbuild') as Esbuild;
      break;
    } catch {
      // try the next place
    }
  }
  if (!esbuild) {
    throw new UsageError(`${shown}: loading a .ts config needs esbuild (installed with drizzle-kit), which is not found from ${cwd}`, 'rename it to migration-lint.config.mjs, or use JSON');
  }
  let code: string;
  try {
    ({ code } = esbuild.transformSync(readFileSync(file, 'utf8'), { loader: 'ts', format: 'esm', sourcefile: file }));
  } catch (error) {
    // esbuild's message lists every error on lines of their own: the first one, located.
    const first = (error as { errors?: { text?: string; location?: { line?: number; column?: number } | null }[] }).errors?.[0];
    const at = first?.location ? `:${first.location.line}:${(first.location.column ?? 0) + 1}` : '';
    throw new UsageError(`${shown}${at}: cannot compile (${first?.text ?? errorMessage(error).split('\n')[0]})`, 'fix the TypeScript, or use migration-lint.config.json');
  }
  return `data:text/javascript;base64,${Buffer.from(code).toString('base64')}`;
}

async function validate(raw: unknown, where: string, knownRules: ReadonlySet<string>): Promise<LintConfig> {
  const { z } = await importExternal<typeof import('zod')>('zod');
  const severity = z.enum(['off', 'warn', 'error']);
  const schema = z.strictObject({
    $schema: z.string().optional(),
    rules: z.record(z.string(), severity).optional(),
    ignores: z.array(z.strictObject({ migration: z.string().min(1), rules: z.array(z.string()).min(1).optional(), reason: z.string().trim().min(1, 'a reason is required') })).optional(),
    knownTypes: z.array(z.string()).optional(),
    extensions: z.array(z.string()).optional(),
    schemas: z.array(z.string()).optional(),
    pgVersion: z.number().int().min(9).max(30).optional(),
    migrationsTable: z.strictObject({ schema: z.string().optional(), table: z.string().optional() }).optional(),
    startAfter: z.string().min(1).optional(),
    preparedStatements: z.boolean().optional(),
    recentTableDays: z.number().min(0).max(3650).optional(),
    maxFileSizeMb: z.number().positive().max(4096).optional(),
    appFiles: z.array(z.string().min(1)).min(1).optional(),
  });
  let parsed: ReturnType<typeof schema.safeParse>;
  // Rule ids as the file has them: a JSON `"__proto__"` key is an own key there, but the record
  // zod builds sets a prototype with it (dropping it), and it must be reported as unknown.
  let ruleIds: string[] = [];
  try {
    parsed = schema.safeParse(raw);
    const rules = parsed.success ? (raw as { rules?: unknown }).rules : undefined;
    if (rules && typeof rules === 'object') ruleIds = Object.keys(rules);
  } catch (error) {
    // A getter or a Proxy in a .mjs/.ts config that throws while the config is read.
    throw new UsageError(`${where}: reading the exported config failed (${errorMessage(error).split('\n')[0]})`, 'export a plain object');
  }
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue.path.join('.');
    const keys = issue.code === 'unrecognized_keys' ? (issue as { keys: string[] }).keys : [];
    const allowed = Object.keys(shapeAt(schema, issue.path));
    const detail = keys.length
      ? `unknown key${keys.length > 1 ? 's' : ''} ${keys.map((k) => `"${path ? `${path}.` : ''}${k}"`).join(', ')}${didYouMean(keys[0], allowed)}`
      : `${path ? `"${path}": ` : ''}${describeIssue(issue, valueAt(raw, issue.path), path)}`;
    throw new UsageError(`${where}: ${detail}`, 'see "Configuration" in the migration-lint README');
  }
  const config = parsed.data as LintConfig & { $schema?: string };
  delete config.$schema;
  const unknown = [...ruleIds, ...(config.ignores ?? []).flatMap((i) => i.rules ?? [])].filter((id) => !knownRules.has(id));
  if (unknown.length) throw new UsageError(`${where}: unknown rule "${unknown[0]}"${didYouMean(unknown[0], knownRules)}`, 'run `migration-lint rules` for the list of rule ids');
  return config;
}

/**
 * `0007_*` style globs over migration tags: `*` any run of characters, `?` one character, every
 * other character itself. Matched directly, not through a regular expression: a pattern is
 * config text from the repository, and `*a*a*a…` or forty `*` compiled to a backtracking
 * expression takes seconds to hours on one tag (picomatch's expressions too: `*a` eight times
 * against 40 characters, 3.8 s). This is the classic wildcard match: when a later part fails,
 * only the last `*` takes one more character, so a tag costs at most pattern × tag steps.
 */
export function tagMatches(pattern: string, tag: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1; // position in the pattern after the last `*` seen
  let resume = 0; // position in the tag where that `*`'s match ends so far
  while (t < tag.length) {
    if (p < pattern.length && (pattern[p] === '?' || (pattern[p] !== '*' && pattern[p] === tag[t]))) {
      p++;
      t++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = ++p;
      resume = t;
    } else if (star >= 0) {
      p = star;
      t = ++resume;
    } else return false;
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

type Issue = { code: string; path: PropertyKey[]; message: string; expected?: string; values?: unknown[]; origin?: string; minimum?: unknown; maximum?: unknown };

/** A config problem in the README's words, with the value found (zod's own wording is for developers). */
function describeIssue(issue: Issue, value: unknown, path: string): string {
  const got = value === undefined ? '' : ` (got ${shown(value)})`;
  const isReason = path.endsWith('.reason') || path === 'reason';
  switch (issue.code) {
    case 'invalid_type':
      if (value === undefined) return isReason ? 'a reason is required' : 'is required';
      return `must be ${KINDS[issue.expected ?? ''] ?? issue.expected}${got}`;
    case 'invalid_value':
      return `must be one of ${(issue.values ?? []).map((v) => JSON.stringify(v)).join(', ')}${got}`;
    case 'too_small':
      if (isReason) return 'a reason is required';
      return issue.origin === 'array' ? 'must list at least one' : issue.origin === 'string' ? 'must not be empty' : `must be at least ${String(issue.minimum)}${got}`;
    case 'too_big':
      return `must be at most ${String(issue.maximum)}${got}`;
    default:
      return issue.message;
  }
}

const KINDS: Record<string, string> = { string: 'a string', number: 'a number', int: 'a whole number', boolean: 'true or false', array: 'a list', object: 'an object', record: 'an object' };

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  try {
    let value = raw;
    for (const key of path) value = value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined;
    return value;
  } catch {
    return undefined; // a getter of a .mjs/.ts config that throws: no value to show
  }
}

/** A value for a message: JSON, short; nothing when it has no JSON form (a BigInt, a cycle). */
function shown(value: unknown): string {
  try {
    const text = JSON.stringify(value) ?? String(value);
    return text.length > 80 ? `${text.slice(0, 77)}…` : text;
  } catch {
    return typeof value;
  }
}

/** The keys a strict object at `path` of the schema allows (for "did you mean"). */
function shapeAt(schema: unknown, path: readonly PropertyKey[]): Record<string, unknown> {
  let node = schema as { shape?: Record<string, unknown>; unwrap?: () => unknown; element?: unknown; def?: { innerType?: unknown; element?: unknown } } | undefined;
  for (const key of path) {
    while (node && !node.shape && node.def?.innerType) node = node.def.innerType as typeof node;
    if (typeof key === 'number') node = (node?.element ?? node?.def?.element) as typeof node;
    else node = node?.shape?.[String(key)] as typeof node;
  }
  while (node && !node.shape && node.def?.innerType) node = node.def.innerType as typeof node;
  return node?.shape ?? {};
}

