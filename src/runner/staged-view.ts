import { basename, dirname, join } from 'node:path';
import type { FolderProblem } from '../engine/types.js';
import { displayPath } from './drizzle-config.js';
import { readJournal, type Project } from './project.js';
import { isUntracked, type Selection } from './selection.js';

/**
 * `--staged` lints the migrations folder as the commit will hold it. drizzle-kit generate writes
 * a .sql file, a journal entry and a snapshot together; a commit that stages only some of them
 * deploys something else than what was generated. The folder is read from the working tree with
 * the index's texts, so what the commit leaves out is found here and said as such: staged,
 * but not with the files it needs.
 */
export function commitView(project: Project, selection: Selection, cwd: string): void {
  if (selection.staged) markUnstagedEntries(project, selection.staged, cwd);
  markUntracked(project, selection, cwd);
}

/**
 * A migration staged without its journal entry (drizzle-kit wrote both, only the .sql was
 * staged): the commit's journal does not list it, the working tree's does. Said as such, not as
 * a file that belongs to no journal.
 */
function markUnstagedEntries(project: Project, staged: ReadonlyMap<string, string>, cwd: string): void {
  const journal = project.journal?.file;
  if (!journal || !staged.has(journal) || !project.problems.some((p) => p.kind === 'orphan-file')) return;
  let inWorkingTree: Set<string>;
  try {
    inWorkingTree = new Set(readJournal(journal, cwd, (path) => project.files.read(path)).entries.map((e) => e.tag));
  } catch {
    return; // the working tree's journal is broken: the index's is what is linted
  }
  project.problems = project.problems.map((p) => (p.kind === 'orphan-file' && inWorkingTree.has(p.tag) ? { ...p, kind: 'unstaged-entry' as const } : p));
}

/**
 * Files git does not track are on disk but not in the commit: a journal not added yet (the
 * project's first migration), a migration its staged journal entry lists, a snapshot. A .sql
 * file git does not track is not linted and not reported (it is in no commit).
 */
function markUntracked(project: Project, selection: Selection, cwd: string): void {
  if (!selection.untracked) return;
  const untracked = (path: string) => isUntracked(selection, path);
  const staged = (path: string) => selection.files?.has(path) === true;
  const problems: FolderProblem[] = project.problems.filter((p) => !(p.kind === 'orphan-file' && project.dir && untracked(join(project.dir, `${p.tag}.sql`))));
  const journal = project.journal;
  const noJournal = journal !== undefined && untracked(journal.file);
  const meta = journal ? displayPath(dirname(journal.file), cwd) : undefined;
  const lines = new Map(journal?.entries.map((e) => [e.tag, e.line]));
  const kept = [];
  for (const m of project.migrations) {
    if (untracked(m.path)) {
      // Listed by the journal the commit holds: an entry without its file.
      if (journal && !noJournal) problems.push({ kind: 'untracked-file', file: displayPath(journal.file, cwd), tag: m.tag, line: lines.get(m.tag), stage: m.file });
      continue;
    }
    kept.push(m);
    if (!staged(m.path)) continue;
    if (noJournal) problems.push({ kind: 'untracked-journal', file: m.file, tag: m.tag, stage: meta });
    else if (m.snapshot && untracked(m.snapshot)) {
      // drizzle-kit 1.0 keeps the snapshot beside migration.sql, in the migration's own folder.
      const stage = meta ?? displayPath(dirname(m.snapshot), cwd);
      const [subject, snapshot] = journal ? [`${m.tag}.sql and its journal entry are`, `meta/${basename(m.snapshot)}`] : [`${m.tag}/migration.sql is`, `${m.tag}/${basename(m.snapshot)}`];
      problems.push({ kind: 'untracked-snapshot', file: displayPath(m.snapshot, cwd), tag: m.tag, stage, subject, snapshot });
    }
  }
  project.migrations = kept;
  project.problems = problems;
}
