import { existsSync } from 'node:fs';
import { sha256 } from '../engine/hash.js';
import { resolve } from 'node:path';
import { runEngine } from '../engine/linter.js';
import { DEFAULT_RECENT_TABLE_DAYS } from '../engine/table-age.js';
import { loadParser, parseMigration, parserFailures, restoreParsed, serializeParsed } from '../engine/parse.js';
import type { AppSourceFacts, Finding, FolderFacts, LintSettings, MigrationInput, ParsedMigration, Rule, SchemaSourceFacts, SeveritySetting, Skip } from '../engine/types.js';
import type { CacheOptions, LintCache } from './cache.js';
import type { HistoryFacts } from './history-facts.js';
import type { SchemaState } from '../schema/model.js';
import type { MigrationInfo } from '../engine/types.js';
import { ruleList } from '../rules/index.js';
import { displayPath } from './drizzle-config.js';
import { isUsageError, UsageError } from './errors.js';
import { readJson, resolveTarget, type Project, type TextReader } from './project.js';
import { maxFileBytes, ProjectFiles } from './files.js';
import { loadConfig, tagMatches, type LintConfig } from './config.js';
import { resolveSince, selectSince, selectStaged, type Selection } from './selection.js';
import { mayBeMigrationFile, prefetchedStaged, stagesNothingLinted } from './staged-query.js';
import { commitView } from './staged-view.js';
import { engineTimer, mark } from './timings.js';
import { contextPlan } from './context-plan.js';
import { didYouMean } from '../engine/did-you-mean.js';
import { migrationTexts, unparsed, type MigrationTexts } from './texts.js';
import { tierUpIfLong } from '../runtime.js';

export interface LintOptions {
  /** Working directory: where drizzle.config.* is looked for, and what paths are relative to. */
  cwd?: string;
  /** A migrations folder, or SQL files. Default: `out` of the drizzle config in `cwd`. */
  paths?: string[];
  /** A drizzle config file (monorepos have several). */
  config?: string;
  /** Severity overrides per rule id. */
  rules?: Record<string, SeveritySetting>;
  /** Target PostgreSQL major version (default 16). */
  pgVersion?: number;
  /** A migration-lint config file (default: migration-lint.config.* or package.json "migration-lint" in cwd). */
  configFile?: string;
  /** A config object to use instead of reading one (API users, tests). */
  lintConfig?: LintConfig;
  /** Environment for CI detection (GITHUB_BASE_REF); default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Git revision the change is compared with (`--since`): selection and hash-drift. */
  since?: string;
  /** Lint the staged content (git index) instead of the working tree (`--staged`). */
  staged?: boolean;
  /** Read drizzle's `__drizzle_migrations` rows from this database (read-only) for hash-drift (`--database-url`). */
  databaseUrl?: string;
  /** Extra rules (plugins, tests). */
  extraRules?: readonly Rule[];
  /** Called after each migration with the replayed schema (snapshot comparison). Turns the cache off. */
  afterMigration?: (migration: MigrationInfo, state: Readonly<SchemaState>) => void;
  /** Keep results between runs (`--cache`); never changes the findings. Off with extraRules or afterMigration. */
  cache?: CacheOptions;
  /**
   * Where the schema before the first linted migration comes from: 'snapshot', the previous
   * migration's snapshot (see context-plan.ts; the default with `staged`, for pre-commit speed),
   * or 'replay', every earlier migration parsed and replayed (the default otherwise; exact where
   * SQL and snapshots disagree).
   */
  context?: 'snapshot' | 'replay';
  /** Progress of long runs (the CLI draws it on a terminal): migrations done (parsed, replayed and checked), total. */
  progress?: (done: number, total: number) => void;
  /**
   * Receive the findings as they become final, in report order, a piece at a time: those on files
   * that are not migrations (the journal, snapshots) first, then each migration's, once it is
   * checked (a --cache hit gives them all at once), with the texts of the migrations they are on
   * (code frames). The result's `findings` and `sources` are then empty (its summary counts them
   * all), and memory does not grow with the report: a long history's report is written while it
   * is made.
   */
  onFindings?: (findings: Finding[], sources: ReadonlyMap<string, string>) => void;
  /** Keep the findings the engine left out, with the reason, in the result's `skips` (`--explain-skips`; the run is not cached). */
  explainSkips?: boolean;
  /**
   * Texts (by absolute path) that stand in for the files on disk: what `--fix` has changed and not
   * written yet (a dry run never writes them). Turns the cache off.
   */
  overlay?: ReadonlyMap<string, string>;
}

export interface LintSummary {
  errors: number;
  warnings: number;
  /** Migrations linted. */
  migrations: number;
  /** Files with at least one finding. */
  files: number;
}

export interface LintResult {
  findings: Finding[];
  summary: LintSummary;
  project: Project;
  /** File text by display path, for code frames. */
  sources: Map<string, string>;
  /** The migration-lint config in effect, and where it came from. */
  config: LintConfig & { file?: string };
  /** What was selected for reporting (`staged`, `added or changed since origin/main`), when not everything. */
  selection?: string;
  /** Things the user should know about the run that are not findings (SQL files linted without a history). */
  notes?: string[];
  /** With `explainSkips`: the findings left out (lock and scan findings on young tables), with the reason. */
  skips?: Skip[];
  /** The text of a file (absolute path) as this run reads it: the index's with `staged`, the overlay's, else the disk's. */
  textOf: (path: string) => string;
}

export const DEFAULT_PG_VERSION = 16;

/**
 * Rules whose findings depend on the time of the run (journal-order: a `when` in the future, a
 * suggested `when` of now). --cache never stores their findings; they run on every hit. They
 * read only folder facts, never statements, and their findings are in the journal, which no
 * suppression comment covers.
 */
const CLOCK_RULES = new Set(['journal-order']);

/** Below this many migrations to parse, parsing them beats reading the parse cache. */
const FEW_PARSES = 16;

/** Lint a drizzle project, folder or SQL files. Throws UsageError for bad input (exit 2). */
export async function lint(options: LintOptions = {}): Promise<LintResult> {
  mark('lint() called');
  const cwd = resolve(options.cwd ?? process.cwd());
  const allRules = [...ruleList, ...(options.extraRules ?? [])];
  const { config, file: configFile } = options.lintConfig ? { config: options.lintConfig, file: undefined } : await loadConfig(cwd, new Set(allRules.map((r) => r.id)), options.configFile);
  const settings = resolveSettings(options, config, allRules);
  // A pre-commit hook on a commit that stages no migration file anywhere, nor a deploy-path file: done before the drizzle config is even parsed.
  if (options.staged && !options.paths?.length && (await stagesNothingLinted(cwd))) {
    mark('nothing staged is a migration or deploy-path file (git)');
    return nothingToReport({ layout: 'journal', migrations: [], problems: [], files: new ProjectFiles(cwd, maxFileBytes(config), cwd) }, { file: configFile, ...config }, 'staged');
  }
  startParserEarly(options, cwd);
  const target = await resolveTarget(options, cwd, { maxBytes: maxFileBytes(config) });
  settings.preparedStatements = config.preparedStatements ?? target.config?.driver === 'pglite';
  mark('config');
  const selection = withNamed(await select(options, target.dir, cwd), target.named);
  mark('selection (git)');
  // Only regular files inside the project, none larger than the limit (see files.ts).
  const files = target.files;
  // Texts that stand in for the files: the index's (--staged), then fixes not written yet (--fix passes).
  const replaced = options.overlay?.size ? new Map([...(selection?.staged ?? []), ...options.overlay]) : selection?.staged;
  const read: TextReader = replaced ? (path) => replaced.get(path) ?? files.read(path) : (path) => files.read(path);
  const nothingSelected = selection?.files !== undefined && selection.files.size === 0;
  // Without --cache the parser is certainly needed (unless nothing is selected): its WASM compiles
  // off the main thread while the folder, migrations, snapshots and git facts are read (with
  // --cache a hit needs no parser at all).
  const parserReady = options.cache || nothingSelected ? undefined : loadParser();
  parserReady?.catch(() => undefined); // awaited below; a failure surfaces there
  // --staged before drizzle-kit ever wrote the migrations folder: nothing in it can be staged.
  const noFolderYet = nothingSelected && options.staged === true && target.dir !== undefined && !existsSync(target.dir);
  const project: Project = noFolderYet ? { layout: 'journal' as const, dir: target.dir, config: target.config, migrations: [], problems: [], files } : target.load(read);
  mark('load project (journal, folder)');
  // The deploy path (migrate() calls, drizzle-kit commands): read when its rules are on, and in
  // --since / --staged only when the app's files changed.
  const appSource = await readAppSource(options, project, settings, allRules, config, cwd, selection);
  mark('app source (deploy path)');
  if (nothingSelected) {
    // --staged / --since and nothing in the migrations folder changed: the history is what it was
    // when it was last checked, so a commit of other files costs two git calls, not a full lint
    // (and the deploy-path rules, when the app's files changed).
    if (!appSource) return nothingToReport(project, { file: configFile, ...config }, selection!.describe);
    const deployFindings = runEngine({ appSource, migrations: [], rules: allRules.filter((r) => DEPLOY_RULES.includes(r.id)), settings, folder: { layout: project.layout, problems: [] } }).findings;
    const counted = countFindings();
    const findings = applyConfigIgnores(deployFindings, config);
    counted.add(findings);
    if (options.onFindings && findings.length) options.onFindings(findings, new Map());
    return { findings: options.onFindings ? [] : findings, summary: counted.summary(0), project, sources: new Map(), config: { file: configFile, ...config }, selection: selection!.describe, textOf: read };
  }
  if (selection?.staged) commitView(project, selection, cwd);
  // A run that streams its findings (and keeps no cache, which hashes every text) never holds every text.
  const texts = migrationTexts(project.migrations, read, { keepAll: !options.onFindings || !!options.cache, staged: replaced, ...(replaced ? {} : { bytes: (path: string) => files.bytes(path) }), knownReadable: (path) => files.knownReadable(path) });
  const inputs = texts.inputs;
  const isSelected = selector(project, config, selection);
  const contextMode = options.context ?? (selection?.staged ? 'snapshot' : 'replay');
  mark('read migrations');

  const schemaSource = await readSchemaSource(project, settings, allRules, cwd);
  mark('schema source');
  // --staged: git reads HEAD's texts of the journal and migrations the commit changes meanwhile;
  // `headRead` puts them in the facts, awaited only where first needed (the cache key, the rules).
  const { facts: integrity, headRead } = await historyFacts(options, project, inputs, settings, allRules, cwd, selection, replaced);
  mark('history facts');
  const folder: FolderFacts = {
    layout: project.layout,
    ...(project.journal ? { journalFile: displayPath(project.journal.file, cwd) } : {}),
    problems: project.problems,
    ...latestSnapshot(project, settings, allRules, cwd, integrity, read),
    ...(integrity ? { integrity } : {}),
  };

  // --cache: the whole run's findings when nothing the engine sees has changed; else parses by text hash.
  const cache = options.cache && !options.afterMigration && !options.extraRules?.length && !options.explainSkips && !options.overlay?.size ? await openCache(options.cache, cwd, target.dir ?? inputs.map((m) => m.file).join('\0')) : undefined;
  // The parse of a text also depends on whether its U+FFFD came from invalid bytes.
  // The history facts hash each text once (lazily) for the hash rules, and the key below reads them: share it.
  if (cache) await headRead();
  const hashes = cache ? inputs.map((m) => (integrity?.files.get(m.tag)?.hash ?? sha256(m.text)) + (m.invalidUtf8At !== undefined ? `:${m.invalidUtf8At}` : '')) : [];
  const runKey = cache?.runKey({
    rules: allRules.map((r) => r.id),
    settings,
    // The files' texts are in the key through their hashes, not a second time in full.
    folder: { ...folder, ...(integrity ? { integrity: { ...integrity, files: [...integrity.files.values()].map(({ tag, path, file, hash, crlf, bom, snapshot }) => ({ tag, path, file, hash, crlf, bom, snapshot })) } } : {}) },
    schemaSource,
    appSource,
    migrations: inputs.map((m, i) => ({ tag: m.tag, file: m.file, idx: m.idx, when: m.when, hash: hashes[i], selected: isSelected(m.tag, m.file) })),
    context: contextMode,
  });
  mark('cache key');
  const report = reporter(inputs, texts, config, options.onFindings, target.named ? namedOnly(project, target.named, cwd) : undefined);
  let explained: Skip[] | undefined;
  const cached = runKey !== undefined ? cache?.findings(runKey) : undefined;
  mark(cache ? `cache lookup (${cached ? 'hit' : 'miss'})` : 'no cache');
  if (cached) {
    // Rules that read the clock are never cached: run them again (they need no parse).
    const clockRules = allRules.filter((r) => CLOCK_RULES.has(r.id));
    report.add([...cached, ...runEngine({ schemaSource, migrations: [], rules: clockRules, settings, folder }).findings]);
  } else {
    await (parserReady ?? loadParser());
    mark('load parser (wasm)');
    // The parse cache holds every migration's trees: loading it costs more than parsing a few.
    let parseCache: LintCache | undefined = cache;
    const parseAt = (i: number): ParsedMigration => {
      tierUpIfLong();
      const cached = parseCache?.parsed(hashes[i]);
      if (cached) {
        try {
          return restoreParsed(inputs[i], cached);
        } catch {
          // An entry that passed the shape check but does not fit its text: parse it again.
        }
      }
      const result = parseMigration(inputs[i]);
      parseCache?.storeParsed(hashes[i], serializeParsed(result));
      return result;
    };
    // Files the engine reads on its own (full snapshots): their content is part of the cached result.
    const deps = new Set<string>();
    // Pre-commit: the schema before the staged migrations comes from a snapshot (see context-plan.ts).
    const firstSelected = inputs.findIndex((m) => isSelected(m.tag, m.file));
    const plan =
      contextMode === 'snapshot' && !options.afterMigration && firstSelected > 0
        ? contextPlan({ migrations: project.migrations, inputs, firstSelected, recentTableDays: settings.recentTableDays!, parseSql: (text) => parseMigration({ tag: '', file: '', text }).statements, readSnapshot: integrity ? (file) => integrity.readSnapshot(file) : (file) => readJson(read, file) })
        : undefined;
    if (plan) deps.add(plan.snapshot);
    // A pre-commit run from a snapshot parses the staged migrations alone: leave the parse cache
    // (and the parses a full run stored in it) untouched.
    if (plan && inputs.length - plan.replayFrom < FEW_PARSES) parseCache = undefined;
    mark(plan ? `context plan (replay from ${plan.replayFrom} of ${inputs.length})` : 'context plan (full replay)');
    // Parsed one by one as the engine reaches them, and let go after: memory stays flat on long histories.
    const placeholders = inputs.map(unparsed);
    if (cache && integrity) {
      const readSnapshot = integrity.readSnapshot.bind(integrity);
      integrity.readSnapshot = (file: string) => {
        deps.add(file);
        return readSnapshot(file);
      };
    }
    const skips: Skip[] | undefined = options.explainSkips ? [] : undefined;
    if (skips) explained = skips;
    // The cache keeps the whole run's findings (its file holds them anyway).
    const toCache: Finding[] | undefined = cache && runKey !== undefined ? [] : undefined;
    const parserFailuresBefore = parserFailures();
    if (!cache) await headRead();
    mark('HEAD texts (git)');
    runEngine({
      schemaSource,
      appSource,
      migrations: placeholders,
      load: parseAt,
      rules: allRules,
      settings,
      folder,
      afterMigration: options.progress
        ? (m, state) => {
            options.progress!(m.position + 1, placeholders.length);
            options.afterMigration?.(m, state);
          }
        : options.afterMigration,
      isSelected: (m) => isSelected(m.tag, m.file),
      underReview: selection?.files !== undefined,
      ...(skips ? { onSkip: (skip: Skip) => skips.push(skip) } : {}),
      ...(plan ? { initialState: plan.initialState, replayFrom: plan.replayFrom, ...(plan.tableBirths ? { tableBirths: plan.tableBirths } : {}) } : {}),
      time: engineTimer(),
      onFindings: (batch) => {
        if (toCache) for (const f of batch) if (!CLOCK_RULES.has(f.rule)) toCache.push(f);
        report.add(batch);
      },
    });
    // Nothing of a run in which a parser instance failed is kept (see engine/pg-query.ts).
    if (toCache && parserFailures() === parserFailuresBefore) cache!.storeFindings(runKey!, toCache, deps);
  }
  cache?.save();
  mark('engine (parse + replay + rules)');
  const linted = inputs.filter((m) => isSelected(m.tag, m.file)).length;
  const notes = target.loose ? [withoutHistory(target.loose, settings, allRules, cwd)] : undefined;
  return { ...report.result(linted), project, config: { file: configFile, ...config }, selection: selection?.describe, ...(notes ? { notes } : {}), ...(explained ? { skips: explained } : {}), textOf: read };
}

/** The result of a run with nothing selected to lint. */
function nothingToReport(project: Project, config: LintResult['config'], selection: string): LintResult {
  return { findings: [], summary: countFindings().summary(0), project, sources: new Map(), config, selection, textOf: (path) => project.files.read(path) };
}

/**
 * The PostgreSQL parser's WASM compiles off the main thread: when the run will need it, start it
 * before the drizzle config is parsed (loading oxc-parser takes the main thread for a while), so
 * the two overlap. A plain run always parses; `--staged` does when migration files are staged
 * (the CLI's git status of the working directory, already under way, says so).
 */
function startParserEarly(options: LintOptions, cwd: string): void {
  if (options.cache) return;
  const start = () => loadParser().catch(() => undefined); // awaited later; a failure surfaces there
  if (options.staged) {
    prefetchedStaged(cwd)?.then((q) => (q.staged.some(mayBeMigrationFile) ? start() : undefined), () => undefined);
  } else if (resolveSince(options.since, cwd, options.env) === undefined) void start();
}

/**
 * Files named on the command line narrow what is reported on (also under --staged / --since:
 * the files named and staged). The rest of their folder's history is the context.
 */
function withNamed(selection: Selection | undefined, named: readonly string[] | undefined): Selection | undefined {
  if (!named) return selection;
  const files = new Set(named.filter((file) => !selection?.files || selection.files.has(file)));
  return { ...selection, files, describe: selection ? `${selection.describe} and named` : 'named' };
}

/** Findings on the files named, or on their migrations (their journal entry, their snapshot); nothing else. */
function namedOnly(project: Project, named: readonly string[], cwd: string): (finding: Finding) => boolean {
  const files = new Set(named);
  const shown = new Set(named.map((file) => displayPath(file, cwd)));
  const tags = new Set(project.migrations.filter((m) => files.has(m.path)).map((m) => m.tag));
  // A finding of one root cause concerns the files of its related locations too.
  return (f) => shown.has(f.file) || (f.migration !== undefined && tags.has(f.migration)) || f.related?.some((r) => shown.has(r.file)) === true;
}

/** The history rules a loose file cannot have: they read a journal and snapshots. */
const JOURNAL_RULES = ['journal-files', 'journal-order', 'snapshot-fork', 'snapshot-drift'];

/** The note for SQL files named outside any migrations folder: linted alone, and what that leaves out. */
function withoutHistory(files: readonly string[], settings: LintSettings, allRules: readonly Rule[], cwd: string): string {
  const names = files.map((file) => displayPath(file, cwd));
  const shown = names.length > 3 ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more` : names.join(', ');
  const off = new Set(allRules.filter((r) => (settings.rules[r.id] ?? r.meta.defaultSeverity) === 'off').map((r) => r.id));
  const skipped = JOURNAL_RULES.filter((id) => !off.has(id));
  const them = files.length === 1 ? 'it' : 'them';
  return (
    `${shown}: in no drizzle migrations folder (no meta/_journal.json beside ${them}), so linted without the migrations before ${them}: ` +
    `rules about existing tables knew only the tables ${files.length === 1 ? 'this file creates' : 'these files create'}` +
    (skipped.length ? `, and ${listed(skipped)} could not run (no journal or snapshots)` : '') +
    '. Pass the migrations folder, or files inside it, to lint them with their history'
  );
}

function listed(items: readonly string[]): string {
  return items.length === 1 ? items[0] : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/**
 * The findings on their way out: config `ignores` applied, each piece in report order (the
 * engine hands them over file by file, in history order), counted for the summary, then kept
 * for the result or passed on (`onFindings`).
 */
function reporter(inputs: readonly MigrationInput[], texts: MigrationTexts, config: LintConfig, onFindings: LintOptions['onFindings'], keep?: (finding: Finding) => boolean) {
  const order = byLocation(inputs);
  const kept: Finding[] = [];
  const counted = countFindings();
  return {
    add(findings: Finding[]): void {
      const batch = applyConfigIgnores(keep ? findings.filter(keep) : findings, config).sort(order);
      if (batch.length === 0) return;
      counted.add(batch);
      if (!onFindings) {
        for (const f of batch) kept.push(f);
        return;
      }
      const sources = new Map<string, string>();
      for (const f of batch) {
        if (sources.has(f.file)) continue;
        const text = texts.textOf(f.file);
        if (text !== undefined) sources.set(f.file, text);
      }
      onFindings(batch, sources);
    },
    result(migrations: number): Pick<LintResult, 'findings' | 'summary' | 'sources'> {
      return { findings: kept, summary: counted.summary(migrations), sources: onFindings ? new Map() : texts.kept };
    },
  };
}

async function openCache(options: CacheOptions, cwd: string, target: string): Promise<LintCache> {
  if (options.location.trim() === '') throw new UsageError('the cache location needs a folder (got "")', 'leave it out for the default, node_modules/.cache/migration-lint');
  const { LintCache } = await import('./cache.js');
  return new LintCache(options, cwd, target);
}

/** Config `ignores`: drop findings of the named rules (all rules when none are named) for matching migrations. */
function applyConfigIgnores(findings: Finding[], config: LintConfig): Finding[] {
  const ignores = config.ignores ?? [];
  if (ignores.length === 0) return findings;
  return findings.filter((f) => !ignores.some((i) => tagMatches(i.migration, f.migration) && (!i.rules || i.rules.includes(f.rule))));
}

/** Which migrations are reported on: --since / --staged selections, and config `startAfter`. */
function selector(project: Project, config: LintConfig, selection: Selection | undefined): (tag: string, file: string) => boolean {
  let startIndex = 0;
  if (config.startAfter) {
    const at = project.migrations.findIndex((m) => m.tag === config.startAfter);
    if (at < 0) throw new UsageError(`config startAfter: "${config.startAfter}" is not a migration of ${project.dir ?? 'the history'}`, 'use a journal tag, e.g. "0041_brave_wolf"');
    startIndex = at + 1;
  }
  const position = new Map(project.migrations.map((m, i) => [m.tag, i]));
  const paths = new Map(project.migrations.map((m) => [m.tag, m.path]));
  return (tag) => {
    if ((position.get(tag) ?? 0) < startIndex) return false;
    if (!selection?.files) return true;
    return selection.files.has(paths.get(tag) ?? '');
  };
}

async function select(options: LintOptions, dir: string | undefined, cwd: string): Promise<Selection | undefined> {
  if (options.staged && options.since !== undefined) throw new UsageError('--staged and --since cannot be combined');
  const where = dir ?? cwd;
  if (options.staged) return await selectStaged(where, cwd);
  const since = resolveSince(options.since, cwd, options.env);
  return since === undefined ? undefined : await selectSince(since, where, cwd);
}

/**
 * The drizzle schema source is read only when a rule that needs it is on and the config names
 * `schema` (the parser for it is loaded lazily, so plain folder runs pay nothing).
 */
async function readSchemaSource(project: Project, settings: LintSettings, allRules: readonly Rule[], cwd: string): Promise<SchemaSourceFacts | undefined> {
  const config = project.config;
  if (!config || (config.schema.length === 0 && !config.schemaProblem)) return undefined;
  const needed = allRules.some((r) => r.id === 'enum-not-exported' && (settings.rules[r.id] ?? r.meta.defaultSeverity) !== 'off');
  if (!needed) return undefined;
  if (config.schemaProblem) throw new UsageError(config.schemaProblem, 'write `schema` as a string or an array of strings, or turn off the rule that reads it: --rule enum-not-exported=off');
  const { analyzeSchemaSource } = await import('./schema-source.js');
  return analyzeSchemaSource({ file: config.file, schema: config.schema }, cwd, project.files);
}

/** The rules that read the deploy path (the app's migrate() calls and drizzle-kit commands). */
const DEPLOY_RULES = ['migrate-without-lock', 'migrator-config-mismatch', 'drizzle-kit-migrate-under-bun', 'bun-migrate-client-not-closed'];

/**
 * The app's deploy path, when a deploy-path rule is on and there is an app to read (a drizzle
 * config, or `appFiles`). In --since / --staged runs only when one of its files changed; the
 * parser is loaded lazily, and files that mention no migrator are only read.
 */
async function readAppSource(options: LintOptions, project: Project, settings: LintSettings, allRules: readonly Rule[], config: LintConfig, cwd: string, selection: Selection | undefined): Promise<AppSourceFacts | undefined> {
  if (!allRules.some((r) => DEPLOY_RULES.includes(r.id) && (settings.rules[r.id] ?? r.meta.defaultSeverity) !== 'off')) return undefined;
  if (!project.config && !config.appFiles) return undefined;
  const { analyzeAppSource, appChangedSince, appStaged } = await import('./app-source.js');
  const drizzle = project.config && config.migrationsTable ? { ...project.config, migrationsTable: config.migrationsTable.table ?? project.config.migrationsTable, migrationsSchema: config.migrationsTable.schema ?? project.config.migrationsSchema } : project.config;
  // Files reached through imports are read as every project file is: regular files inside the project only.
  const app = { cwd, config: drizzle, patterns: config.appFiles, files: project.files };
  let read: ((file: string) => string) | undefined;
  if (selection?.staged) {
    const staged = await appStaged(app);
    if (!staged) return undefined;
    read = staged.read;
  } else if (selection && !(await appChangedSince(app, resolveSince(options.since, cwd, options.env)!, selection.base))) {
    return undefined;
  }
  return analyzeAppSource({ ...app, ...(read ? { read } : {}) });
}

/** Journal, snapshot-header, hash, git-base, lock and database facts, only when a history-integrity rule is on. */
async function historyFacts(options: LintOptions, project: Project, parsed: readonly MigrationInput[], settings: LintSettings, allRules: readonly Rule[], cwd: string, selection: Selection | undefined, replaced: ReadonlyMap<string, string> | undefined) {
  const { gatherHistoryFacts, attachStagedHead, HISTORY_RULES } = await import('./history-facts.js');
  // By id, not by hook: snapshot-drift reads these facts from checkMigration.
  const active = new Set(allRules.filter((r) => HISTORY_RULES.includes(r.id) && (settings.rules[r.id] ?? r.meta.defaultSeverity) !== 'off').map((r) => r.id));
  if (!HISTORY_RULES.some((id) => active.has(id))) return { facts: undefined, headRead: async () => undefined };
  const since = resolveSince(options.since, cwd, options.env);
  const facts = await gatherHistoryFacts({ project, cwd, active, inputs: parsed, since, mergeBase: selection?.base, databaseUrl: options.databaseUrl, staged: replaced });
  return { facts, headRead: () => attachStagedHead(facts, selection?.head, { since, active }) };
}

/** Read the newest snapshot only when a rule that checks it is on: snapshots can be megabytes. */
function latestSnapshot(project: Project, settings: LintSettings, allRules: readonly Rule[], cwd: string, integrity: HistoryFacts | undefined, read: TextReader) {
  const needed = allRules.some((r) => r.id === 'missing-create-type' && (settings.rules[r.id] ?? r.meta.defaultSeverity) !== 'off');
  const last = project.migrations[project.migrations.length - 1];
  if (!needed || !last?.snapshot || project.layout !== 'journal') return {};
  try {
    const path = last.snapshot;
    const text = read(path);
    // Parsed once for every snapshot rule (snapshot-drift reads the same file) when the history facts are there.
    const data = integrity ? () => integrity.readSnapshot(path) : undefined;
    return { latestSnapshot: { file: displayPath(path, cwd), text, migration: last.tag, ...(data ? { data } : {}) } };
  } catch (error) {
    // Listed in meta/, so refused or unreadable (a link to nothing too): an error, never a silent skip.
    if (isUsageError(error)) throw error;
    return {};
  }
}

/** Severities: rule defaults < config `rules` < `--rule` flags. */
function resolveSettings(options: LintOptions, config: LintConfig, allRules: readonly Rule[]): LintSettings {
  const known = new Set(allRules.map((r) => r.id));
  for (const id of Object.keys(options.rules ?? {})) {
    if (!known.has(id)) throw new UsageError(`--rule: unknown rule "${id}"${didYouMean(id, known)}`, 'run `migration-lint rules` for the list of rules');
  }
  return {
    pgVersion: options.pgVersion ?? config.pgVersion ?? DEFAULT_PG_VERSION,
    rules: { ...(config.rules ?? {}), ...(options.rules ?? {}) },
    knownTypes: config.knownTypes ?? [],
    extensions: config.extensions ?? [],
    schemas: config.schemas ?? [],
    recentTableDays: config.recentTableDays ?? DEFAULT_RECENT_TABLE_DAYS,
  };
}

function byLocation(parsed: readonly MigrationInput[]) {
  const order = new Map(parsed.map((m, i) => [m.file, i]));
  // Code-unit order, not localeCompare (~15 ms on a thousand findings): it only has to be stable.
  const text = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return (a: Finding, b: Finding) => (order.get(a.file) ?? -1) - (order.get(b.file) ?? -1) || text(a.file, b.file) || a.line - b.line || a.column - b.column || text(a.rule, b.rule);
}

/** A summary counted as findings go by (a run that streams them keeps none). */
export function countFindings(): { add(findings: readonly Finding[]): void; summary(migrations: number): LintSummary } {
  let errors = 0;
  let warnings = 0;
  const files = new Set<string>();
  return {
    add(findings) {
      for (const f of findings) {
        if (f.severity === 'error') errors++;
        else if (f.severity === 'warn') warnings++;
        files.add(f.file);
      }
    },
    summary: (migrations) => ({ errors, warnings, migrations, files: files.size }),
  };
}
