import type { MigrationInfo } from '../engine/types.js';
import { key } from '../schema/model.js';

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

export type Pending = Map<string, PendingValue>;

const pendingKey = (type: string, value: string) => `${type}\u0000${value}`;

const atEnd = new WeakMap<MigrationInfo, Pending>();

/**
 * Values added to existing enums and not yet committed just before `statementIndex` of `migration`,
 * assuming every migration since the first runs in one migrate() transaction (a fresh database;
 * in production, whenever the migrations are pending together). A COMMIT in a file ends it.
 */
export function pendingEnumValues(history: readonly MigrationInfo[], migration: MigrationInfo, statementIndex: number): Pending {
  // Rules ask statement by statement, in order: resume from the last answer instead of walking
  // the migration from its start each time (quadratic on a migration with many statements).
  let cursor = cursors.get(migration);
  if (!cursor || cursor.index > statementIndex) {
    const before = migration.position > 0 ? endOf(history, migration.position - 1) : new Map();
    cursor = { index: 0, pending: new Map(before), created: new Set() };
    cursors.set(migration, cursor);
  }
  advance(cursor, migration, statementIndex);
  return new Map(cursor.pending);
}

interface Cursor {
  /** Statements before this index are applied to `pending`. */
  index: number;
  pending: Pending;
  /** Enums created since the last COMMIT in this migration. */
  created: Set<string>;
}

const cursors = new WeakMap<MigrationInfo, Cursor>();

function endOf(history: readonly MigrationInfo[], position: number): Pending {
  // Iterative, memoised: each earlier migration is walked once.
  let start = position;
  while (start > 0 && !atEnd.has(history[start - 1])) start--;
  let state: Pending = start > 0 ? atEnd.get(history[start - 1])! : new Map();
  for (let p = start; p <= position; p++) {
    const cached = atEnd.get(history[p]);
    if (cached) {
      state = cached;
      continue;
    }
    const cursor: Cursor = { index: 0, pending: new Map(state), created: new Set() };
    advance(cursor, history[p], history[p].statements.length);
    state = cursor.pending;
    atEnd.set(history[p], state);
  }
  return state;
}

function advance(cursor: Cursor, migration: MigrationInfo, until: number): void {
  const { pending, created } = cursor;
  for (let i = cursor.index; i < until && i < migration.statements.length; i++) {
    cursor.index = i + 1;
    const s = migration.statements[i];
    if (s.kind === 'TransactionStmt') {
      const k: string = s.ast.kind ?? '';
      if (k.startsWith('TRANS_STMT_COMMIT') || k.startsWith('TRANS_STMT_ROLLBACK')) {
        pending.clear();
        created.clear();
      }
      continue;
    }
    for (const e of migration.effects[i] ?? []) {
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

function dropType(pending: Pending, type: string): void {
  for (const [k, v] of pending) if (v.type === type) pending.delete(k);
}

export function lookupPending(pending: Pending, type: string, value: string): PendingValue | undefined {
  return pending.get(pendingKey(type, value));
}

export { key as enumKey };
