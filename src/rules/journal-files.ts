import { defineRule } from '../engine/define-rule.js';
import type { FolderProblem } from '../engine/types.js';
import type { HistoryFacts } from '../runner/history-facts.js';

/**
 * The journal and the files must agree: drizzle's migrator runs journal entries only, and
 * throws when an entry's file is missing; drizzle-kit generate reads every file in meta/ as a
 * snapshot and derives snapshot names from the tag's numeric prefix.
 */
export default defineRule({
  id: 'journal-files',
  meta: {
    description: 'Journal entries without a .sql file or snapshot, .sql files without a journal entry, duplicate tags or prefixes, idx out of step, stray files in meta/, tags that point outside the folder, migration files that are not read (links out of the project, pipes, devices, too large).',
    category: 'integrity',
    defaultSeverity: 'error',
    messages: {
      missingFile: 'Journal entry {tag} has no file {tag}.sql: drizzle\'s migrate() throws "No file {tag}.sql found" and applies nothing.',
      orphanFile: '{tag}.sql is not in meta/_journal.json: drizzle\'s migrate() never runs it, on any database.',
      refusedFile: '{file} is not read: {reason}. It is not linted; drizzle\'s migrate() would run whatever it holds or points to.',
      orphanFiles: '{count} .sql files are not in meta/_journal.json: drizzle\'s migrate() never runs them, on any database ({items}).',
      unstagedEntry: '{tag}.sql is staged, but its journal entry is not: meta/_journal.json has unstaged changes that list it, so this commit would hold a migration drizzle\'s migrate() never runs (and no snapshot for it).',
      untrackedJournal: '{tag}.sql is staged, but meta/_journal.json is not (git does not track it yet): this commit would hold migrations without the journal drizzle\'s migrate() reads, and the deploy fails with "Can\'t find meta/_journal.json file".',
      untrackedFile: 'Journal entry {tag} is staged, but {tag}.sql is not (git does not track it yet): this commit would hold an entry without its file, and drizzle\'s migrate() throws "No file {file} found" and applies nothing.',
      untrackedSnapshot: '{subject} staged, but {snapshot} is not (git does not track it yet): in the commit the migration has no snapshot, so the next `drizzle-kit generate` from it diffs against the one before and writes this migration\'s changes again.',
      unsafeTag: 'Journal tag "{tag}" is not a file name in the migrations folder; migration-lint refuses to read it (and drizzle would read outside the folder).',
      duplicateTag: 'Journal entry {tag} appears {count} times (entries {positions}): drizzle\'s migrate() runs {tag}.sql once per entry; the second run fails on "already exists", or is skipped because its `when` is not newer.',
      duplicatePrefix: 'Prefix {prefix} is used by {names}: drizzle-kit names snapshots by prefix, so they share meta/{prefix}_snapshot.json (one overwrote the other), and the next `drizzle-kit generate` diffs against the wrong schema.',
      idxOrder: 'Journal entry {tag} has idx {idx}, not greater than the idx {previousIdx} of {previous} before it: drizzle-kit takes the next idx from the last entry, so it will reuse a prefix and overwrite an existing snapshot.',
      idxGap: 'Journal entry {tag} has idx {idx} after {previous} (idx {previousIdx}): entry {missing} is gone from the journal ({count} idx missing).',
      missingSnapshot: 'Journal entry {tag} has no snapshot meta/{prefix}_snapshot.json: its changes are in no snapshot unless a later one includes them, and `drizzle-kit generate` may emit its DDL again.',
      orphanSnapshot: 'meta/{name} belongs to no journal entry (no tag starts with {prefix}_): drizzle-kit generate reads every snapshot in meta/, and diffs against the last one by name.',
      strayMeta: 'meta/{name} is not a snapshot: drizzle-kit generate and check read every file in meta/ whose name does not start with "_" as a snapshot, and stop with "data is malformed" (generate exits 0 without writing anything).',
    },
    help: {
      missingFile: 'Restore {tag}.sql from version control, or remove the entry with `drizzle-kit drop` if the migration was never applied anywhere.',
      orphanFile: 'If it should run, generate it properly (`drizzle-kit generate --custom --name <name>` and paste the SQL); if it is a leftover, delete it.',
      refusedFile: 'Commit the migration as a regular file inside the repository (not a link to elsewhere, not a pipe or device); a file this large belongs outside the migration (raise "maxFileSizeMb" in migration-lint.config.json if it must stay).',
      orphanFiles: 'For each that should run, generate it properly (`drizzle-kit generate --custom --name <name>` and paste the SQL); delete the leftovers. If the folder\'s SQL is applied another way (psql, a SQL editor), migrate() is not what runs it: turn journal-files off for this folder in the config, with that reason.',
      unstagedEntry: 'Stage the journal and snapshot drizzle-kit wrote with it: `git add {meta}`.',
      untrackedJournal: 'Stage the journal and snapshots drizzle-kit wrote with it: `git add {meta}`.',
      untrackedFile: 'Stage the migration with its journal entry: `git add {file}`.',
      untrackedSnapshot: 'Stage the snapshot drizzle-kit wrote with it: `git add {meta}`.',
      unsafeTag: 'Fix the "tag" in meta/_journal.json to the migration\'s file name without ".sql".',
      duplicateTag: 'Delete the later duplicate entry from meta/_journal.json (keep the first one, which databases have recorded).',
      duplicatePrefix: 'Keep the migration that was deployed; for the other, delete its .sql, journal entry and snapshot and regenerate it on top (`drizzle-kit generate`), which gives it the next free prefix.',
      idxOrder: 'Set each entry\'s idx to its position in "entries" (0, 1, 2, …); idx is not stored in the database, so renumbering is safe. Then check the snapshot names match the tags.',
      idxGap: 'If {missing} was removed with `drizzle-kit drop` before any database applied it, nothing is wrong: turn this off with an ignore for the tag. If it was lost while resolving a merge conflict, restore its entry (and its .sql and snapshot) from version control.',
      missingSnapshot: 'Create migrations with drizzle-kit (`drizzle-kit generate`, or `drizzle-kit generate --custom` for hand-written SQL) so each gets a snapshot; mirror hand-written DDL in the TypeScript schema so the next snapshot contains it.',
      orphanSnapshot: 'Delete meta/{name} if its migration was removed; if its entry was lost in a merge, restore the entry and the .sql file.',
      strayMeta: 'Move meta/{name} out of the migrations folder (add it to .gitignore if it is an editor or OS file such as .DS_Store).',
    },
  },
  checkHistory({ folder, settings, report }) {
    for (const problem of folder.problems) {
      const messageId = PROBLEM_MESSAGES[problem.kind];
      const meta = problem.stage ?? problem.file.replace(/[^/\\]*$/, 'meta');
      const data = { tag: problem.tag, meta, file: problem.stage ?? problem.file, reason: problem.reason ?? '', subject: problem.subject ?? '', snapshot: problem.snapshot ?? '' };
      // Files outside the journal are one finding, listing them: one way of working (SQL applied
      // by hand beside the journal) makes dozens, and each new one is named in it.
      const group = messageId === 'orphanFile' ? { group: { key: 'orphan', messageId: 'orphanFiles' as const, item: `${problem.tag}.sql` } } : {};
      report({ messageId, data, file: problem.file, line: problem.line, migration: problem.tag, ...group });
    }
    const facts = folder.integrity as HistoryFacts | undefined;
    const journal = facts?.journal;
    if (!facts || !journal || !facts.dir) return;
    const metaDir = `${facts.displayDir}/meta`;

    // Duplicate tags.
    const positions = new Map<string, number[]>();
    for (const e of journal.entries) positions.set(e.tag, [...(positions.get(e.tag) ?? []), e.position]);
    const reportedDup = new Set<string>();
    for (const e of journal.entries) {
      const at = positions.get(e.tag)!;
      if (at.length < 2 || at[0] === e.position || reportedDup.has(e.tag)) continue;
      reportedDup.add(e.tag);
      report({ messageId: 'duplicateTag', data: { tag: e.tag, count: at.length, positions: at.join(', ') }, file: journal.file, line: lineOfPosition(journal.text, e.position), migration: e.tag });
    }

    // Duplicate numeric prefixes among journal tags and .sql files.
    const byPrefix = new Map<string, Set<string>>();
    const names = [...journal.entries.map((e) => e.tag), ...facts.sqlFiles.map((f) => f.slice(0, -4))];
    for (const name of names) {
      const m = /^(\d+)_/.exec(name);
      if (!m) continue;
      byPrefix.set(m[1], (byPrefix.get(m[1]) ?? new Set()).add(name));
    }
    for (const [prefix, group] of byPrefix) {
      // Two journal entries: their snapshots share a name. A loose file beside one entry is
      // orphanFile's finding alone: it never runs, and the entry's snapshot is the journal's.
      if ([...group].filter((n) => positions.has(n)).length < 2) continue;
      const list = [...group].sort();
      const entry = journal.entries.find((e) => e.tag === list[list.length - 1]) ?? journal.entries.find((e) => group.has(e.tag));
      report({
        messageId: 'duplicatePrefix',
        data: { prefix, names: list.map((n) => `${n}.sql`).join(' and ') },
        file: entry ? journal.file : `${facts.displayDir}/${list[list.length - 1]}.sql`,
        line: entry?.line,
        migration: entry?.tag ?? list[list.length - 1],
      });
    }

    // idx out of step.
    for (let i = 1; i < journal.entries.length; i++) {
      const prev = journal.entries[i - 1];
      const e = journal.entries[i];
      const where = { file: journal.file, line: e.line, migration: e.tag };
      if (e.idx <= prev.idx) {
        report({ messageId: 'idxOrder', data: { tag: e.tag, idx: e.idx, previous: prev.tag, previousIdx: prev.idx }, ...where });
      } else if (e.idx > prev.idx + 1) {
        const count = e.idx - prev.idx - 1;
        const missing = count === 1 ? `idx ${prev.idx + 1}` : `idx ${prev.idx + 1}–${e.idx - 1}`;
        report({ messageId: 'idxGap', data: { tag: e.tag, idx: e.idx, previous: prev.tag, previousIdx: prev.idx, missing, count }, ...where, severity: 'warn' });
      }
    }

    // Snapshots: entries without one, snapshots without an entry, stray files.
    const prefixOf = (tag: string) => tag.split('_')[0];
    const metaNames = new Set(facts.metaFiles);
    // A migration staged without its journal entry: its snapshot (not staged either) is said with it.
    const tagPrefixes = new Set([...journal.entries.map((e) => prefixOf(e.tag)), ...folder.problems.filter((p) => p.kind === 'unstaged-entry').map((p) => prefixOf(p.tag))]);
    // An entry followed by one with a snapshot: that snapshot has its changes, or snapshot-drift's
    // comparison of the whole history says what it lacks and where it began (one root cause, one finding).
    const hasSnapshot = (tag: string) => metaNames.has(`${prefixOf(tag)}_snapshot.json`);
    const driftJudges = settings.rules['snapshot-drift'] !== 'off';
    let snapshotAfter = false;
    const coveredLater = new Set<string>();
    for (let i = journal.entries.length - 1; i >= 0; i--) {
      const tag = journal.entries[i].tag;
      if (snapshotAfter && driftJudges) coveredLater.add(tag);
      if (facts.files.has(tag) && hasSnapshot(tag)) snapshotAfter = true;
    }
    for (const e of journal.entries) {
      if (facts.files.has(e.tag) && !hasSnapshot(e.tag) && !coveredLater.has(e.tag)) {
        report({ messageId: 'missingSnapshot', data: { tag: e.tag, prefix: prefixOf(e.tag) }, file: journal.file, line: e.line, migration: e.tag });
      }
    }
    for (const name of facts.metaFiles) {
      if (name.startsWith('_')) continue;
      const snap = /^(.+)_snapshot\.json$/.exec(name);
      if (snap) {
        if (!tagPrefixes.has(snap[1])) report({ messageId: 'orphanSnapshot', data: { name, prefix: snap[1] }, file: `${metaDir}/${name}`, migration: name });
      } else {
        report({ messageId: 'strayMeta', data: { name }, file: `${metaDir}/${name}`, migration: name });
      }
    }
  },
});

const PROBLEM_MESSAGES = {
  'missing-file': 'missingFile',
  'orphan-file': 'orphanFile',
  'unsafe-tag': 'unsafeTag',
  'refused-file': 'refusedFile',
  'unstaged-entry': 'unstagedEntry',
  'untracked-journal': 'untrackedJournal',
  'untracked-file': 'untrackedFile',
  'untracked-snapshot': 'untrackedSnapshot',
} as const satisfies Record<FolderProblem['kind'], string>;

/** 1-based line of the n-th `"tag"` key in the journal text (duplicate tags share a text, not a line). */
function lineOfPosition(text: string, position: number): number | undefined {
  let seen = -1;
  let line = 1;
  for (const m of text.matchAll(/"tag"\s*:|\n/g)) {
    if (m[0] === '\n') line++;
    else if (++seen === position) return line;
  }
  return undefined;
}
