import type { Node } from './ast.js';
import { walk } from './ast.js';
import type { Effect } from '../schema/effects.js';
import { key, keyLabel } from '../schema/model.js';
import type { MigrationInfo, Statement } from './types.js';

/**
 * Young tables: a table created a few days before a migration (or in the change under review)
 * holds few rows, so a lock or a scan on it is short. Lock and scan findings on such tables are
 * noise (judged on real histories: none of the true ones was on a table under two weeks old).
 *
 * The engine tracks each table's birth once, for every rule: the migration that created it, kept
 * through renames (`ALTER TABLE … RENAME TO` moves it), forgotten when the table is dropped, and
 * forgotten when an `INSERT … SELECT` fills it from a table that is not young (it is as big as
 * its source then). Tables the history never created, or made by `CREATE TABLE … AS`, have no
 * birth: they count as old.
 *
 * **What "now" is.** A table's age at a statement is measured from its migration's journal
 * `when` to a reference time: the newest journal `when` of the history up to and including the
 * statement's migration. Not the clock:
 * - the same commit lints the same way today and in a year (CI re-runs, bisecting, `--cache`); a
 *   clock would turn findings on by themselves as days pass;
 * - a migration can run no earlier than it, and every migration the journal applies before it,
 *   was generated: the newest `when` so far is the earliest moment it can run. For the history
 *   that is about when it ran; for a change under review, when it will run, unless it waits.
 * - CI on an old branch: the pull request is usually tested as merged with its base, whose newer
 *   migrations raise the reference, so a table the base created long ago is old again. A branch
 *   linted alone measures from its own newest migration, as the day it was written; the young
 *   tables it creates itself are judged young either way (under review).
 * Without journal `when`s (plain SQL files) only the change under review counts.
 */

/** Default of the `recentTableDays` setting (config key); 0 turns the window off. */
export const DEFAULT_RECENT_TABLE_DAYS = 14;

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** A table's birth, as the runner hands the ones it found without replaying to the engine (`EngineInput.tableBirths`). */
export interface TableBirth extends Birth {
  /** The table's key now (`schema.name`). */
  table: string;
}

/** What TableAges reads of a migration. */
export type AgedMigration = Pick<MigrationInfo, 'tag' | 'when' | 'position' | 'selected'>;

interface Birth {
  /** Tag of the migration that created the table. */
  tag: string;
  /** The table's name then (`schema.name`). */
  createdAs: string;
  when?: number;
  /** Created by a migration under review (`--since`, `--staged`). */
  reviewed: boolean;
  /** Created by the migration being checked (then `isNewTable` already says so). */
  position: number;
}

export class TableAges {
  private readonly births = new Map<string, Birth>();
  private readonly windowMs: number;
  /** Newest journal `when` up to the current migration. */
  private reference: number | undefined;
  private current: AgedMigration | undefined;

  /**
   * @param days the window (`recentTableDays`); 0 or less: off.
   * @param underReview the selected migrations are a change under review: tables they create are young.
   */
  constructor(
    days: number,
    private readonly underReview: boolean,
  ) {
    this.windowMs = days > 0 ? days * DAY_MS : 0;
  }

  /** Every migration of the history, in order (also those only replayed or skipped as context). */
  enter(migration: AgedMigration): void {
    this.current = migration;
    if (migration.when !== undefined && (this.reference === undefined || migration.when > this.reference)) this.reference = migration.when;
  }

  /** After each replayed statement, with what it changed. */
  record(statement: Statement, effects: readonly Effect[]): void {
    const m = this.current!;
    for (const e of effects) {
      if (e.kind === 'create-table') this.births.set(e.table, { tag: m.tag, createdAs: e.table, when: m.when, reviewed: this.underReview && m.selected, position: m.position });
      else if (e.kind === 'drop-table') this.births.delete(e.table);
      else if (e.kind === 'rename-table') {
        const birth = this.births.get(e.from);
        this.births.delete(e.from);
        if (birth) this.births.set(e.to, birth);
      }
    }
    if (statement.kind === 'InsertStmt' && this.births.size > 0) this.recordCopy(statement.ast);
  }

  /** The births known so far (the runner's scan of context migrations hands them to the engine's). */
  list(): TableBirth[] {
    return [...this.births].map(([table, birth]) => ({ ...birth, table }));
  }

  /** Births found before the engine's first replayed migration (context-plan.ts scans the young-table window). */
  adopt(births: readonly TableBirth[]): void {
    for (const { table, ...birth } of births) this.births.set(table, birth);
  }

  /**
   * Why the table counts as young at this point (a sentence for `--explain-skips`), or undefined.
   * Tables created in the migration being checked are not asked about here (`isNewTable`).
   */
  youth(tableKey: string): string | undefined {
    const birth = this.youngBirth(tableKey);
    if (!birth) return undefined;
    if (birth.position === this.current!.position) return `it is created earlier in this migration`;
    const where = birth.createdAs === tableKey ? birth.tag : `${birth.tag} (as ${keyLabel(birth.createdAs)})`;
    if (birth.reviewed) return `it is created in ${where}, part of the change under review`;
    return `it was created in ${where}, ${describeAge(this.reference! - birth.when!)} before this migration (young tables are small: recentTableDays is ${this.windowMs / DAY_MS})`;
  }

  /** Whether `youth` has a reason, without writing it (asked for every lock and scan finding). */
  isYoung(tableKey: string): boolean {
    return this.youngBirth(tableKey) !== undefined;
  }

  /** The table's birth when it makes the table young at this point. */
  private youngBirth(tableKey: string): Birth | undefined {
    const birth = this.births.get(tableKey);
    if (!birth) return undefined;
    if (birth.position === this.current!.position || birth.reviewed) return birth;
    if (this.windowMs === 0 || birth.when === undefined || this.reference === undefined) return undefined;
    return this.reference - birth.when < this.windowMs ? birth : undefined;
  }

  /** `INSERT INTO t SELECT … FROM s`: t holds s's rows, so it is young only if s is. */
  private recordCopy(ast: Node): void {
    const copy = rowCopy(ast);
    if (!copy || !this.isYoung(copy.target)) return;
    if (copy.sources.some((source) => !this.isYoung(source))) this.births.delete(copy.target);
  }
}

/**
 * `INSERT INTO t … SELECT … FROM s, u`: the table it fills and the tables it reads (CTE names and
 * the target itself left out). One reading for the analyses that ask where rows went: a young
 * table filled from an old one (table-age), a table copied before it is dropped (renames).
 */
export function rowCopy(insert: Node): { target: string; sources: string[] } | undefined {
  if (!insert?.relation?.relname || !insert.selectStmt) return undefined;
  const target = key(insert.relation.schemaname, insert.relation.relname);
  const ctes = cteNames(insert);
  const sources: string[] = [];
  walk(insert.selectStmt, (tag, fields) => {
    if (tag !== 'RangeVar' || !fields.relname || (!fields.schemaname && ctes.has(fields.relname))) return;
    const source = key(fields.schemaname, fields.relname);
    if (source !== target && !sources.includes(source)) sources.push(source);
  });
  return sources.length ? { target, sources } : undefined;
}

function cteNames(ast: Node): Set<string> {
  const names = new Set<string>();
  for (const cte of [...(ast.withClause?.ctes ?? []), ...(ast.selectStmt?.SelectStmt?.withClause?.ctes ?? [])]) {
    if (cte.CommonTableExpr?.ctename) names.add(cte.CommonTableExpr.ctename);
  }
  return names;
}

function describeAge(ms: number): string {
  if (ms < HOUR_MS) return 'less than an hour';
  if (ms < 2 * DAY_MS) {
    const hours = Math.floor(ms / HOUR_MS);
    return `${hours} hour${hours === 1 ? '' : 's'}`;
  }
  return `${Math.floor(ms / DAY_MS)} days`;
}
