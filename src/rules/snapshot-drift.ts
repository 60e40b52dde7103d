import { basename } from 'node:path';
import { defineRule } from '../engine/define-rule.js';
import type { HistoryFacts } from '../runner/history-facts.js';
import { applyStatement } from '../schema/replay.js';
import { emptyState } from '../schema/model.js';
import { differencesFromSnapshot, snapshotState } from '../schema/snapshot-diff.js';
import type { SchemaDifference } from '../schema/compare.js';
import type { MigrationInfo } from '../engine/types.js';

const CUSTOM_HEADER = '-- Custom SQL migration file';
const MAX_PER_MIGRATION = 8;

/**
 * Migration N's SQL must produce snapshot N from snapshot N-1: otherwise the SQL was edited by
 * hand (or the snapshot was), and the next `drizzle-kit generate` diffs against a schema that
 * does not exist. Only migrations selected for reporting are compared, and only the newest one on a full run
 * (each comparison parses two snapshots), so pre-commit runs stay fast on big histories.
 */
export default defineRule({
  id: 'snapshot-drift',
  meta: {
    description: 'A migration whose SQL does not produce the schema its snapshot records (replayed on the previous snapshot); custom migrations that change objects the snapshot tracks (warning).',
    category: 'integrity',
    defaultSeverity: 'error',
    messages: {
      onlyInSnapshot: '{snapshot} has {object} {name}, but {tag}.sql never creates it: databases will not have it, while drizzle-kit believes they do.',
      onlyInSql: '{tag}.sql creates {object} {name}, which {snapshot} does not have: the next `drizzle-kit generate` does not know it exists (and may drop or re-create it).',
      differs: '{snapshot} and {tag}.sql disagree on {object} {name}: {detail}.',
      more: '{tag}.sql and {snapshot} disagree on {count} more objects: {names}.',
      custom: 'Custom migration {tag} changes {object} {name} ({detail}), which the snapshot tracks: `generate --custom` copies the previous snapshot, so the next `drizzle-kit generate` diffs against the old definition and undoes the change.',
    },
    help: {
      onlyInSnapshot: 'If {tag}.sql was edited by hand, revert the edit and make the change in the TypeScript schema, then run `drizzle-kit generate`; if the snapshot was edited, restore it from version control.',
      onlyInSql: 'Declare {object} {name} in the TypeScript schema and run `drizzle-kit generate` (it records it in a new snapshot), or remove it from {tag}.sql.',
      differs: 'Make the TypeScript schema match what the SQL does and run `drizzle-kit generate`, or revert the hand edit to {tag}.sql.',
      more: 'Run `npx migration-lint --rule snapshot-drift=error` on this migration alone to see them all, or regenerate the migration.',
      custom: 'Make the same change in the TypeScript schema and run `drizzle-kit generate` (it should then say "No schema changes"; if it emits SQL, that SQL is the undo), or move the DDL out of the custom migration.',
    },
  },
  checkMigration({ folder, history, migration, report }) {
    const facts = folder.integrity as HistoryFacts | undefined;
    if (!facts || (facts.layout !== 'journal' && facts.layout !== 'folders') || !migration.selected) return;
    // Checked while the migration's statements are at hand (the engine lets go of them after).
    // Without a selection (--since, --staged, startAfter) every migration is "selected": compare
    // only the newest one then (what the next `drizzle-kit generate` builds on); each comparison
    // parses two snapshots, which costs seconds on histories with hundreds of large snapshots.
    const i = migration.position;
    if (i !== history.length - 1 && everythingSelected(history)) return;
    const file = facts.files.get(migration.tag);
    if (!file?.snapshot) return;
    const previousFile = i > 0 ? facts.files.get(history[i - 1].tag) : undefined;
    if (i > 0 && !previousFile?.snapshot) return; // no base to replay on
    const after = facts.readSnapshot(file.snapshot);
    const before = previousFile?.snapshot ? facts.readSnapshot(previousFile.snapshot) : undefined;
    // Snapshot N not built on snapshot N-1 (two branches merged, a broken chain): the difference
    // is the fork's, not this SQL's; snapshot-fork reports it and says what is missing.
    if (before !== undefined && !buildsOn(after, before)) return;
    const base = before === undefined ? { state: emptyState() } : snapshotState(before);
    if ('reason' in base || !after) return;
    for (const s of migration.statements) applyStatement(base.state, s.kind, s.ast);
    const compared = differencesFromSnapshot(base.state, after);
    if ('reason' in compared || compared.differences.length === 0) return;
    const snapshot = basename(file.snapshot);
    const snapshotShown = facts.layout === 'journal' ? `meta/${snapshot}` : `${migration.tag}/snapshot.json`;
    if (file.text.trimStart().startsWith(CUSTOM_HEADER) || (before !== undefined && sameContent(before, after))) {
      for (const d of compared.differences.slice(0, MAX_PER_MIGRATION)) {
        report({ messageId: 'custom', data: { tag: migration.tag, object: d.object, name: d.name, detail: d.detail }, severity: 'warn' });
      }
      return;
    }
    for (const d of compared.differences.slice(0, MAX_PER_MIGRATION)) {
      report({ messageId: messageOf(d), data: { tag: migration.tag, snapshot: snapshotShown, object: d.object, name: d.name, detail: d.detail } });
    }
    const rest = compared.differences.slice(MAX_PER_MIGRATION);
    if (rest.length > 0) {
      report({ messageId: 'more', data: { tag: migration.tag, snapshot: snapshotShown, count: rest.length, names: rest.slice(0, 10).map((d) => d.name).join(', ') } });
    }
  },
});

const wholeRuns = new WeakMap<readonly MigrationInfo[], boolean>();

/** Asked once per migration: answered once per run. */
function everythingSelected(history: readonly MigrationInfo[]): boolean {
  let all = wholeRuns.get(history);
  if (all === undefined) wholeRuns.set(history, (all = history.every((m) => m.selected)));
  return all;
}

function messageOf(d: SchemaDifference): 'onlyInSnapshot' | 'onlyInSql' | 'differs' {
  return d.detail === 'only in snapshot' ? 'onlyInSnapshot' : d.detail === 'only in sql' ? 'onlyInSql' : 'differs';
}

/** A `generate --custom` snapshot: the previous content with a new id and prevId. */
function sameContent(a: unknown, b: unknown): boolean {
  const strip = (s: unknown) => {
    const { id: _id, prevId: _prev, ...rest } = (s ?? {}) as Record<string, unknown>;
    void _id;
    void _prev;
    return JSON.stringify(rest);
  };
  return strip(a) === strip(b);
}

function buildsOn(after: unknown, before: unknown): boolean {
  const parent = after as { prevId?: unknown; prevIds?: unknown } | undefined;
  const id = (before as { id?: unknown } | undefined)?.id;
  if (typeof id !== 'string') return true;
  return parent?.prevId === id || (Array.isArray(parent?.prevIds) && parent.prevIds.includes(id));
}
