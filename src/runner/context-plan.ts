import { endsTransaction } from '../engine/transactions.js';
import { BREAKPOINT } from '../engine/split.js';
import type { MigrationInput, Statement } from '../engine/types.js';
import { emptyState, type SchemaState } from '../schema/model.js';
import { TableAges, type TableBirth } from '../engine/table-age.js';
import { applyStatement } from '../schema/replay.js';
import { snapshotState } from '../schema/snapshot-diff.js';
import type { MigrationFile } from './project.js';

/**
 * How a pre-commit run (`--staged`) gets the schema before the migrations it lints without
 * parsing and replaying the whole history: from the snapshot drizzle-kit wrote for the migration
 * before them, the schema `drizzle-kit generate` itself diffed against.
 *
 * The context migrations are read as text and parsed only when they matter: enum values added
 * since the last COMMIT (drizzle's migrate() runs every pending migration in one transaction,
 * so a value added in an old migration is still "new" unless a COMMIT came after it; when such
 * an ADD VALUE exists, replay starts at it instead, from its predecessor's snapshot, so the
 * pending values are exactly those of a full replay), and what the snapshot does not record.
 *
 * Snapshots record only what drizzle-kit manages; what custom SQL made (extensions, functions,
 * other types, views) is replayed onto the snapshot's schema from the context migrations that
 * mention it.
 *
 * Where the SQL and its snapshot disagree (hand-edited migrations), this schema is the
 * snapshot's; a full run (CI, `--since`) replays the SQL and snapshot-drift reports the gap.
 */
export interface ContextPlan {
  /** First migration replayed; those before it are context (the snapshot stands for them). */
  replayFrom: number;
  /** The schema after migration replayFrom - 1, from its snapshot. */
  initialState: SchemaState;
  /** The snapshot file it came from. */
  snapshot: string;
  /** Tables born in the young-table window before `replayFrom`, found by scanning it (windowBirths). */
  tableBirths?: TableBirth[];
}

const ADDS_ENUM_VALUE = /\bADD\s+VALUE\b/i;
/** Text that may create or drop what snapshots do not record (custom SQL: extensions, functions, non-enum types, views with their queries). */
const MAY_TOUCH_UNRECORDED = /\b(?:CREATE|DROP)\s+(?:OR\s+REPLACE\s+)?(?:EXTENSION|FUNCTION|PROCEDURE|DOMAIN|(?:MATERIALIZED\s+)?VIEW)\b|\bCREATE\s+TYPE\b(?![^;]*\bAS\s+ENUM\b)/i;
/**
 * Statements replayed onto the snapshot's schema, in history order: drizzle-kit's snapshots
 * record tables, enums, sequences, schemas, policies and its own views, never what custom SQL
 * made. Drops of types are left out (the snapshot's enums must stay): a type dropped long ago
 * stays known, which can only hide a missing-create-type finding, never invent one.
 */
const UNRECORDED_KINDS = new Set(['CreateExtensionStmt', 'CreateFunctionStmt', 'CompositeTypeStmt', 'CreateDomainStmt', 'CreateRangeStmt', 'ViewStmt', 'CreateTableAsStmt']);
const UNRECORDED_DROPS = new Set(['OBJECT_EXTENSION', 'OBJECT_FUNCTION', 'OBJECT_PROCEDURE', 'OBJECT_VIEW', 'OBJECT_MATVIEW']);
const MAY_END_TRANSACTION = /\b(?:COMMIT|ROLLBACK|ABORT)\b|\bEND\s*(?:TRANSACTION|WORK)?\s*;/i;

export interface PlanInput {
  migrations: readonly MigrationFile[];
  inputs: readonly MigrationInput[];
  /** Position of the first migration linted. */
  firstSelected: number;
  /** The young-table window (days, 0: off): the migrations inside it are replayed, so the tables they create are known young. */
  recentTableDays: number;
  /** Parse SQL text (pieces of context migrations) into statements. */
  parseSql: (sql: string) => readonly Statement[];
  /** A snapshot file's JSON (the staged content when it is staged; shared with snapshot-drift), undefined when unreadable. */
  readSnapshot: (path: string) => unknown;
}

/** The plan, or undefined when the whole history must be replayed (nothing before the linted migrations, no usable snapshot). */
export function contextPlan({ migrations, inputs, firstSelected, recentTableDays, parseSql, readSnapshot }: PlanInput): ContextPlan | undefined {
  if (firstSelected <= 0) return undefined;
  // The last context migration that really ends the transaction (a top-level COMMIT / ROLLBACK).
  let lastCommit = -1;
  for (let i = firstSelected - 1; i >= 0 && lastCommit < 0; i--) {
    const sql = chunksMatching(inputs[i].text, MAY_END_TRANSACTION);
    if (sql && parseSql(sql).some(endsTransaction)) lastCommit = i;
  }
  let replayFrom = firstSelected;
  for (let i = Math.max(lastCommit, 0); i < replayFrom; i++) {
    if (ADDS_ENUM_VALUE.test(inputs[i].text)) {
      replayFrom = i;
      break;
    }
  }
  // The young-table window: its tables' births are what matter of it, found without replaying it,
  // unless it may create a table that already existed (IF NOT EXISTS: only a replay from the
  // snapshot before it knows); then it is replayed.
  const windowFrom = firstInWindow(inputs, firstSelected, recentTableDays);
  let tableBirths: TableBirth[] | undefined;
  if (windowFrom < replayFrom) {
    const births = windowBirths(inputs, windowFrom, replayFrom, recentTableDays, parseSql);
    if (births) tableBirths = births;
    else replayFrom = windowFrom;
  }
  if (replayFrom === 0) return undefined;
  const snapshot = migrations[replayFrom - 1].snapshot;
  if (!snapshot) return undefined;
  const data = readSnapshot(snapshot);
  // Unreadable or not JSON: snapshot-drift / journal-files say so; replay everything.
  if (data === undefined) return undefined;
  const built = snapshotState(data);
  if ('reason' in built) return undefined;
  const state = built.state;
  for (let i = 0; i < replayFrom; i++) {
    const sql = chunksMatching(inputs[i].text, MAY_TOUCH_UNRECORDED);
    if (!sql) continue;
    for (const statement of parseSql(sql)) {
      const dropped = statement.kind === 'DropStmt' && UNRECORDED_DROPS.has(statement.ast.removeType);
      if (UNRECORDED_KINDS.has(statement.kind) || dropped) applyStatement(state, statement.kind, statement.ast, statement.sql);
    }
  }
  return { replayFrom, initialState: state, snapshot, ...(tableBirths ? { tableBirths } : {}) };
}

/**
 * Text of a statement that may be born, renamed, dropped or filled from another table (what
 * TableAges follows: CREATE TABLE, RENAME, DROP TABLE, INSERT … SELECT): every other chunk leaves
 * the births as they are, and is not parsed. A superset (a word in a comment, a column rename
 * match too), never less: `CREATE … TABLE` across a comment still matches.
 */
const MAY_CHANGE_BIRTHS = /\bCREATE\b[^;]*?\bTABLE\b|\bDROP\b[^;]*?\bTABLE\b|\bRENAME\b|\bINSERT\b/i;

/**
 * The births of tables created in migrations [from, to), as a replay of them from the snapshot
 * before `from` finds them (test: context-plan.test.ts, every fixture and split point), without
 * that replay: the statements that can change a birth are applied to an empty schema, where the
 * tables they name exist exactly when the window created them (a table from before the window has
 * no birth to move or forget). Undefined when such a statement creates a table IF NOT EXISTS: on
 * an empty schema it would always be born, so the window is replayed.
 */
function windowBirths(inputs: readonly MigrationInput[], from: number, to: number, days: number, parseSql: PlanInput['parseSql']): TableBirth[] | undefined {
  const scratch = emptyState();
  const ages = new TableAges(days, false);
  for (let i = 0; i < to; i++) {
    const input = inputs[i];
    ages.enter({ tag: input.tag, when: input.when, position: i, selected: false });
    if (i < from) continue;
    const sql = chunksMatching(input.text, MAY_CHANGE_BIRTHS);
    if (!sql) continue;
    for (const statement of parseSql(sql)) {
      if (statement.kind === 'CreateStmt' && statement.ast.if_not_exists) return undefined;
      ages.record(statement, applyStatement(scratch, statement.kind, statement.ast, statement.sql, statement.doBlock?.handles));
    }
  }
  return ages.list();
}

/**
 * The first context migration whose tables can be young for the linted ones (see
 * src/engine/table-age.ts): created less than the window before the newest journal `when` up to
 * the first linted migration. Replayed, not read from a snapshot, so the births are the ones a
 * full replay finds (renames and copies included). `firstSelected` when none is.
 */
function firstInWindow(inputs: readonly MigrationInput[], firstSelected: number, days: number): number {
  if (!(days > 0)) return firstSelected;
  let reference: number | undefined;
  for (let i = 0; i <= firstSelected; i++) {
    const when = inputs[i].when;
    if (when !== undefined && (reference === undefined || when > reference)) reference = when;
  }
  if (reference === undefined) return firstSelected;
  const from = reference - days * 86_400_000;
  for (let i = 0; i < firstSelected; i++) {
    const when = inputs[i].when;
    if (when !== undefined && when > from) return i;
  }
  return firstSelected;
}

/**
 * The chunks (between statement breakpoints) of a migration whose text matches: only they are
 * parsed, not the whole file (context migrations are never reported on, so positions do not matter).
 */
function chunksMatching(text: string, pattern: RegExp): string | undefined {
  if (!pattern.test(text)) return undefined;
  return text
    .split(BREAKPOINT)
    .filter((chunk) => pattern.test(chunk))
    .join(BREAKPOINT);
}
