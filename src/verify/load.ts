import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadParser, parseMigration } from '../engine/parse.js';
import type { ParsedMigration } from '../engine/types.js';
import { findDrizzleConfig, readDrizzleConfig, type DrizzleConfig } from '../runner/drizzle-config.js';
import { UsageError } from '../runner/errors.js';
import { loadConfig, type LintConfig } from '../runner/config.js';
import { loadFiles, loadFolder, type Project } from '../runner/project.js';
import { resolveSince, selectSince } from '../runner/selection.js';

export interface LoadOptions {
  cwd: string;
  paths: string[];
  config?: string;
  since?: string;
  env?: NodeJS.ProcessEnv;
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
  let project: Project;
  let config: DrizzleConfig | undefined;
  if (paths.length > 0) {
    const files = paths.filter((p) => p.endsWith('.sql') || isFile(resolve(cwd, p)));
    if (files.length === paths.length) project = loadFiles(paths, cwd);
    else {
      if (paths.length > 1) throw new UsageError('pass one migrations folder, or any number of .sql files, not both');
      config = options.config ? readDrizzleConfig(resolve(cwd, options.config)) : undefined;
      project = loadFolder(paths[0], cwd, config);
    }
  } else {
    const configFile = options.config ? resolve(cwd, options.config) : findDrizzleConfig(cwd);
    if (!configFile) throw new UsageError(`no drizzle.config.{ts,mts,js,mjs,cjs,json} in ${cwd}`, 'run it where drizzle.config.ts is, pass --config path/to/drizzle.config.ts, or pass the migrations folder');
    config = readDrizzleConfig(configFile);
    project = loadFolder(config.out, cwd, config);
  }
  const { ruleList } = await import('../rules/index.js');
  const { config: lintConfig } = await loadConfig(cwd, new Set(ruleList.map((r) => r.id)));
  await loadParser();
  const migrations = project.migrations.map((m) => {
    let text: string;
    try {
      text = readFileSync(m.path).toString(); // as drizzle's migrator reads it (hash and chunks)
    } catch (error) {
      throw new UsageError(`${m.file}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    return parseMigration({ tag: m.tag, file: m.file, text, idx: m.idx, when: m.when });
  });

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
    const selection = selectSince(since, project.dir ?? cwd, cwd);
    const first = project.migrations.findIndex((m) => selection.files?.has(m.path));
    if (first < 0) {
      reviewFrom = migrations.length;
      reviewReason = `${selection.describe} (none)`;
    } else if (first >= reviewFrom) {
      reviewFrom = first;
      reviewReason = selection.describe;
    }
  }
  const migrationsTable = {
    schema: lintConfig.migrationsTable?.schema ?? config?.migrationsSchema ?? project.config?.migrationsSchema ?? 'drizzle',
    table: lintConfig.migrationsTable?.table ?? config?.migrationsTable ?? project.config?.migrationsTable ?? '__drizzle_migrations',
  };
  return { project, config: config ?? project.config, lintConfig, migrations, reviewFrom, reviewReason, migrationsTable };
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
