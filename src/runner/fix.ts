import { closeSync, fsyncSync, lstatSync, openSync, readFileSync, realpathSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { applyEdits, overlaps } from '../engine/fixes.js';
import type { Edit, Finding } from '../engine/types.js';
import { appliedRecords, type AppliedRecords } from './applied.js';
import { UsageError } from './errors.js';
import { lint, type LintOptions, type LintResult } from './lint.js';
import type { Project } from './project.js';

/**
 * `--fix` and `--fix-dry-run`: the findings' fixes applied, in passes, ESLint's way. Each pass lints
 * the history as fixed so far (in memory: the files are written once, at the end), takes the
 * earliest migration that has fixes the run may apply, applies those that do not overlap, and goes
 * again: a later migration is fixed against the schema the earlier fixes made, and a fix that
 * makes another one unnecessary (a type created once) is not applied twice. It stops when no fix
 * is left (or after MAX_PASSES: a fix that keeps applying is a bug, said so).
 *
 * A fix is applied only when every file it edits is the linter's to write: a migration's SQL, its
 * snapshot or the journal, inside the migrations folder, a regular file (not a symlink), valid
 * UTF-8, unchanged since it was read, and belonging to a migration no record says was applied
 * (applied.ts). Otherwise the fix is refused, with the reason.
 */

export const MAX_PASSES = 50;

export interface FileChange {
  /** Absolute path, and the path as findings show it. */
  path: string;
  file: string;
  before: string;
  after: string;
}

export interface Refusal {
  finding: Finding;
  reason: string;
}

export interface FixOutcome {
  /** Files the fixes change, in the order they were first changed. */
  changes: FileChange[];
  /** Fixes not applied, and why (one per finding). */
  refused: Refusal[];
  /** Fixes applied. */
  applied: number;
  /** False when fixes were still being applied after MAX_PASSES. */
  converged: boolean;
  /** The fixed texts by absolute path (lint with them as `overlay` to see what is left). */
  overlay: ReadonlyMap<string, string>;
}

export async function fixHistory(options: LintOptions): Promise<FixOutcome> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const overlay = new Map<string, string>();
  const originals = new Map<string, string>();
  let refused = new Map<string, Refusal>();
  let records: AppliedRecords | undefined;
  let applied = 0;
  let converged = false;
  // Fixes undone because the SQL they made no longer produced its snapshot (or did not parse).
  const blocked = new Map<string, Refusal>();
  let last: Pass | undefined;
  let oneAtATime = false;
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const result = await lint({ ...options, cwd, overlay, cache: undefined, onFindings: undefined, explainSkips: false, progress: undefined });
    records ??= await appliedRecords({ project: result.project, cwd, since: options.since, staged: options.staged, env: options.env, database: await databaseRows(options, result.project) });
    // On a full run snapshot-drift reports at the newest migration, traced to where a difference began: count them all.
    const broken = result.findings.filter((f) => f.rule === 'snapshot-drift' || f.rule === 'parse-error').length;
    if (last && broken > last.broken) {
      // Fail closed: undo the last pass, and keep its fixes out.
      for (const [path, text] of last.before) {
        if (text === undefined) overlay.delete(path);
        else overlay.set(path, text);
      }
      // One fix: it is the culprit. Several: from now on one fix a pass, to find which.
      if (last.fixed.length === 1) blocked.set(findingKey(last.fixed[0]), { finding: last.fixed[0], reason: 'the fixed migration would no longer agree with its snapshot (snapshot-drift) or parse: not applied (please report it)' });
      else oneAtATime = true;
      applied -= last.fixed.length;
      last = undefined;
      continue;
    }
    const position = new Map(result.project.migrations.map((m, i) => [m.tag, i]));
    // The refusals of the last pass: a fix refused earlier and made moot since is not listed.
    refused = new Map();
    const ready: Finding[] = [];
    for (const f of result.findings) {
      if (!f.fix || f.fix.edits.length === 0) continue;
      const reason = blocked.get(findingKey(f))?.reason ?? refusal(f, result, records, cwd, overlay);
      if (reason) refused.set(findingKey(f), { finding: f, reason });
      else ready.push(f);
    }
    if (ready.length === 0) {
      converged = true;
      break;
    }
    const first = Math.min(...ready.map((f) => position.get(f.migration) ?? Number.MAX_SAFE_INTEGER));
    const chosen: Edit[] = [];
    const fixed: Finding[] = [];
    for (const f of ready) {
      if ((position.get(f.migration) ?? Number.MAX_SAFE_INTEGER) !== first || (oneAtATime && fixed.length > 0)) continue;
      const edits = f.fix!.edits.filter((e) => !chosen.some((c) => sameEdit(c, e)));
      if (edits.some((e) => chosen.some((c) => overlaps(c, e)))) continue; // the next pass
      chosen.push(...edits);
      fixed.push(f);
      applied++;
    }
    last = { fixed, broken, before: new Map() };
    const byFile = new Map<string, Edit[]>();
    for (const e of chosen) byFile.set(e.file, [...(byFile.get(e.file) ?? []), e]);
    for (const [file, edits] of byFile) {
      const path = resolve(cwd, file);
      const text = overlay.get(path) ?? result.textOf(path);
      if (!originals.has(path)) originals.set(path, text);
      last.before.set(path, overlay.get(path));
      overlay.set(path, applyEdits(text, edits));
    }
  }
  const changes = [...overlay]
    .filter(([path, after]) => originals.get(path) !== after)
    .map(([path, after]) => ({ path, file: displayFile(path, cwd), before: originals.get(path)!, after }));
  for (const [key, r] of blocked) if (!refused.has(key)) refused.set(key, r);
  return { changes, refused: [...refused.values()], applied, converged, overlay };
}

/** One pass's fixes, the texts they replaced (undefined: the file was not in the overlay yet), and the snapshot-drift and parse-error findings before them. */
interface Pass {
  fixed: Finding[];
  broken: number;
  before: Map<string, string | undefined>;
}

/** Write the changes: each file to a temporary file in its folder, then renamed over it. Checked first, all of them. */
export function writeChanges(changes: readonly FileChange[]): void {
  for (const c of changes) {
    if (!sameBytes(c.path, c.before)) throw new UsageError(`${c.file} changed while it was being fixed: nothing was written`, 'run --fix again');
  }
  for (const c of changes) writeAtomically(c.path, c.after);
}

function writeAtomically(path: string, text: string): void {
  const temporary = join(dirname(path), `.${basename(path)}.migration-lint-${randomBytes(6).toString('hex')}.tmp`);
  const mode = statSync(path).mode & 0o7777;
  const fd = openSync(temporary, 'wx', mode);
  try {
    try {
      writeSync(fd, Buffer.from(text, 'utf8'));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } catch (error) {
    try {
      unlinkSync(temporary);
    } catch {
      /* already renamed or gone */
    }
    throw error;
  }
}

/** Why the fix may not be applied, or undefined. */
function refusal(f: Finding, result: LintResult, records: AppliedRecords, cwd: string, overlay: ReadonlyMap<string, string>): string | undefined {
  const project = result.project;
  const dir = project.dir;
  for (const file of new Set(f.fix!.edits.map((e) => e.file))) {
    const path = resolve(cwd, file);
    const migration = ownerOf(path, f, project);
    if (!dir || !migration) return `${file} is not a migration, snapshot or journal of this folder`;
    const unsafe = unsafeFile(path, dir);
    if (unsafe) return `${file} ${unsafe}`;
    // What the lint read must be what is on disk (the staged copy of a --staged run, before it is fixed).
    if (!overlay.has(path) && !sameBytes(path, result.textOf(path))) {
      return `${file} on disk is not what was linted (not valid UTF-8, or the working copy differs from the staged one)`;
    }
    const sql = migration.path;
    const why = records.why({ tag: migration.tag, path: sql, ...(migration.when !== undefined ? { when: migration.when } : {}) }, overlay.get(sql) ?? safeText(result, sql));
    if (why) return why;
  }
  return undefined;
}

/** The migration a file belongs to: its SQL, its snapshot, or (for the journal) the finding's migration. */
function ownerOf(path: string, f: Finding, project: Project): { tag: string; path: string; when?: number } | undefined {
  for (const m of project.migrations) {
    if (m.path === path || m.snapshot === path) return { tag: m.tag, path: m.path, ...whenOf(project, m.tag) };
  }
  if (project.journal && project.journal.file === path) {
    const m = project.migrations.find((x) => x.tag === f.migration);
    return m ? { tag: m.tag, path: m.path, ...whenOf(project, m.tag) } : undefined;
  }
  return undefined;
}

function whenOf(project: Project, tag: string): { when?: number } {
  const entry = project.journal?.entries.find((e) => e.tag === tag);
  return entry ? { when: entry.when } : {};
}

/** Why the linter may not write the file (a symlink, outside the folder, not a regular file), or undefined. */
function unsafeFile(path: string, dir: string): string | undefined {
  const rel = relative(dir, path);
  if (rel.startsWith('..') || isAbsolute(rel)) return 'is outside the migrations folder';
  let stat;
  try {
    stat = lstatSync(path);
  } catch {
    return 'does not exist';
  }
  if (stat.isSymbolicLink()) return 'is a symbolic link';
  if (!stat.isFile()) return 'is not a regular file';
  // No folder on the way is a link either: the real path is the folder's real path plus the same steps.
  try {
    if (realpathSync(path) !== join(realpathSync(dir), rel)) return 'is reached through a symbolic link';
  } catch {
    return 'cannot be resolved';
  }
  return undefined;
}

function sameBytes(path: string, text: string): boolean {
  try {
    return readFileSync(path).equals(Buffer.from(text, 'utf8'));
  } catch {
    return false;
  }
}

function safeText(result: LintResult, path: string): string {
  try {
    return result.textOf(path);
  } catch {
    return '';
  }
}

function sameEdit(a: Edit, b: Edit): boolean {
  return a.file === b.file && a.line === b.line && a.column === b.column && a.endLine === b.endLine && a.endColumn === b.endColumn && a.text === b.text;
}

function findingKey(f: Finding): string {
  return [f.rule, f.file, f.line, f.column, f.message].join('\0');
}

function displayFile(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel.startsWith('..') || isAbsolute(rel) ? path : rel.split('\\').join('/');
}

async function databaseRows(options: LintOptions, project: Project): Promise<{ url: string; table: string; rows: { hash: string; createdAt: number }[] } | undefined> {
  if (options.databaseUrl === undefined) return undefined;
  const { readMigrationRows } = await import('./database.js');
  const facts = await readMigrationRows(options.databaseUrl, project.config?.migrationsSchema, project.config?.migrationsTable);
  return { url: facts.url, table: facts.table, rows: facts.rows };
}
