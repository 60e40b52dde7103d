import { readFileSync } from 'node:fs';
import { loadParser, parseMigration } from '../engine/parse.js';
import type { ParsedMigration } from '../engine/types.js';
import type { DrizzleConfig } from '../runner/drizzle-config.js';
import { UsageError } from '../runner/errors.js';
import { loadConfig, type LintConfig } from '../runner/config.js';
import { readFromDisk, resolveTarget, type Project } from '../runner/project.js';
import { resolveSince, selectSince } from '../runner/selection.js';

export interface LoadOptions {
  cwd: string;
  paths: string[];
  config?: string;
  since?: string;
  env?: NodeJS.ProcessEnv;
  /** Called with the migrations' texts once they are read, before they are parsed (verify starts its engine then). */
  onTexts?: (texts: string[], config: LintConfig) => void;
}

export interface LoadedHistory {
  project: Project;
  config?: DrizzleConfig;
  lintConfig: LintConfig;
  migrations: ParsedMigration[];
  /** Index of the first migration under review (seeding happens before it); 0 = all. */
  reviewFrom: number;
  /** Why reviewFrom is where it is: `all`, `--since origin/main`, `startAfter 0041_x`. */
  reviewReason: string;
  /** `"schema"."table"` parts of drizzle's bookkeeping table. */
  migrationsTable: { schema: string; table: string };
}

/**
 * The same target resolution as the lint command (a folder, SQL files, or drizzle.config `out`),
 * the same config (`startAfter`, `migrationsTable`) and the same --since selection.
 */
export async function loadHistory(options: LoadOptions): Promise<LoadedHistory> {
  const { cwd, paths } = options;
  // The same target resolution as the lint command.
  const target = await resolveTarget({ paths, config: options.config }, cwd);
  const project: Project = target.load(readFromDisk);
  const config: DrizzleConfig | undefined = target.config ?? project.config;
  const { ruleList } = await import('../rules/index.js');
  const { config: lintConfig } = await loadConfig(cwd, new Set(ruleList.map((r) => r.id)));
  // Files named: the migrations before the first are context, those after the last are not run.
  const named = project.migrations.flatMap((m, i) => (target.named?.includes(m.path) ? [i] : []));
  const applied = named.length > 0 ? project.migrations.slice(0, named[named.length - 1] + 1) : project.migrations;
  const texts = applied.map((m) => {
    try {
      return readFileSync(m.path).toString(); // as drizzle's migrator reads it (hash and chunks)
    } catch (error) {
      throw new UsageError(`${m.file}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
  });
  options.onTexts?.(texts, lintConfig);
  await loadParser();
  const migrations: ParsedMigration[] = [];
  let lastYield = performance.now();
  for (const [i, m] of applied.entries()) {
    migrations.push(parseMigration({ tag: m.tag, file: m.file, text: texts[i], idx: m.idx, when: m.when }));
    // A long history takes a second or more to parse: let a signal (Ctrl-C) be handled meanwhile.
    if (performance.now() - lastYield > 50) {
      await new Promise((resolve) => setImmediate(resolve));
      lastYield = performance.now();
    }
  }

  let reviewFrom = 0;
  let reviewReason = 'all migrations';
  if (lintConfig.startAfter) {
    const at = migrations.findIndex((m) => m.tag === lintConfig.startAfter);
    if (at < 0) throw new UsageError(`config startAfter: "${lintConfig.startAfter}" is not a migration of ${project.dir ?? 'the history'}`);
    reviewFrom = at + 1;
    reviewReason = `after startAfter ${lintConfig.startAfter}`;
  }
  const since = resolveSince(options.since, cwd, options.env ?? process.env);
  if (since !== undefined) {
    const selection = await selectSince(since, project.dir ?? cwd, cwd);
    const first = project.migrations.findIndex((m) => selection.files?.has(m.path));
    if (first < 0) {
      reviewFrom = migrations.length;
      reviewReason = `${selection.describe} (none)`;
    } else if (first >= reviewFrom) {
      reviewFrom = first;
      reviewReason = selection.describe;
    }
  }
  if (named.length > 0 && named[0] >= reviewFrom) {
    reviewFrom = named[0];
    reviewReason = `the files named (${named.map((i) => migrations[i].tag).join(', ')})`;
  }
  const migrationsTable = {
    schema: lintConfig.migrationsTable?.schema ?? config?.migrationsSchema ?? project.config?.migrationsSchema ?? 'drizzle',
    table: lintConfig.migrationsTable?.table ?? config?.migrationsTable ?? project.config?.migrationsTable ?? '__drizzle_migrations',
  };
  return { project, config: config ?? project.config, lintConfig, migrations, reviewFrom, reviewReason, migrationsTable };
}
