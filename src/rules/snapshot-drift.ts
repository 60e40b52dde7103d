import { basename } from 'node:path';
import { defineRule } from '../engine/define-rule.js';
import type { HistoryFacts } from '../runner/history-facts.js';
import { applyStatement } from '../schema/replay.js';
import { emptyState } from '../schema/model.js';
import { differencesFromSnapshot, snapshotState } from '../schema/snapshot-diff.js';
import type { SchemaDifference } from '../schema/compare.js';
import type { MigrationContext, MigrationInfo } from '../engine/types.js';
import { originOf, recordOrigins } from '../analysis/object-origins.js';
import { snapshotHas, snapshotTextHas, type SearchableText, type SnapshotSpans } from '../schema/snapshot-diff.js';
import { compareSchemas } from '../schema/compare.js';
import type { SchemaState } from '../schema/model.js';

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
    description: 'A migration whose SQL does not produce the schema its snapshot records (on a full run, the whole history against the newest snapshot, each difference traced to the migration where it began); custom migrations that change objects the snapshot tracks (warning).',
    category: 'integrity',
    defaultSeverity: 'error',
    messages: {
      onlyInSnapshot: '{snapshot} has {object} {name}, but {tag}.sql never creates it: databases will not have it, while drizzle-kit believes they do.',
      onlyInSql: '{tag}.sql creates {object} {name}, which {snapshot} does not have: the next `drizzle-kit generate` does not know it exists (and may drop or re-create it).',
      differs: '{snapshot} and {tag}.sql disagree on {object} {name}: {detail}.',
      more: '{tag}.sql and {snapshot} disagree on {count} more object{s}: {names}.',
      custom: 'Custom migration {tag} changes {object} {name} ({detail}), which the snapshot tracks: `generate --custom` copies the previous snapshot, so the next `drizzle-kit generate` diffs against the old definition and undoes the change.',
      history:
        'The migrations and this migration\'s snapshot ({snapshot}), the newest, disagree on {count} object{s} since {origin}{custom}, and no later migration brings them together again: {list}. drizzle-kit diffs the next `generate` against the snapshot, not against the databases the migrations built: it may write SQL for what they already have, and nothing for what they lack.',
      historyMany:
        'The migrations and this migration\'s snapshot ({snapshot}), the newest, disagree on objects since {count} different migrations, and no later migration brings them together again: {items}. drizzle-kit diffs the next `generate` against the snapshot, not against the databases the migrations built: it may write SQL for what they already have, and nothing for what they lack.',
    },
    help: {
      onlyInSnapshot: 'If {tag}.sql was edited by hand, revert the edit and make the change in the TypeScript schema, then run `drizzle-kit generate`; if the snapshot was edited, restore it from version control.',
      onlyInSql: 'Declare {object} {name} in the TypeScript schema and run `drizzle-kit generate` (it records it in a new snapshot), or remove it from {tag}.sql.',
      differs: 'Make the TypeScript schema match what the SQL does and run `drizzle-kit generate`, or revert the hand edit to {tag}.sql.',
      more: 'Run `npx migration-lint --rule snapshot-drift=error` on this migration alone to see them all, or regenerate the migration.',
      custom: 'Make the same change in the TypeScript schema and run `drizzle-kit generate` (it should then say "No schema changes"; if it emits SQL, that SQL is the undo), or move the DDL out of the custom migration.',
      history: 'Decide which side is right for each object. If the databases are: make the TypeScript schema match and run `drizzle-kit generate` (it records the snapshot; it should write no SQL, or SQL you delete). If the snapshot is: add a migration that changes the databases (`drizzle-kit generate --custom`). Editing this old migration does nothing on databases that already ran it.',
      historyMany: 'Decide which side is right for each object. If the databases are: make the TypeScript schema match and run `drizzle-kit generate` (it records the snapshot; it should write no SQL, or SQL you delete). If the snapshot is: add a migration that changes the databases (`drizzle-kit generate --custom`). Editing this old migration does nothing on databases that already ran it.',
    },
  },
  checkMigration(context) {
    const { folder, history, migration, report } = context;
    const facts = folder.integrity as HistoryFacts | undefined;
    if (!facts || (facts.layout !== 'journal' && facts.layout !== 'folders') || !migration.selected) return;
    // Checked while the migration's statements are at hand (the engine lets go of them after).
    // Without a selection (--since, --staged, startAfter) every migration is "selected" and the
    // whole history is replayed: compare once, at the newest migration, the replayed schema with the
    // newest snapshot (what the next `drizzle-kit generate` builds on), and trace each difference
    // back to the migration where it began (each comparison parses snapshots, which costs seconds on
    // histories with hundreds of large ones: never one per migration).
    const i = migration.position;
    if (everythingSelected(history)) {
      // Nothing to compare with when the newest migration has no snapshot: no origins to record.
      if (!facts.files.get(history[history.length - 1].tag)?.snapshot) return;
      recordOrigins(history, migration);
      if (i === history.length - 1) compareHistory(context, facts);
      return;
    }
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
    for (const s of migration.statements) applyStatement(base.state, s.kind, s.ast, s.sql, s.doBlock?.handles);
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
      report({ messageId: 'more', data: { tag: migration.tag, snapshot: snapshotShown, count: rest.length, s: rest.length === 1 ? '' : 's', names: rest.slice(0, 10).map((d) => d.name).join(', ') } });
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
    return canonical(rest);
  };
  return strip(a) === strip(b);
}

/** JSON text with every object's keys in order: drizzle-kit does not always write them in the same order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    return `{${Object.keys(record)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(record[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function buildsOn(after: unknown, before: unknown): boolean {
  const parent = after as { prevId?: unknown; prevIds?: unknown } | undefined;
  const id = (before as { id?: unknown } | undefined)?.id;
  if (typeof id !== 'string') return true;
  return parent?.prevId === id || (Array.isArray(parent?.prevIds) && parent.prevIds.includes(id));
}

/**
 * Bytes of older snapshots a run may parse to trace differences back (JSON.parse of drizzle-kit
 * snapshots runs at ~20-50 MB/s: 1 MB is ~20-50 ms, two of simstudio's largest, ten of lmnr's).
 */
const TRACE_BYTES = 1_000_000;
/** Bytes of older snapshots' text a run may read to trace differences back (a string search each; simstudio's are 0.5 MB, lmnr's 0.1 MB). */
const TRACE_TEXT_BYTES = 4_000_000;
const MAX_LISTED = 10;
/** Snapshot texts a trace keeps at hand (each in its own buffer, reused). */
const RECENT_TEXTS = 8;

type Kind = 'onlyInSnapshot' | 'onlyInSql' | 'differs';

/**
 * A full run's one comparison: the schema the whole history builds against the newest snapshot.
 * Each difference is traced back to the migration where it began: where the SQL last created,
 * changed or dropped the object, or, when the SQL and that migration's snapshot still agreed, the
 * first snapshot after it that stopped agreeing (found by bisection over the snapshots). Drift that
 * a later migration repaired is not there any more: only what the next `generate` meets is reported.
 */
function compareHistory(context: MigrationContext, facts: HistoryFacts): void {
  const { history, migration, schema, report } = context;
  const newest = facts.files.get(migration.tag);
  if (!newest?.snapshot || hasFork(facts)) return; // snapshot-fork says what a merged branch's snapshot lacks
  const latest = facts.readSnapshot(newest.snapshot);
  const compared = differencesFromSnapshot(schema as SchemaState, latest);
  if ('reason' in compared || compared.differences.length === 0) return;
  const read = new Set<string>([newest.snapshot]);
  let budget = TRACE_BYTES;
  /** The parsed snapshot of a migration, or undefined (none, or the parse budget is spent: the difference is then not traced further). */
  const snapshotAt = (position: number): unknown => {
    const file = facts.files.get(history[position].tag)?.snapshot;
    if (!file) return undefined;
    if (!read.has(file)) {
      const size = facts.snapshotSize(file);
      if (size > budget) return undefined;
      budget -= size;
      read.add(file);
    }
    return facts.readSnapshot(file);
  };
  const last = history.length - 1;
  /**
   * The blocks found in each snapshot looked at, by position (a bisection asks the same ones for
   * several objects); undefined for one that cannot be read.
   */
  const looked = new Map<number, SnapshotSpans | undefined>();
  /**
   * The texts searched last, by position, least recently used first: each holds a buffer that the
   * next snapshot read into it reuses (a bisection per difference comes back to the same few
   * positions; reading one again, or into fresh memory, costs more than keeping a few).
   */
  const recent = new Map<number, { text: string | SearchableText; scratch: { buffer?: Buffer } }>();
  let textBudget = TRACE_TEXT_BYTES;
  /** Whether the snapshot of `p` records the object: from its text, else parsed (within the budget); undefined when unknown. */
  const has = (p: number, d: SchemaDifference): boolean | undefined => {
    const file = facts.files.get(history[p].tag)?.snapshot;
    if (!file) return undefined;
    if (!looked.has(p)) {
      const size = facts.snapshotSize(file);
      if (size > textBudget) return undefined;
      textBudget -= size;
      looked.set(p, new Map());
    }
    const fromText = searchText(p, file, d);
    if (fromText !== undefined) return fromText;
    const snapshot = snapshotAt(p);
    return snapshot === undefined ? undefined : snapshotHas(snapshot, d.object, d.name);
  };
  /** snapshotTextHas on the text of `p`'s snapshot; undefined when it cannot say, or the text cannot be read. */
  const searchText = (p: number, file: string, d: SchemaDifference): boolean | undefined => {
    const spans = looked.get(p);
    if (spans === undefined) return undefined;
    let held = recent.get(p);
    if (held) recent.delete(p);
    else {
      const oldest = recent.size >= RECENT_TEXTS ? recent.keys().next().value : undefined;
      const scratch = oldest === undefined ? {} : recent.get(oldest)!.scratch;
      if (oldest !== undefined) recent.delete(oldest);
      const text = facts.searchSnapshot(file, scratch);
      if (text === undefined) {
        looked.set(p, undefined);
        return undefined;
      }
      held = { text, scratch };
    }
    recent.set(p, held);
    return snapshotTextHas(held.text, d.object, d.name, spans);
  };
  /** The first position in (lo, hi] whose snapshot answers `atHi` (`lo`'s answers the other way), by bisection; undefined past the budget. */
  const bisect = (lo: number, hi: number, d: SchemaDifference, atHi: boolean): number | undefined => {
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      const answer = has(mid, d);
      if (answer === undefined) return undefined;
      if (answer === atHi) hi = mid;
      else lo = mid;
    }
    return hi;
  };
  const UNTRACED = -1;
  const groups = new Map<number, { differences: SchemaDifference[]; line?: number }>();
  // Schemas the config says exist without a migration (Supabase's auth): what the snapshot has there is expected.
  const external = new Set(context.settings.schemas ?? []);
  // Differences of one kind with one origin (the columns of one table a snapshot let go of) most
  // often began together: the first is traced, the others are checked at its answer.
  const traced = new Map<string, number>();
  // The budget goes to the largest groups first (one table's columns before a lone index).
  const groupOf = (d: SchemaDifference) => `${messageOf(d)}|${originOf(history, d.object, d.name)?.position ?? ''}`;
  const sizes = new Map<string, number>();
  for (const d of compared.differences) sizes.set(groupOf(d), (sizes.get(groupOf(d)) ?? 0) + 1);
  const ordered = [...compared.differences].sort((a, b) => sizes.get(groupOf(b))! - sizes.get(groupOf(a))!);
  for (const d of ordered) {
    if (d.detail === 'only in snapshot' && external.has(d.object === 'schema' ? d.name : d.name.split('.')[0])) continue;
    const kind = messageOf(d);
    const origin = originOf(history, d.object, d.name);
    let at = origin?.position ?? last;
    let line = origin?.line;
    const sameStart = (p: number | undefined, atP: boolean) => p !== undefined && p > 0 && has(p, d) === atP && has(p - 1, d) === !atP;
    if (kind === 'onlyInSql' && origin && origin.position < last && has(origin.position, d) === true) {
      // The SQL made it, and that migration's snapshot recorded it: a later snapshot let go of it.
      const key = `sql|${origin.position}`;
      const known = traced.get(key);
      at = sameStart(known, false) ? known! : (bisect(origin.position, last, d, false) ?? UNTRACED);
      if (!traced.has(key)) traced.set(key, at);
      line = undefined;
    } else if (kind === 'onlyInSnapshot' && origin?.change !== 'drop') {
      // No SQL ever made it: the first snapshot that records it.
      const known = traced.get('snapshot');
      const first = sameStart(known, true) ? undefined : has(0, d);
      at = known !== undefined && first === undefined && sameStart(known, true) ? known : first === true ? 0 : first === undefined ? UNTRACED : (bisect(0, last, d, true) ?? UNTRACED);
      if (!traced.has('snapshot')) traced.set('snapshot', at);
      line = undefined;
    }
    const group = groups.get(at) ?? { differences: [] };
    group.differences.push(d);
    if (line !== undefined && at === origin?.position) group.line = Math.min(group.line ?? line, line);
    groups.set(at, group);
  }
  const snapshotShown = facts.layout === 'journal' ? `meta/${basename(newest.snapshot)}` : `${migration.tag}/snapshot.json`;
  for (const [at, group] of [...groups].sort((a, b) => a[0] - b[0])) {
    if (at === last) {
      reportNewest(context, group.differences, snapshotShown, isCustom(facts, history, at, snapshotAt));
      continue;
    }
    const custom = at !== UNTRACED && isCustom(facts, history, at, snapshotAt);
    const count = group.differences.length;
    const data = {
      snapshot: snapshotShown,
      count,
      s: count === 1 ? '' : 's',
      origin: at === UNTRACED ? 'a migration before this one' : group.line !== undefined ? `${history[at].tag} (line ${group.line}: its SQL made them so)` : `${history[at].tag} (its snapshot made them so)`,
      custom: at === UNTRACED
        ? ' (where it began was not traced: a run reads at most 4 MB of older snapshots)'
        : custom
          ? ' (a custom migration: `generate --custom` copies the previous snapshot, so what its SQL changes never reaches a snapshot)'
          : '',
      list: group.differences.slice(0, MAX_LISTED).map(describeDifference).join('; ') + (count > MAX_LISTED ? `; and ${count - MAX_LISTED} more` : ''),
    };
    // Reported here, where the one comparison is made: the earlier migrations' findings are out
    // already. One comparison, one finding: the differences of every origin are listed in it.
    report({
      messageId: 'history',
      data,
      ...(custom ? { severity: 'warn' as const } : {}),
      group: { key: 'history', messageId: 'historyMany', item: `since ${data.origin}${data.custom}, ${count} object${data.s}: ${data.list}` },
    });
  }
}

/** Differences that began in the newest migration: one finding each, as a selected migration's comparison gives them. */
function reportNewest(context: MigrationContext, differences: SchemaDifference[], snapshot: string, custom: boolean): void {
  const { migration, report } = context;
  for (const d of differences.slice(0, MAX_PER_MIGRATION)) {
    if (custom) report({ messageId: 'custom', data: { tag: migration.tag, object: d.object, name: d.name, detail: d.detail }, severity: 'warn' });
    else report({ messageId: messageOf(d), data: { tag: migration.tag, snapshot, object: d.object, name: d.name, detail: d.detail } });
  }
  const rest = differences.slice(MAX_PER_MIGRATION);
  if (rest.length > 0 && !custom) report({ messageId: 'more', data: { tag: migration.tag, snapshot, count: rest.length, s: rest.length === 1 ? '' : 's', names: rest.slice(0, 10).map((d) => d.name).join(', ') } });
}

/** A `generate --custom` migration: its header, or a snapshot that only copies the previous one. */
function isCustom(facts: HistoryFacts, history: readonly MigrationInfo[], position: number, snapshotAt: (position: number) => unknown): boolean {
  if (facts.files.get(history[position].tag)?.text.trimStart().startsWith(CUSTOM_HEADER)) return true;
  if (position === 0) return false;
  // A copy has the previous snapshot's content with ids of the same length: the same size.
  const [a, b] = [position - 1, position].map((p) => facts.files.get(history[p].tag)?.snapshot);
  if (!a || !b || facts.snapshotSize(a) !== facts.snapshotSize(b)) return false;
  const before = snapshotAt(position - 1);
  const after = before === undefined ? undefined : snapshotAt(position);
  return after !== undefined && sameContent(before, after);
}

function describeDifference(d: SchemaDifference): string {
  const detail = d.detail === 'only in sql' ? 'only in the migrations' : d.detail === 'only in snapshot' ? 'only in the snapshot' : d.detail.replace(/\(sql\)/g, '(migrations)');
  return `${d.object} ${d.name} (${detail})`;
}

/** Two snapshots with one parent: branches merged (snapshot-fork reports it, with what the newest snapshot lacks). */
function hasFork(facts: HistoryFacts): boolean {
  const parents = new Set<string>();
  for (const s of facts.snapshots) {
    if (s.prevIds || s.prevId === undefined) continue;
    if (parents.has(s.prevId)) return true;
    parents.add(s.prevId);
  }
  return false;
}
