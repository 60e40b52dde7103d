import type { MigrationInfo, Statement } from '../engine/types.js';
import { ENUM_EFFECT_KINDS } from '../schema/effects.js';
import { key } from '../schema/model.js';
import { endsTransaction } from '../engine/transactions.js';

/** A value added by `ALTER TYPE … ADD VALUE` that is not committed yet at some point of the batch. */
export interface PendingValue {
  /** Enum key (`schema.name`), as it is called now (after renames). */
  type: string;
  value: string;
  /** Where it was added. */
  migration: MigrationInfo;
  statementIndex: number;
  /** The enum was created earlier in the same migration (PostgreSQL 17+ then lets the value be used at once). */
  typeCreatedHere: boolean;
}

export type Pending = ReadonlyMap<string, PendingValue>;
type MutablePending = Map<string, PendingValue>;

const pendingKey = (type: string, value: string) => `${type}\u0000${value}`;

/**
 * Values added to existing enums and not yet committed just before `statementIndex` of `migration`,
 * assuming every migration since the first runs in one migrate() transaction (a fresh database;
 * in production, whenever the migrations are pending together). A COMMIT in a file ends it.
 *
 * The map is the analysis' own, valid until the next call: read it, do not keep or change it.
 * Rules ask statement by statement, in history order, so the answer is resumed from the last
 * one, and only the end state of the latest migration is kept: time and memory stay linear in
 * the history (a copy per statement, or an end state per migration, made 5,000-migration
 * histories quadratic in both).
 */
export function pendingEnumValues(history: readonly MigrationInfo[], migration: MigrationInfo, statementIndex: number): Pending {
  let cursor = cursors.get(history);
  if (!cursor || cursor.migration !== migration || cursor.index > statementIndex) {
    const before = migration.position > 0 ? endOf(history, migration.position - 1) : new Map();
    cursor = { migration, index: 0, pending: new Map(before), created: new Set(), values: undefined };
    cursors.set(history, cursor);
  }
  advance(cursor, migration, statementIndex);
  return cursor.pending;
}

/** The values of the pending map last returned by pendingEnumValues (a set, built once per change). */
export function pendingValueSet(history: readonly MigrationInfo[]): ReadonlySet<string> {
  const cursor = cursors.get(history);
  if (!cursor) return new Set();
  cursor.values ??= new Set([...cursor.pending.values()].map((v) => v.value));
  return cursor.values;
}

interface Cursor {
  migration: MigrationInfo;
  /** Statements before this index are applied to `pending`. */
  index: number;
  pending: MutablePending;
  /** Enums created since the last COMMIT in this migration. */
  created: Set<string>;
  /** pendingValueSet's answer, dropped whenever `pending` changes. */
  values: Set<string> | undefined;
}

/** The current cursor, and the end state of one migration, per history. */
const cursors = new WeakMap<readonly MigrationInfo[], Cursor>();
const lastEnd = new WeakMap<readonly MigrationInfo[], { position: number; pending: MutablePending }>();

function endOf(history: readonly MigrationInfo[], position: number): MutablePending {
  const known = lastEnd.get(history);
  if (known?.position === position) return known.pending;
  // Forward from the latest known end state (the previous migration, in a normal run), else from the start.
  const from = known && known.position < position ? known : { position: -1, pending: new Map() as MutablePending };
  let state = from.pending;
  for (let p = from.position + 1; p <= position; p++) {
    const cursor: Cursor = { migration: history[p], index: 0, pending: new Map(state), created: new Set(), values: undefined };
    advance(cursor, history[p], history[p].statements.length);
    state = cursor.pending;
  }
  lastEnd.set(history, { position, pending: state });
  return state;
}

function advance(cursor: Cursor, migration: MigrationInfo, until: number): void {
  const { pending, created } = cursor;
  for (let i = cursor.index; i < until && i < migration.statements.length; i++) {
    cursor.index = i + 1;
    const s = migration.statements[i];
    if (s.kind === 'TransactionStmt') {
      if (endsTransaction(s)) {
        cursor.values = undefined;
        pending.clear();
        created.clear();
      }
      continue;
    }
    for (const e of migration.effects[i] ?? []) {
      if (ENUM_EFFECT_KINDS.has(e.kind)) cursor.values = undefined;
      switch (e.kind) {
        case 'add-enum-value':
          pending.set(pendingKey(e.type, e.value), { type: e.type, value: e.value, migration, statementIndex: i, typeCreatedHere: created.has(e.type) });
          break;
        case 'create-enum':
          created.add(e.type);
          dropType(pending, e.type);
          break;
        case 'drop-type':
          created.delete(e.type);
          dropType(pending, e.type);
          break;
        case 'rename-type':
          for (const [k, v] of [...pending]) {
            if (v.type !== e.from) continue;
            pending.delete(k);
            pending.set(pendingKey(e.to, v.value), { ...v, type: e.to });
          }
          if (created.delete(e.from)) created.add(e.to);
          break;
        case 'rename-enum-value': {
          const v = pending.get(pendingKey(e.type, e.from));
          if (v) {
            pending.delete(pendingKey(e.type, e.from));
            pending.set(pendingKey(e.type, e.to), { ...v, value: e.to });
          }
          break;
        }
        default:
          break;
      }
    }
  }
}

function dropType(pending: MutablePending, type: string): void {
  for (const [k, v] of pending) if (v.type === type) pending.delete(k);
}

export function lookupPending(pending: Pending, type: string, value: string): PendingValue | undefined {
  return pending.get(pendingKey(type, value));
}

export { key as enumKey };
