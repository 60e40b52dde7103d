import { existsSync, readdirSync, readFileSync, statSync, type Dirent } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { UsageError } from './errors.js';
import { displayPath, findDrizzleConfig, readDrizzleConfig, type DrizzleConfig } from './drizzle-config.js';
import type { FolderProblem } from '../engine/types.js';
import { isDirectory, isFile } from './file-kind.js';
import { LineIndex } from '../engine/source.js';

export interface JournalEntry {
  idx: number;
  version: string;
  when: number;
  tag: string;
  breakpoints: boolean;
  /** 1-based line of the entry's `"tag": "…"` in the journal text (set when a folder is loaded). */
  line?: number;
}

export interface Journal {
  /** Absolute path of `meta/_journal.json`. */
  file: string;
  version: string;
  dialect: string;
  entries: JournalEntry[];
}

/**
 * `journal`: drizzle-kit 0.x (`meta/_journal.json`, `<tag>.sql`, `meta/<prefix>_snapshot.json`).
 * `folders`: drizzle-kit 1.0 (`<timestamp>_<name>/migration.sql` + `snapshot.json`, no journal).
 * `files`: plain SQL files named on the command line, linted in name order as one history.
 */
export type Layout = 'journal' | 'folders' | 'files';

export interface MigrationFile {
  tag: string;
  /** Absolute path. */
  path: string;
  /** Path for messages. */
  file: string;
  idx?: number;
  when?: number;
  /** Absolute path of its snapshot, when the layout has one and it exists. */
  snapshot?: string;
}

export interface Project {
  layout: Layout;
  /** Absolute migrations folder (undefined for loose files). */
  dir?: string;
  config?: DrizzleConfig;
  journal?: Journal;
  migrations: MigrationFile[];
  problems: FolderProblem[];
}

const SNAPSHOT_SUFFIX = '_snapshot.json';

/**
 * `<tag>.down.sql`, a rollback `migration-lint down --write` drafts: never a migration (drizzle's
 * migrator runs journal entries only), so a team may keep them beside the migrations.
 */
export function isRollbackFile(name: string): boolean {
  return name.endsWith('.down.sql');
}

/** Reads a file's text: the working tree by default, the git index for --staged. */
export type TextReader = (absolutePath: string) => string;

export const readFromDisk: TextReader = (path) => readFileSync(path, 'utf8');

/** A JSON file (a snapshot) through a reader, or undefined when it cannot be read or parsed. */
export function readJson(read: TextReader, file: string): unknown {
  try {
    return JSON.parse(read(file));
  } catch {
    return undefined;
  }
}

/** Load a migrations folder of any layout. */
export function loadFolder(dir: string, cwd: string, config?: DrizzleConfig, read: TextReader = readFromDisk): Project {
  const absolute = resolve(cwd, dir);
  let stat;
  try {
    stat = statSync(absolute);
  } catch {
    const where = config ? ` (\`out\` in ${displayPath(config.file, cwd)})` : '';
    throw new UsageError(`${displayPath(absolute, cwd)}: migrations folder not found${where}`, 'run drizzle-kit generate first, or pass the folder that holds meta/_journal.json');
  }
  if (!stat.isDirectory()) throw new UsageError(`${displayPath(absolute, cwd)}: not a folder`);
  const journalFile = join(absolute, 'meta', '_journal.json');
  if (existsSync(journalFile)) return loadJournalFolder(absolute, journalFile, cwd, config, read);
  const folders = listEntries(absolute, cwd).filter((name) => /^\d{14}_/.test(name) && existsSync(join(absolute, name, 'migration.sql')));
  if (folders.length > 0) return loadV1Folder(absolute, folders.sort(), cwd, config);
  const sqlFiles = listEntries(absolute, cwd).filter((n) => n.endsWith('.sql') && !isRollbackFile(n));
  if (sqlFiles.length > 0) return loadFiles(sqlFiles.map((n) => join(absolute, n)), cwd, absolute);
  throw new UsageError(
    `${displayPath(absolute, cwd)}: no migrations here (no meta/_journal.json, no <timestamp>_<name>/migration.sql, no .sql files)`,
    'pass the folder drizzle-kit generates into (`out` in drizzle.config)',
  );
}

/** Loose SQL files: linted in name order (numbers by value: `V2__` before `V10__`) as one history. */
export function loadFiles(paths: string[], cwd: string, dir?: string): Project {
  const migrations = paths
    .map((p) => resolve(cwd, p))
    .sort((a, b) => naturalCompare(basename(a), basename(b)) || (a < b ? -1 : a > b ? 1 : 0))
    .map((path) => ({ tag: basename(path, '.sql'), path, file: displayPath(path, cwd) }));
  for (const m of migrations) {
    if (!existsSync(m.path)) throw new UsageError(`${m.file}: file not found`);
  }
  return { layout: 'files', dir, migrations, problems: [] };
}

/**
 * Name order with runs of digits compared by value (`V2__x` < `V10__x`, `9_a` < `10_a`), the rest
 * by code unit: Flyway-style and unpadded numbering sort as they were meant to, and zero-padded
 * names (drizzle-kit's) keep their plain order. Equal values with different zeros (`01` and `1`)
 * fall back to the shorter run first.
 */
export function naturalCompare(a: string, b: string): number {
  const runs = /(\d+)|(\D+)/g;
  const left = a.match(runs) ?? [];
  const right = b.match(runs) ?? [];
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const x = left[i];
    const y = right[i];
    if (x === y) continue;
    const xDigits = x.charCodeAt(0) >= 48 && x.charCodeAt(0) <= 57;
    const yDigits = y.charCodeAt(0) >= 48 && y.charCodeAt(0) <= 57;
    if (xDigits && yDigits) {
      const xv = x.replace(/^0+(?=\d)/, '');
      const yv = y.replace(/^0+(?=\d)/, '');
      if (xv.length !== yv.length) return xv.length - yv.length;
      if (xv !== yv) return xv < yv ? -1 : 1;
      if (x.length !== y.length) return x.length - y.length;
      continue;
    }
    return x < y ? -1 : 1;
  }
  return left.length - right.length;
}

function listEntries(dir: string, cwd: string): string[] {
  try {
    return readdirSync(dir);
  } catch (error) {
    throw new UsageError(`${displayPath(dir, cwd)}: cannot read folder (${(error as NodeJS.ErrnoException).code})`);
  }
}

function loadJournalFolder(dir: string, journalFile: string, cwd: string, config: DrizzleConfig | undefined, read: TextReader): Project {
  const journal = readJournal(journalFile, cwd, read);
  const journalDisplay = displayPath(journalFile, cwd);
  const journalText = read(journalFile);
  const metaFiles = new Set(safeList(join(dir, 'meta')));
  // One listing instead of a stat per entry. Anything else (a symlink, another case on a
  // case-insensitive disk) is still asked for by path.
  const entries = safeListTyped(dir);
  const dirFiles = entries.map((e) => e.name);
  const listed = new Set(entries.filter((e) => e.isFile()).map((e) => e.name));
  const problems: FolderProblem[] = [];
  const migrations: MigrationFile[] = [];
  const inJournal = new Set<string>();
  const tagLines = journalTagLines(journalText);
  // Safe tags hold no separator: plain concatenation is join()'s result, without its work per entry.
  const inDir = dir.endsWith(sep) ? dir : dir + sep;
  const inMeta = join(dir, 'meta') + sep;
  for (const entry of journal.entries) {
    const line = tagLines.get(entry.tag);
    if (line !== undefined) entry.line = line;
    if (!isSafeTag(entry.tag)) {
      // A tag like `../../etc/passwd` would make us read outside the migrations folder: refuse it.
      problems.push({ kind: 'unsafe-tag', file: journalDisplay, tag: entry.tag, line });
      continue;
    }
    inJournal.add(`${entry.tag}.sql`);
    const path = `${inDir}${entry.tag}.sql`;
    if (!listed.has(`${entry.tag}.sql`) && !existsSync(path)) {
      problems.push({ kind: 'missing-file', file: journalDisplay, tag: entry.tag, line });
      continue;
    }
    const prefix = entry.tag.split('_')[0];
    const snapshotName = `${prefix}${SNAPSHOT_SUFFIX}`;
    migrations.push({
      tag: entry.tag,
      path,
      file: displayPath(path, cwd),
      idx: entry.idx,
      when: entry.when,
      ...(metaFiles.has(snapshotName) ? { snapshot: inMeta + snapshotName } : {}),
    });
  }
  for (const name of dirFiles.sort()) {
    if (name.endsWith('.sql') && !inJournal.has(name) && !isRollbackFile(name)) {
      problems.push({ kind: 'orphan-file', file: displayPath(join(dir, name), cwd), tag: name.slice(0, -4) });
    }
  }
  return { layout: 'journal', dir, config, journal, migrations, problems };
}

function loadV1Folder(dir: string, folders: string[], cwd: string, config?: DrizzleConfig): Project {
  const migrations = folders.map((name) => {
    const path = join(dir, name, 'migration.sql');
    const snapshot = join(dir, name, 'snapshot.json');
    const ts = name.slice(0, 14);
    const when = Date.UTC(+ts.slice(0, 4), +ts.slice(4, 6) - 1, +ts.slice(6, 8), +ts.slice(8, 10), +ts.slice(10, 12), +ts.slice(12, 14));
    return { tag: name, path, file: displayPath(path, cwd), when, ...(existsSync(snapshot) ? { snapshot } : {}) };
  });
  return { layout: 'folders', dir, config, migrations, problems: [] };
}

function safeList(dir: string): string[] {
  return safeListTyped(dir).map((e) => e.name);
}

function safeListTyped(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

function isSafeTag(tag: string): boolean {
  return tag.length > 0 && !tag.includes('/') && !tag.includes('\\') && !tag.includes('\0') && tag !== '.' && tag !== '..' && !tag.includes(sep);
}

/** 1-based line of each entry's `"tag": "…"` in the journal text (the first, when a tag repeats). */
function journalTagLines(text: string): Map<string, number> {
  const lines = new LineIndex(text);
  const out = new Map<string, number>();
  for (const m of text.matchAll(/"tag"\s*:\s*("(?:[^"\\\n]|\\.)*")/g)) {
    let tag: string;
    try {
      tag = JSON.parse(m[1]) as string;
    } catch {
      continue; // not a plain string
    }
    if (!out.has(tag)) out.set(tag, lines.position(m.index).line);
  }
  return out;
}

/** Read and validate `meta/_journal.json`; a malformed journal is a usage error (exit 2). */
export function readJournal(file: string, cwd: string, read: TextReader = readFromDisk): Journal {
  const shown = displayPath(file, cwd);
  let json: unknown;
  try {
    json = JSON.parse(read(file));
  } catch (error) {
    const reason = error instanceof SyntaxError ? `not valid JSON (${error.message})` : `cannot read (${(error as NodeJS.ErrnoException).code})`;
    throw new UsageError(`${shown}: ${reason}`);
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new UsageError(`${shown}: expected an object with "version", "dialect" and "entries"`);
  const j = json as Record<string, unknown>;
  if (!Array.isArray(j.entries)) throw new UsageError(`${shown}: "entries" is missing or not an array`);
  // Scalars only: String() of an object is "[object Object]", of ["7"] is "7", and throws for
  // {"toString":1}; drizzle-kit writes strings.
  const version = scalarText(j.version);
  if (version === undefined) throw new UsageError(`${shown}: journal version is ${jsonKind(j.version)}, not a string (expected "5", "6" or "7")`, 'repair the journal from version control');
  if (!['5', '6', '7'].includes(version)) {
    throw new UsageError(`${shown}: journal version "${version}" is not supported (expected 5, 6 or 7)`, 'run drizzle-kit up, or upgrade migration-lint');
  }
  const dialect = scalarText(j.dialect);
  if (dialect !== 'pg' && dialect !== 'postgresql') {
    throw new UsageError(`${shown}: ${dialect === undefined ? `dialect is ${jsonKind(j.dialect)}, not "postgresql"` : `dialect "${dialect}" is not PostgreSQL`}; migration-lint lints PostgreSQL migrations`);
  }
  const entries = j.entries.map((raw, i): JournalEntry => {
    const e = raw as Record<string, unknown>;
    if (!e || typeof e !== 'object') throw new UsageError(`${shown}: entry ${i} is not an object`);
    if (typeof e.tag !== 'string') throw new UsageError(`${shown}: entry ${i} has no string "tag"`);
    const when = Number(scalarText(e.when));
    if (!Number.isFinite(when)) throw new UsageError(`${shown}: entry ${i} (${e.tag}) has no numeric "when"`);
    return { idx: e.idx === undefined ? i : Number(scalarText(e.idx)), version: scalarText(e.version) ?? version, when, tag: e.tag, breakpoints: e.breakpoints !== false };
  });
  return { file, version, dialect, entries };
}

/** A JSON string, number or boolean as text; undefined for anything else. */
function scalarText(value: unknown): string | undefined {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
}

function jsonKind(value: unknown): string {
  return value === undefined ? 'missing' : value === null ? 'null' : Array.isArray(value) ? 'an array' : `an ${typeof value}`;
}

/** What a run points at: a migrations folder (and the drizzle config naming it), or loose SQL files. */
export interface Target {
  dir?: string;
  config?: DrizzleConfig;
  /**
   * Files named on the command line that lie in a drizzle migrations folder (absolute): the
   * folder's history is linted as their context, and only they are reported on.
   */
  named?: string[];
  /** SQL files named on the command line that are in no drizzle migrations folder: linted alone, as their own history. */
  loose?: string[];
  /** Load it, reading files with `read` (the working tree, or the git index for --staged). */
  load: (read: TextReader) => Project;
}

/**
 * The drizzle migrations folder holding a migration file: `<dir>/<tag>.sql` beside
 * `<dir>/meta/_journal.json` (drizzle-kit 0.x), or `<dir>/<timestamp>_<name>/migration.sql`
 * (1.0), and their journal and snapshots; undefined for a file in neither.
 */
export function migrationsFolderOf(file: string): string | undefined {
  const dir = dirname(file);
  if (existsSync(join(dir, 'meta', '_journal.json'))) return dir;
  // The journal or a snapshot (lint-staged passes them too): their folder's findings on them.
  if (basename(dir) === 'meta' && file.endsWith('.json') && existsSync(join(dir, '_journal.json'))) return dirname(dir);
  if ((basename(file) === 'migration.sql' || basename(file) === 'snapshot.json') && /^\d{14}_/.test(basename(dir))) return dirname(dir);
  return undefined;
}

/** Paths that are SQL files (by name, or files of any name), not folders. */
function allSqlFiles(paths: readonly string[], cwd: string): boolean {
  return paths.every((p) => p.endsWith('.sql') || isFile(resolve(cwd, p)));
}

/** Where the migrations are (resolved before reading, so --staged can read them from the index). */
export async function resolveTarget(options: { paths?: string[]; config?: string }, cwd: string): Promise<Target> {
  const paths = options.paths ?? [];
  if (paths.length > 0) {
    const config = async () => (options.config ? await readDrizzleConfig(resolve(cwd, options.config), cwd) : undefined);
    if (allSqlFiles(paths, cwd)) {
      const files = paths.map((p) => resolve(cwd, p));
      const folders = new Set(files.map((f) => migrationsFolderOf(f) ?? ''));
      if (folders.size > 1) throw new UsageError('these files are in different migrations folders: lint each folder\'s files in a run of their own');
      const [dir] = folders;
      if (!dir) return { loose: files, load: () => loadFiles(paths, cwd) };
      for (const [i, file] of files.entries()) if (!isFile(file)) throw new UsageError(`${paths[i]}: file not found`);
      const drizzle = await config();
      return { dir, config: drizzle, named: files, load: (read) => loadFolder(dir, cwd, drizzle, read) };
    }
    if (paths.length > 1) throw new UsageError('pass migrations folders, or .sql files, not both');
    const drizzle = await config();
    return { dir: resolve(cwd, paths[0]), config: drizzle, load: (read) => loadFolder(paths[0], cwd, drizzle, read) };
  }
  const configFile = options.config ? resolve(cwd, options.config) : findDrizzleConfig(cwd);
  if (!configFile) {
    throw new UsageError(`no drizzle.config.{ts,mts,js,mjs,cjs,json} in ${cwd}`, 'run it where drizzle.config.ts is, pass --config path/to/drizzle.config.ts, or pass the migrations folder');
  }
  const config = await readDrizzleConfig(configFile, cwd);
  return { dir: config.out, config, load: (read) => loadFolder(config.out, cwd, config, read) };
}

/**
 * The separate histories a command line names: several migrations folders (a monorepo's
 * packages) are linted one by one in the same process; one folder is one history. SQL files are
 * grouped by the migrations folder they lie in (each group is linted with its folder's history),
 * and those in none form one history of their own, in the order first named.
 */
export function historiesOf(paths: readonly string[], cwd: string): (string[] | undefined)[] {
  if (paths.length === 0) return [undefined];
  if (paths.length > 1 && paths.every((p) => isDirectory(resolve(cwd, p)))) return paths.map((p) => [p]);
  if (!allSqlFiles(paths, cwd)) return [[...paths]];
  const groups = new Map<string, string[]>();
  for (const p of paths) {
    const folder = migrationsFolderOf(resolve(cwd, p)) ?? '';
    const group = groups.get(folder);
    if (group) group.push(p);
    else groups.set(folder, [p]);
  }
  return [...groups.values()];
}

