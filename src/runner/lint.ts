import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { runEngine } from '../engine/linter.js';
import { loadParser, parseMigration } from '../engine/parse.js';
import type { Finding, LintSettings, ParsedMigration, Rule, SchemaSourceFacts, SeveritySetting } from '../engine/types.js';
import type { SchemaState } from '../schema/model.js';
import type { MigrationInfo } from '../engine/types.js';
import { ruleList } from '../rules/index.js';
import { displayPath, findDrizzleConfig, readDrizzleConfig } from './drizzle-config.js';
import { UsageError } from './errors.js';
import { loadFiles, loadFolder, type Project } from './project.js';

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
  /** Git revision the change is compared with (`--since`): selection and hash-drift. */
  since?: string;
  /** Lint the staged content (git index) instead of the working tree (`--staged`). */
  staged?: boolean;
  /** Extra rules (plugins, tests). */
  extraRules?: readonly Rule[];
  /** Called after each migration with the replayed schema (snapshot comparison). */
  afterMigration?: (migration: MigrationInfo, state: Readonly<SchemaState>) => void;
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
}

export const DEFAULT_PG_VERSION = 16;

/** Lint a drizzle project, folder or SQL files. Throws UsageError for bad input (exit 2). */
export async function lint(options: LintOptions = {}): Promise<LintResult> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const allRules = [...ruleList, ...(options.extraRules ?? [])];
  const settings = resolveSettings(options, allRules);
  const project = resolveProject(options, cwd);
  await loadParser();

  const sources = new Map<string, string>();
  const parsed: ParsedMigration[] = project.migrations.map((m) => {
    const text = readMigration(m.path, m.file);
    sources.set(m.file, text);
    return parseMigration({ tag: m.tag, file: m.file, text, idx: m.idx, when: m.when });
  });

  const schemaSource = await readSchemaSource(project, settings, allRules, cwd);
  const { findings } = runEngine({
    schemaSource,
    migrations: parsed,
    rules: allRules,
    settings,
    folder: {
      layout: project.layout,
      ...(project.journal ? { journalFile: displayPath(project.journal.file, cwd) } : {}),
      problems: project.problems,
      ...latestSnapshot(project, settings, allRules, cwd),
    },
    afterMigration: options.afterMigration,
  });
  findings.sort(byLocation(parsed));
  return { findings, summary: summarize(findings, parsed.length), project, sources };
}

/**
 * The drizzle schema source is read only when a rule that needs it is on and the config names
 * `schema` (the parser for it is loaded lazily, so plain folder runs pay nothing).
 */
async function readSchemaSource(project: Project, settings: LintSettings, allRules: readonly Rule[], cwd: string): Promise<SchemaSourceFacts | undefined> {
  const config = project.config;
  if (!config || config.schema.length === 0) return undefined;
  const needed = allRules.some((r) => r.id === 'enum-not-exported' && (settings.rules[r.id] ?? r.meta.defaultSeverity) !== 'off');
  if (!needed) return undefined;
  const { analyzeSchemaSource } = await import('./schema-source.js');
  return analyzeSchemaSource({ file: config.file, schema: config.schema }, cwd);
}

/** Read the newest snapshot only when a rule that checks it is on: snapshots can be megabytes. */
function latestSnapshot(project: Project, settings: LintSettings, allRules: readonly Rule[], cwd: string) {
  const needed = allRules.some((r) => r.id === 'missing-create-type' && (settings.rules[r.id] ?? r.meta.defaultSeverity) !== 'off');
  const last = project.migrations[project.migrations.length - 1];
  if (!needed || !last?.snapshot || project.layout !== 'journal') return {};
  try {
    return { latestSnapshot: { file: displayPath(last.snapshot, cwd), text: readFileSync(last.snapshot, 'utf8'), migration: last.tag } };
  } catch {
    return {};
  }
}

function resolveSettings(options: LintOptions, allRules: readonly Rule[]): LintSettings {
  const known = new Set(allRules.map((r) => r.id));
  for (const id of Object.keys(options.rules ?? {})) {
    if (!known.has(id)) throw new UsageError(`unknown rule "${id}"`, 'run `migration-lint --help` for the list of rules');
  }
  return { pgVersion: options.pgVersion ?? DEFAULT_PG_VERSION, rules: { ...(options.rules ?? {}) } };
}

function resolveProject(options: LintOptions, cwd: string): Project {
  const paths = options.paths ?? [];
  if (paths.length > 0) {
    const sqlFiles = paths.filter((p) => p.endsWith('.sql') || isFile(resolve(cwd, p)));
    if (sqlFiles.length === paths.length) return loadFiles(paths, cwd);
    if (paths.length > 1) throw new UsageError('pass one migrations folder, or any number of .sql files, not both');
    const config = options.config ? readDrizzleConfig(resolve(cwd, options.config)) : undefined;
    return loadFolder(paths[0], cwd, config);
  }
  const configFile = options.config ? resolve(cwd, options.config) : findDrizzleConfig(cwd);
  if (!configFile) {
    throw new UsageError(`no drizzle.config.{ts,mts,js,mjs,cjs,json} in ${cwd}`, 'run it where drizzle.config.ts is, pass --config path/to/drizzle.config.ts, or pass the migrations folder');
  }
  const config = readDrizzleConfig(configFile);
  return loadFolder(config.out, cwd, config);
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function readMigration(path: string, shown: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`${shown}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

function byLocation(parsed: ParsedMigration[]) {
  const order = new Map(parsed.map((m, i) => [m.file, i]));
  return (a: Finding, b: Finding) =>
    (order.get(a.file) ?? -1) - (order.get(b.file) ?? -1) || a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.rule.localeCompare(b.rule);
}

export function summarize(findings: Finding[], migrations: number): LintSummary {
  return {
    errors: findings.filter((f) => f.severity === 'error').length,
    warnings: findings.filter((f) => f.severity === 'warn').length,
    migrations,
    files: new Set(findings.map((f) => f.file)).size,
  };
}
