import { existsSync, readFileSync, statSync, type Dirent } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { isUsageError, UsageError } from './errors.js';
import { displayPath, findDrizzleConfig, readDrizzleConfig, type DrizzleConfig } from './drizzle-config.js';
import type { FolderProblem } from '../engine/types.js';
import { isDirectory, isFile } from './file-kind.js';
import { LineIndex } from '../engine/source.js';
import { DEFAULT_MAX_FILE_BYTES, ProjectFiles } from './files.js';

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
  /** What is read of the project, and how much of each file (see files.ts). */
  files: ProjectFiles;
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

/**
 * A JSON file (a snapshot) through a reader, or undefined when it is not there or not JSON. A
 * file that is there but cannot be read, or is refused, is an error: never taken for a missing one.
 */
export function readJson(read: TextReader, file: string): unknown {
  let text: string;
  try {
    text = read(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Load a migrations folder of any layout. */
export function loadFolder(dir: string, cwd: string, config: DrizzleConfig | undefined, read: TextReader, files: ProjectFiles): Project {
  const absolute = resolve(cwd, dir);
  let stat;
  try {
    stat = statSync(absolute);
  } catch {
    const where = config ? ` (\`out\` in ${displayPath(config.file, cwd)})` : '';
    throw new UsageError(`${displayPath(absolute, cwd)}: migrations folder not found${where}`, 'run drizzle-kit generate first, or pass the folder that holds meta/_journal.json');
  }
  if (!stat.isDirectory()) throw new UsageError(`${displayPath(absolute, cwd)}: not a folder`);
  files.folderInside(absolute);
  // Only "no such file" is absence: a meta/ that cannot be read is an error, not a folder of loose SQL files.
  const journalFile = join(absolute, 'meta', '_journal.json');
  if (files.exists(journalFile)) return loadJournalFolder(absolute, journalFile, cwd, config, read, files);
  const entries = files.list(absolute);
  const folders = entries.filter((e) => /^\d{14}_/.test(e.name) && files.exists(join(absolute, e.name, 'migration.sql'))).map((e) => e.name);
  if (folders.length > 0) return loadV1Folder(absolute, folders.sort(), cwd, config, files);
  const sqlFiles = entries.filter((e) => e.name.endsWith('.sql') && !isRollbackFile(e.name)).map((e) => join(absolute, e.name));
  if (sqlFiles.length > 0) return loadFiles(sqlFiles, cwd, files, absolute);
  throw new UsageError(
    `${displayPath(absolute, cwd)}: no migrations here (no meta/_journal.json, no <timestamp>_<name>/migration.sql, no .sql files)`,
    'pass the folder drizzle-kit generates into (`out` in drizzle.config)',
  );
}

/** Loose SQL files: linted in name order (numbers by value: `V2__` before `V10__`) as one history. */
export function loadFiles(paths: string[], cwd: string, files: ProjectFiles, dir?: string): Project {
  const problems: FolderProblem[] = [];
  const migrations = paths
    .map((p) => resolve(cwd, p))
    .sort((a, b) => naturalCompare(basename(a), basename(b)) || (a < b ? -1 : a > b ? 1 : 0))
    .map((path) => ({ tag: basename(path, '.sql'), path, file: displayPath(path, cwd) }))
    .filter((m) => {
      if (!files.exists(m.path)) throw new UsageError(`${m.file}: file not found`);
      return !refused(files, m.path, undefined, problems, { file: m.file, tag: m.tag });
    });
  return { layout: 'files', dir, migrations, problems, files };
}

/**
 * A migration file migration-lint does not read (a link out of the project, not a regular file,
 * too large): a problem, reported as a finding, and the rest of the history is linted.
 */
function refused(files: ProjectFiles, path: string, entry: Dirent | undefined, problems: FolderProblem[], where: Pick<FolderProblem, 'file' | 'tag' | 'line'>): boolean {
  const reason = files.refusal(path, entry);
  if (reason === undefined) return false;
  problems.push({ kind: 'refused-file', ...where, reason });
  return true;
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

function loadJournalFolder(dir: string, journalFile: string, cwd: string, config: DrizzleConfig | undefined, read: TextReader, files: ProjectFiles): Project {
  files.folderInside(join(dir, 'meta'));
  const journal = readJournal(journalFile, cwd, read);
  const journalDisplay = displayPath(journalFile, cwd);
  const journalText = read(journalFile);
  const metaFiles = new Set(files.list(join(dir, 'meta')).map((e) => e.name));
  // One listing instead of a stat per entry. Anything else (another case on a case-insensitive
  // disk) is still asked for by path.
  const entries = files.list(dir);
  const dirFiles = entries.map((e) => e.name);
  const listed = new Map(entries.map((e) => [e.name, e]));
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
    const listing = listed.get(`${entry.tag}.sql`);
    if (!listing && !files.exists(path)) {
      problems.push({ kind: 'missing-file', file: journalDisplay, tag: entry.tag, line });
      continue;
    }
    const file = displayPath(path, cwd);
    if (refused(files, path, listing, problems, { file, tag: entry.tag })) continue;
    const prefix = entry.tag.split('_')[0];
    const snapshotName = `${prefix}${SNAPSHOT_SUFFIX}`;
    migrations.push({
      tag: entry.tag,
      path,
      file,
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
  return { layout: 'journal', dir, config, journal, migrations, problems, files };
}

function loadV1Folder(dir: string, folders: string[], cwd: string, config: DrizzleConfig | undefined, files: ProjectFiles): Project {
  const problems: FolderProblem[] = [];
  const migrations: MigrationFile[] = [];
  for (const name of folders) {
    const path = join(dir, name, 'migration.sql');
    const snapshot = join(dir, name, 'snapshot.json');
    const file = displayPath(path, cwd);
    if (refused(files, path, undefined, problems, { file, tag: name })) continue;
    const ts = name.slice(0, 14);
    const when = Date.UTC(+ts.slice(0, 4), +ts.slice(4, 6) - 1, +ts.slice(6, 8), +ts.slice(8, 10), +ts.slice(10, 12), +ts.slice(12, 14));
    migrations.push({ tag: name, path, file, when, ...(files.exists(snapshot) ? { snapshot } : {}) });
  }
  return { layout: 'folders', dir, config, migrations, problems, files };
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
    // Refused, or unreadable: the reader's error says so, naming the file.
    if (isUsageError(error)) throw error;
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
  /** What may be read of the project around it, and how much (see files.ts). */
  files: ProjectFiles;
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

/**
 * Where the migrations are (resolved before reading, so --staged can read them from the index),
 * and the project around them: the git repository they are in, else the folder linted (the
 * working directory, with a drizzle config). Nothing outside it is read, and no file larger than
 * `maxBytes`.
 */
export async function resolveTarget(options: { paths?: string[]; config?: string }, cwd: string, { maxBytes = DEFAULT_MAX_FILE_BYTES }: { maxBytes?: number } = {}): Promise<Target> {
  const paths = options.paths ?? [];
  const around = (anchor: string) => ProjectFiles.around(anchor, cwd, maxBytes);
  if (paths.length > 0) {
    // A config named beside a folder or files is read in its own project.
    const config = async () => (options.config ? await readDrizzleConfig(resolve(cwd, options.config), cwd, around(dirname(resolve(cwd, options.config)))) : undefined);
    if (allSqlFiles(paths, cwd)) {
      const named = paths.map((p) => resolve(cwd, p));
      const folders = new Set(named.map((f) => migrationsFolderOf(f) ?? ''));
      if (folders.size > 1) throw new UsageError('these files are in different migrations folders: lint each folder\'s files in a run of their own');
      const [dir] = folders;
      if (!dir) {
        const files = around(dirname(named[0]));
        return { loose: named, files, load: () => loadFiles(paths, cwd, files) };
      }
      for (const [i, file] of named.entries()) if (!isFile(file)) throw new UsageError(`${paths[i]}: file not found`);
      const files = around(dir);
      const drizzle = await config();
      return { dir, config: drizzle, named, files, load: (read) => loadFolder(dir, cwd, drizzle, read, files) };
    }
    if (paths.length > 1) throw new UsageError('pass migrations folders, or .sql files, not both');
    const files = around(resolve(cwd, paths[0]));
    const drizzle = await config();
    return { dir: resolve(cwd, paths[0]), config: drizzle, files, load: (read) => loadFolder(paths[0], cwd, drizzle, read, files) };
  }
  const configFile = options.config ? resolve(cwd, options.config) : findDrizzleConfig(cwd);
  if (!configFile) {
    throw new UsageError(`no drizzle.config.{ts,mts,js,mjs,cjs,json} in ${cwd}`, 'run it where drizzle.config.ts is, pass --config path/to/drizzle.config.ts, or pass the migrations folder');
  }
  // The project is the config's (a monorepo package's config, named from elsewhere, is in its own repository).
  const files = around(dirname(configFile));
  const config = await readDrizzleConfig(configFile, cwd, files);
  return { dir: config.out, config, files, load: (read) => loadFolder(config.out, cwd, config, read, files) };
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

