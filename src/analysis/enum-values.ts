import type { MigrationInfo } from '../engine/types.js';
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

/** The values pending at one point: by enum and value, and how many there are. */
export interface Pending {
  readonly size: number;
  get(type: string, value: string): PendingValue | undefined;
  /** Whether any pending value (of any enum) has this text: a quick test before a statement's syntax is walked. */
  hasValue(value: string): boolean;
}

/**
 * Values added to existing enums and not yet committed just before `statementIndex` of `migration`,
 * assuming every migration since the first runs in one migrate() transaction (a fresh database;
 * in production, whenever the migrations are pending together). A COMMIT in a file ends it.
 *
 * The answer is the analysis' own, valid until the next call: read it, do not keep it. Rules ask
 * statement by statement, in history order, so one cursor moves forward through the history and
 * is never copied: time is linear in the history, whatever the number of pending values (a copy
 * per migration, or a rebuilt value set per change, made long histories quadratic). Asked out of
 * order (an earlier statement than last time), it starts again from the first migration: a walk
 * of the whole history, so a caller that does so at every migration makes the run quadratic.
 */
export function pendingEnumValues(history: readonly MigrationInfo[], migration: MigrationInfo, statementIndex: number): Pending {
  let cursor = cursors.get(history);
  if (!cursor || cursor.migration.position > migration.position || (cursor.migration === migration && cursor.index > statementIndex)) {
    cursor = new Cursor(history[0]);
    cursors.set(history, cursor);
  }
  // Finish the migrations before this one: the rest of the cursor's, and those no rule asked about.
  while (cursor.migration !== migration) {
    cursor.advance(cursor.migration.statements.length);
    cursor.enter(history[cursor.migration.position + 1]);
  }
  cursor.advance(statementIndex);
  return cursor;
}

/** The current cursor, per history. */
const cursors = new WeakMap<readonly MigrationInfo[], Cursor>();

class Cursor implements Pending {
  /** Pending values by enum key, then value. */
  private readonly byType = new Map<string, Map<string, PendingValue>>();
  /** How many pending values have each text. */
  private readonly texts = new Map<string, number>();
  /** Enums created since the last COMMIT in this migration. */
  private created = new Set<string>();
  size = 0;
  /** Statements of `migration` before this index are applied. */
  index = 0;

  constructor(public migration: MigrationInfo) {}

  get(type: string, value: string): PendingValue | undefined {
    return this.byType.get(type)?.get(value);
  }

  hasValue(value: string): boolean {
    return this.texts.has(value);
  }

  enter(migration: MigrationInfo): void {
    this.migration = migration;
    this.index = 0;
    this.created = new Set();
  }

  advance(until: number): void {
    const migration = this.migration;
    for (let i = this.index; i < until && i < migration.statements.length; i++) {
      this.index = i + 1;
      const s = migration.statements[i];
      if (s.kind === 'TransactionStmt') {
        if (endsTransaction(s)) {
          this.byType.clear();
          this.texts.clear();
          this.size = 0;
          this.created.clear();
        }
        continue;
      }
      for (const e of migration.effects[i] ?? []) {
        switch (e.kind) {
          case 'add-enum-value':
            this.put({ type: e.type, value: e.value, migration, statementIndex: i, typeCreatedHere: this.created.has(e.type) });
            break;
          case 'create-enum':
            this.created.add(e.type);
            this.dropType(e.type);
            break;
          case 'drop-type':
            this.created.delete(e.type);
            this.dropType(e.type);
            break;
          case 'rename-type': {
            const values = [...(this.byType.get(e.from)?.values() ?? [])];
            this.dropType(e.from);
            for (const v of values) this.put({ ...v, type: e.to });
            if (this.created.delete(e.from)) this.created.add(e.to);
            break;
          }
          case 'rename-enum-value': {
            const v = this.get(e.type, e.from);
            if (v) {
              this.remove(v);
              this.put({ ...v, value: e.to });
            }
            break;
          }
          default:
            break;
        }
      }
    }
  }

  private put(v: PendingValue): void {
    const old = this.get(v.type, v.value);
    if (old) this.remove(old); // may drop the enum's map when it held only that value
    let values = this.byType.get(v.type);
    if (!values) this.byType.set(v.type, (values = new Map()));
    values.set(v.value, v);
    this.size++;
    this.texts.set(v.value, (this.texts.get(v.value) ?? 0) + 1);
  }

  private remove(v: PendingValue): void {
    const values = this.byType.get(v.type);
    if (!values?.delete(v.value)) return;
    if (values.size === 0) this.byType.delete(v.type);
    this.size--;
    const n = this.texts.get(v.value)! - 1;
    if (n === 0) this.texts.delete(v.value);
    else this.texts.set(v.value, n);
  }

  private dropType(type: string): void {
    for (const v of [...(this.byType.get(type)?.values() ?? [])]) this.remove(v);
  }
}
