import type { Node } from '../engine/ast.js';
import { strs } from '../engine/ast.js';
import { exprText } from '../schema/expr.js';
import { qualifiedName, quoteIdent, type Table } from '../schema/model.js';
import { truncateIdentifier } from '../schema/replay.js';

/**
 * The advice the rewrite rules give when a column must be filled without rewriting the table:
 * add it bare, backfill in batches outside migrate(), then add back what the column declared.
 */

const FK_ACTIONS: Record<string, string> = { a: 'no action', r: 'restrict', c: 'cascade', n: 'set null', d: 'set default' };

/**
 * One batch of a backfill, to repeat (outside migrate()) until it updates no row: the rows picked
 * by the table's primary key, or by ctid when it has none (a range of a primary key the table does
 * not have is no advice).
 */
export function batchUpdate(tableSql: string, table: Table | undefined, column: string, value: string, where = `${quoteIdent(column)} IS NULL`): string {
  const pk = table ? [...table.constraints.values()].find((c) => c.kind === 'primaryKey' && !c.columns.includes(column)) : undefined;
  const key = pk ? (pk.columns.length === 1 ? quoteIdent(pk.columns[0]) : `(${pk.columns.map(quoteIdent).join(', ')})`) : 'ctid';
  return `UPDATE ${tableSql} SET ${quoteIdent(column)} = ${value} WHERE ${key} IN (SELECT ${key} FROM ${tableSql} WHERE ${where} LIMIT 10000);  -- repeat until it updates no row`;
}

/**
 * What an `ADD COLUMN` declared besides its type and default (NOT NULL, PRIMARY KEY, UNIQUE,
 * REFERENCES, CHECK), as the statements that add it to the filled column later without a long
 * lock: advice that adds the column bare must not drop them.
 */
export function laterConstraints(tableSql: string, table: Table, def: Node): string[] {
  const column = quoteIdent(def.colname);
  const lines: string[] = [];
  let notNull = false;
  const index = (name: string, kind: 'PRIMARY KEY' | 'UNIQUE') => {
    lines.push(`CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ${quoteIdent(name)} ON ${tableSql} (${column});  -- outside migrate()`);
    lines.push(`ALTER TABLE ${tableSql} ADD CONSTRAINT ${quoteIdent(name)} ${kind} USING INDEX ${quoteIdent(name)};`);
  };
  for (const c of def.constraints ?? []) {
    const con = c.Constraint;
    switch (con?.contype) {
      case 'CONSTR_NOTNULL':
        notNull = true;
        break;
      case 'CONSTR_PRIMARY':
        notNull = true;
        index(con.conname ?? truncateIdentifier(`${table.name}_pkey`), 'PRIMARY KEY');
        break;
      case 'CONSTR_UNIQUE':
        index(con.conname ?? truncateIdentifier(`${table.name}_${def.colname}_key`), 'UNIQUE');
        break;
      case 'CONSTR_FOREIGN': {
        const name = quoteIdent(con.conname ?? truncateIdentifier(`${table.name}_${def.colname}_fkey`));
        const ref = `${qualifiedName(con.pktable?.schemaname ?? 'public', con.pktable?.relname ?? '')}(${strs(con.pk_attrs).map(quoteIdent).join(', ')})`;
        lines.push(`ALTER TABLE ${tableSql} ADD CONSTRAINT ${name} FOREIGN KEY (${column}) REFERENCES ${ref} ON DELETE ${FK_ACTIONS[con.fk_del_action] ?? 'no action'} ON UPDATE ${FK_ACTIONS[con.fk_upd_action] ?? 'no action'} NOT VALID;`);
        lines.push(`ALTER TABLE ${tableSql} VALIDATE CONSTRAINT ${name};`);
        break;
      }
      case 'CONSTR_CHECK': {
        const name = quoteIdent(con.conname ?? truncateIdentifier(`${table.name}_${def.colname}_check`));
        lines.push(`ALTER TABLE ${tableSql} ADD CONSTRAINT ${name} CHECK (${exprText(con.raw_expr)}) NOT VALID;`);
        lines.push(`ALTER TABLE ${tableSql} VALIDATE CONSTRAINT ${name};`);
        break;
      }
      default:
        break;
    }
  }
  // First, so the primary key's USING INDEX finds the column NOT NULL (else it sets it, with a scan).
  if (notNull) lines.unshift(`ALTER TABLE ${tableSql} ALTER COLUMN ${column} SET NOT NULL;  -- see set-not-null to do it without a long lock`);
  return lines;
}
