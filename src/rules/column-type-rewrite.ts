import { alterCommands, locateTypeName } from '../analysis/alter-table.js';
import { castWithoutUsing, storedType, typeChangeRewrites } from '../analysis/casts.js';
import { defineRule } from '../engine/define-rule.js';
import type { Node } from '../engine/ast.js';
import { str } from '../engine/ast.js';
import type { MigrationInfo } from '../engine/types.js';
import { key, quoteIdent, typeToSql, type Table, type TypeRef } from '../schema/model.js';
import { batchUpdate } from '../analysis/backfill.js';
import { lockHeld } from '../analysis/existing.js';
import { SERIAL_TYPES, typeFromAst, typeKey } from '../schema/typename.js';

export default defineRule({
  id: 'column-type-rewrite',
  meta: {
    description: 'A column type change that rewrites the whole table and its indexes under ACCESS EXCLUSIVE (integer → bigint, text → varchar(n)…); binary-coercible changes are not reported.',
    category: 'locking',
    defaultSeverity: 'warn',
    messages: {
      rewrite:
        'Changing {table}.{column} from {from} to {to} rewrites the whole table and rebuilds its indexes under an ACCESS EXCLUSIVE lock: every read and write of {table} waits {until}, for as long as copying the table takes.{note}',
      rewriteMany:
        'This migration changes {count} column types that rewrite their tables ({items}): each rewrites the whole table and rebuilds its indexes under an ACCESS EXCLUSIVE lock (several in one ALTER TABLE share one rewrite), and every read and write of the table waits {until}, for as long as copying it takes.{all:note}',
    },
    help: {
      rewriteMany: 'On big tables, change the types in steps instead (expand and contract): add a column of the new type, backfill it in batches outside migrate(), switch the code to it, then drop the old column and rename the new one in a later migration:\n{all:expand}\nOn small tables keep the statements but bound the wait: SET LOCAL lock_timeout = \'5s\'; before them.',
    },
  },
  check({ statement, schema, isEmptyTable, migration, inTransaction, report }) {
    let enums: { dropped: Set<string>; created: Set<string> } | undefined;
    for (const { subtype, cmd, tableKey, table, tableSql } of alterCommands(statement, schema)) {
      if (subtype !== 'AT_AlterColumnType' || !table) continue;
      const def = cmd.def?.ColumnDef;
      const column = table.columns.get(cmd.name);
      if (!def?.typeName || !column) continue;
      if (isEmptyTable(tableKey)) continue;
      const from = column.type;
      const to = typeFromAst(def.typeName);
      if (to.builtin && SERIAL_TYPES.has(to.name)) continue; // fails: cast-without-using
      const isEnum = (t: TypeRef) => !t.builtin && schema.enums.has(key(t.schema, t.name));
      const using: Node | undefined = def.raw_default;
      if (using === undefined && castWithoutUsing(from, to, isEnum) === 'none') continue; // fails: cast-without-using
      let rewrites = typeChangeRewrites(from, to);
      if (rewrites === undefined && (from.builtin || isEnum(from)) && (to.builtin || isEnum(to))) {
        // Enum conversions rewrite. Those of an enum rebuild (value removed: enum → text → new enum of
        // the same name) or of an enum renamed as "create" are reported, rewrite included, by enum-recreate.
        enums ??= enumChanges(migration);
        const k = (t: TypeRef) => key(t.schema, t.name);
        const awayFromRebuilt = isEnum(from) && enums.dropped.has(k(from)) && enums.created.size > 0;
        const intoRebuilt = isEnum(to) && enums.created.has(k(to)) && (enums.dropped.has(k(to)) || (isEnum(from) && enums.dropped.has(k(from))));
        if (awayFromRebuilt || intoRebuilt) continue;
        rewrites = true;
      }
      if (using !== undefined && !plainUsing(using, cmd.name)) rewrites = typeKey(storedType(from)) === typeKey(storedType(to)) ? rewrites : true;
      if (rewrites !== true) continue;
      const col = quoteIdent(cmd.name);
      const toSql = typeToSql(to);
      const tz = from.name === 'timestamp' && to.name === 'timestamp with time zone' && from.arrayDims === 0 && to.arrayDims === 0;
      const expand = rewriteSteps(tableSql, table, cmd.name, to);
      report({
        messageId: 'rewrite',
        data: {
          table: tableSql,
          column: col,
          from: typeToSql(storedType(from)),
          to: toSql,
          until: lockHeld(inTransaction),
          note: tz ? ' (PostgreSQL 12+ skips the rewrite only when the session TimeZone is UTC.)' : '',
          expand: expand.join('\n'),
        },
        location: locateTypeName(statement, def.typeName.location, typeToSql(to).length),
        lockOn: tableKey,
        help: rewriteHelp(tableSql, cmd.name, from, to, expand),
        group: { key: 'rewrite', messageId: 'rewriteMany', item: `${tableSql}.${col} ${typeToSql(storedType(from))} → ${toSql}` },
      });
    }
  },
});

/** USING "col" or USING "col"::type: PostgreSQL judges the rewrite by the cast alone. */
function plainUsing(using: Node, column: string): boolean {
  const ref = using.TypeCast ? using.TypeCast.arg : using;
  const fields = ref?.ColumnRef?.fields ?? [];
  return fields.length > 0 && str(fields[fields.length - 1]) === column;
}

/** Enums dropped and enums created in this migration (read from the statements: later effects are not known yet). */
function enumChanges(migration: MigrationInfo): { dropped: Set<string>; created: Set<string> } {
  const dropped = new Set<string>();
  const created = new Set<string>();
  const qualified = (names: string[]) => key(names.length > 1 ? names[names.length - 2] : undefined, names[names.length - 1]);
  for (const s of migration.statements) {
    if (s.kind === 'DropStmt' && s.ast.removeType === 'OBJECT_TYPE') {
      for (const o of s.ast.objects ?? []) {
        const names = (o.TypeName?.names ?? o.List?.items ?? []).map(str);
        if (names.length) dropped.add(qualified(names));
      }
    } else if (s.kind === 'CreateEnumStmt') {
      const names = (s.ast.typeName ?? []).map(str);
      if (names.length) created.add(qualified(names));
    }
  }
  return { dropped, created };
}

/** Expand and contract: the new column, its batched backfill, and what follows. */
function rewriteSteps(tableSql: string, table: Table, column: string, to: TypeRef): string[] {
  const col = quoteIdent(column);
  const next = quoteIdent(`${column}_new`);
  const toSql = typeToSql(to);
  return [
    `ALTER TABLE ${tableSql} ADD COLUMN ${next} ${toSql};`,
    `-- outside migrate(): ${batchUpdate(tableSql, table, `${column}_new`, `${col}::${toSql}`, `${next} IS NULL AND ${col} IS NOT NULL`)}`,
    `-- then switch the code to ${next}, and in a later migration drop ${col} and rename ${next} to ${col}.`,
  ];
}

function rewriteHelp(tableSql: string, column: string, from: TypeRef, to: TypeRef, expand: string[]): string {
  const col = quoteIdent(column);
  const lines: string[] = [];
  const f = storedType(from);
  if (f.name === 'varchar' && to.name === 'varchar' && f.arrayDims === 0 && to.arrayDims === 0) {
    lines.push(`A longer limit or text does not rewrite: ALTER TABLE ${tableSql} ALTER COLUMN ${col} SET DATA TYPE text; (then CHECK (char_length(${col}) <= n) NOT VALID if you need a limit). Otherwise:`);
  }
  lines.push(`On a big table, change the type in steps instead (expand and contract):`, ...expand, `On a small table, keep the statement but bound the wait: SET LOCAL lock_timeout = '5s'; before it.`);
  return lines.join('\n');
}
