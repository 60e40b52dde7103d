import { alterCommands, locateColumn } from '../analysis/alter-table.js';
import { defineRule } from '../engine/define-rule.js';
import type { Node } from '../engine/ast.js';
import { str, strs } from '../engine/ast.js';
import type { MigrationInfo, Statement } from '../engine/types.js';
import { key, qualifiedName, quoteIdent, type SchemaState, type Sequence } from '../schema/model.js';

export default defineRule({
  id: 'serial-to-identity',
  meta: {
    description: 'ADD GENERATED … AS IDENTITY on an existing serial column while its nextval() default and sequence are still there: the migration fails, or the identity restarts at 1 and collides with existing ids.',
    category: 'correctness',
    defaultSeverity: 'error',
    messages: {
      hasDefault:
        'ADD GENERATED AS IDENTITY on {table}.{column}, which is still a serial column: its nextval(\'{sequenceName}\') default was never dropped, so the migration fails with `column "{name}" of relation "{tableName}" already has a default value`. drizzle-kit writes only SET DATA TYPE and ADD IDENTITY when `serial()` becomes `.generatedAlwaysAsIdentity()`.',
      sequenceExists:
        'ADD GENERATED AS IDENTITY on {table}.{column} names its sequence {sequence}, but the serial column\'s sequence of that name still exists: the migration fails with `relation "{sequenceName}" already exists`.',
      restartsAtOne:
        'ADD GENERATED AS IDENTITY on {table}.{column} (a serial column until now) starts the new identity sequence at {start}, ignoring the ids already in the table: the first inserts after the deploy fail with duplicate key errors until it passes the current maximum.',
    },
  },
  check({ statement, schema, isNewTable, migration, report }) {
    for (const { subtype, cmd, tableKey, table, tableSql } of alterCommands(statement, schema)) {
      if (subtype !== 'AT_AddIdentity' || !table) continue;
      const column = table.columns.get(cmd.name);
      if (!column || column.identity || isNewTable(tableKey)) continue;
      const owned = ownedSequence(schema, tableKey, cmd.name);
      const droppedDefault = defaultDroppedBefore(migration, statement, tableKey, cmd.name) || column.default !== undefined;
      const serialOrigin = owned !== undefined || droppedSerialSequence(migration, statement, table.schema, table.name, cmd.name);
      if (!serialOrigin) continue;
      const con: Node = cmd.def?.Constraint ?? {};
      const identitySeq = option(con, 'sequence_name');
      const start = option(con, 'start');
      const col = quoteIdent(cmd.name);
      const seqName = owned?.name ?? `${table.name}_${cmd.name}_seq`;
      const seq = qualifiedName(table.schema, seqName);
      const data = { table: tableSql, column: col, name: cmd.name, tableName: table.name, sequence: seq, sequenceName: seqName, start: start ?? '1' };
      const help = fixHelp(tableSql, col, cmd.name, seq, owned !== undefined && !droppedDefault, owned !== undefined, statement.sql);
      const location = locateColumn(statement, cmd.name);
      if (owned && !droppedDefault) {
        report({ messageId: 'hasDefault', data, location, help });
      } else if (owned && (identitySeq === undefined ? `${table.name}_${cmd.name}_seq` : identitySeq) === owned.name) {
        report({ messageId: 'sequenceExists', data, location, help });
      } else if (!restartedAfter(migration, statement, cmd.name) && (start === undefined || Number(start) <= 1)) {
        report({ messageId: 'restartsAtOne', data, location, help });
      }
    }
  },
});

function ownedSequence(schema: Readonly<SchemaState>, tableKey: string, column: string): Sequence | undefined {
  for (const s of schema.sequences.values()) if (s.ownedBy === `${tableKey}.${column}`) return s;
  return undefined;
}

/** Statements of this migration before `statement`. */
function before(migration: MigrationInfo, statement: Statement): { s: Statement; i: number }[] {
  return migration.statements.map((s, i) => ({ s, i })).filter(({ s }) => s.index < statement.index);
}

function defaultDroppedBefore(migration: MigrationInfo, statement: Statement, tableKey: string, column: string): boolean {
  return before(migration, statement).some(({ i }) => migration.effects[i].some((e) => e.kind === 'drop-default' && e.table === tableKey && e.column === column));
}

/** `DROP SEQUENCE "<table>_<column>_seq"` earlier in the migration: the column was serial. */
function droppedSerialSequence(migration: MigrationInfo, statement: Statement, schema: string, table: string, column: string): boolean {
  const wanted = key(schema, `${table}_${column}_seq`);
  return before(migration, statement).some(({ s }) => {
    if (s.kind !== 'DropStmt' || s.ast.removeType !== 'OBJECT_SEQUENCE') return false;
    return (s.ast.objects ?? []).some((o: Node) => {
      const names = strs(o.List?.items ?? []);
      return key(names.length > 1 ? names[names.length - 2] : undefined, names[names.length - 1] ?? '') === wanted;
    });
  });
}

/** A later `setval(…)`, `ALTER SEQUENCE … RESTART` or `ALTER COLUMN … RESTART` in the migration. */
function restartedAfter(migration: MigrationInfo, statement: Statement, column: string): boolean {
  return migration.statements.some((s) => {
    if (s.index <= statement.index) return false;
    if (/\bsetval\s*\(/i.test(s.sql)) return true;
    if (s.kind === 'AlterSeqStmt' && /\brestart\b/i.test(s.sql)) return true;
    return s.kind === 'AlterTableStmt' && /\brestart\b/i.test(s.sql) && s.sql.includes(column);
  });
}

function option(con: Node, name: string): string | undefined {
  for (const o of con.options ?? []) {
    const d = o.DefElem;
    if (d?.defname !== name) continue;
    if (name === 'sequence_name') {
      const names = (d.arg?.List?.items ?? (Array.isArray(d.arg) ? d.arg : [])).map(str);
      return names[names.length - 1];
    }
    const v = d.arg?.Integer?.ival ?? d.arg?.Float?.fval ?? d.arg?.A_Const?.ival?.ival;
    return v === undefined ? (d.arg?.Integer ? '0' : undefined) : String(v);
  }
  return undefined;
}

function fixHelp(tableSql: string, col: string, column: string, seq: string, dropDefault: boolean, dropSequence: boolean, addIdentity: string): string {
  const lines = ['Before the ADD IDENTITY, drop what serial created; after it, move the identity past the existing ids:'];
  if (dropDefault) lines.push(`ALTER TABLE ${tableSql} ALTER COLUMN ${col} DROP DEFAULT;`);
  if (dropSequence) lines.push(`DROP SEQUENCE ${seq};`);
  lines.push(addIdentity.trim().replace(/;?$/, ';'));
  lines.push(`SELECT setval(pg_get_serial_sequence('${tableSql.replaceAll("'", "''")}', '${column.replaceAll("'", "''")}'), coalesce(max(${col}), 0) + 1, false) FROM ${tableSql};`);
  return lines.join('\n');
}
