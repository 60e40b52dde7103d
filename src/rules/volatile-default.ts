import { columnsAddedToPopulatedTables } from '../analysis/alter-table.js';
import { batchUpdate, laterConstraints } from '../analysis/backfill.js';
import { volatileCall } from '../analysis/casts.js';
import { lockHeld } from '../analysis/existing.js';
import { defineRule } from '../engine/define-rule.js';
import type { Node } from '../engine/ast.js';
import { exprText } from '../schema/expr.js';
import { quoteIdent, typeToSql } from '../schema/model.js';
import { SERIAL_TYPES, typeFromAst } from '../schema/typename.js';

export default defineRule({
  id: 'volatile-default',
  meta: {
    description: 'ADD COLUMN with a volatile default (gen_random_uuid(), clock_timestamp(), random(), serial, identity) on an existing table: a full table rewrite under ACCESS EXCLUSIVE. Before PostgreSQL 11, any default.',
    category: 'locking',
    defaultSeverity: 'warn',
    messages: {
      volatileDefault:
        'Adding {table}.{column} with the volatile default {expr} rewrites the whole table and its indexes under an ACCESS EXCLUSIVE lock, to store a different value in every existing row: every read and write of {table} waits {until}. Constant defaults and now() do not rewrite (PostgreSQL 11+).',
      sequenceDefault:
        'Adding {table}.{column} as {what} rewrites the whole table and its indexes under an ACCESS EXCLUSIVE lock, to number every existing row from the sequence: every read and write of {table} waits {until}.',
      anyDefault:
        'Adding {table}.{column} with a default ({expr}) rewrites the whole table and its indexes under an ACCESS EXCLUSIVE lock before PostgreSQL 11 (the target is PostgreSQL {version}): every read and write of {table} waits {until}.',
      many:
        'This migration adds {count} columns to existing tables that rewrite them ({items}): volatile defaults, serial and identity columns store a value in every existing row, so each rewrites its table and indexes under an ACCESS EXCLUSIVE lock, and every read and write of the table waits {until}.',
    },
    help: {
      many: 'Add each column without its default, set the default for new rows, backfill old rows in batches outside migrate(), then add back its constraints:\n{all:steps}',
    },
  },
  check({ statement, schema, isEmptyTable, settings, inTransaction, report }) {
    for (const { def, table, tableKey, tableSql } of columnsAddedToPopulatedTables(statement, schema, isEmptyTable)) {
      const defaultExpr = defaultOf(def);
      const identity = (def.constraints ?? []).some((c: Node) => c.Constraint?.contype === 'CONSTR_IDENTITY');
      const type = typeFromAst(def.typeName);
      const serial = type.builtin && SERIAL_TYPES.has(type.name);
      // Most added columns have a constant default or none: nothing to report, nothing more to compute.
      if (!serial && !identity && (defaultExpr === undefined || (settings.pgVersion >= 11 && !volatileCall(defaultExpr)))) continue;
      const col = quoteIdent(def.colname);
      const location = statement.locate(def.location, col.length);
      const later = laterConstraints(tableSql, table, def);
      const data = { table: tableSql, column: col, until: lockHeld(inTransaction) };
      const group = { key: 'rewrite', messageId: 'many' as const, item: `${tableSql}.${col}` };
      const then = later.length ? ['then, in a later migration, what the column declared:', ...later] : [];
      if (serial || identity) {
        const plain = identity ? typeToSql(type) : type.name === 'bigserial' ? 'bigint' : type.name === 'smallserial' ? 'smallint' : 'integer';
        const sequence = quoteIdent(`${table.name}_${def.colname}_seq`);
        const steps = [
          `ALTER TABLE ${tableSql} ADD COLUMN ${col} ${plain};`,
          `CREATE SEQUENCE ${sequence} AS ${plain} OWNED BY ${tableSql}.${col};`,
          `ALTER TABLE ${tableSql} ALTER COLUMN ${col} SET DEFAULT nextval('${sequence.replaceAll("'", "''")}');`,
          batchUpdate(tableSql, table, def.colname, `nextval('${sequence.replaceAll("'", "''")}')`),
          ...then,
        ].join('\n');
        report({
          messageId: 'sequenceDefault',
          data: { ...data, what: identity ? 'an identity column' : `${type.name} (a nextval() default)`, steps },
          location,
          lockOn: tableKey,
          help: `Add the column as a plain nullable ${plain}, attach the sequence, and number the old rows in batches outside migrate():\n${steps}`,
          group,
        });
        continue;
      }
      // Here the default is volatile, or any default counts (before PostgreSQL 11).
      const volatile = volatileCall(defaultExpr!);
      // Deparsed only for a finding (the deparser is loaded on first use).
      const expr = exprText(defaultExpr!);
      const typeSql = typeToSql(type);
      const steps = [`ALTER TABLE ${tableSql} ADD COLUMN ${col} ${typeSql};`, `ALTER TABLE ${tableSql} ALTER COLUMN ${col} SET DEFAULT ${expr};`, batchUpdate(tableSql, table, def.colname, expr), ...then].join('\n');
      if (volatile) {
        report({
          messageId: 'volatileDefault',
          data: { ...data, expr, steps },
          location,
          lockOn: tableKey,
          help: [
            `Add the column without the default, then set it (it applies to new rows only), and backfill old rows in batches outside migrate():`,
            steps,
            `Or generate the value in the app (\`.$defaultFn(() => crypto.randomUUID())\`) and keep the column nullable until the backfill is done.`,
          ].join('\n'),
          group,
        });
      } else if (settings.pgVersion < 11) {
        report({
          messageId: 'anyDefault',
          data: { ...data, expr, version: settings.pgVersion, steps },
          location,
          lockOn: tableKey,
          help: `Add the column without the default, then set it (it applies to new rows only) and backfill old rows in batches:\n${steps}`,
          group,
        });
      }
    }
  },
});

/** The column's DEFAULT expression, unless it is DEFAULT NULL. */
function defaultOf(def: Node): Node | undefined {
  let expr: Node | undefined = def.raw_default;
  for (const c of def.constraints ?? []) if (c.Constraint?.contype === 'CONSTR_DEFAULT') expr = c.Constraint.raw_expr;
  if (expr?.A_Const?.isnull === true) return undefined;
  return expr;
}
