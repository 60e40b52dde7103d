import { columnsAddedToPopulatedTables } from '../analysis/alter-table.js';
import { volatileCall } from '../analysis/casts.js';
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
        'Adding {table}.{column} with the volatile default {expr} rewrites the whole table and its indexes under an ACCESS EXCLUSIVE lock, to store a different value in every existing row: every read and write of {table} waits until the migration commits. Constant defaults and now() do not rewrite (PostgreSQL 11+).',
      sequenceDefault:
        'Adding {table}.{column} as {what} rewrites the whole table and its indexes under an ACCESS EXCLUSIVE lock, to number every existing row from the sequence: every read and write of {table} waits until the migration commits.',
      anyDefault:
        'Adding {table}.{column} with a default ({expr}) rewrites the whole table and its indexes under an ACCESS EXCLUSIVE lock before PostgreSQL 11 (the target is PostgreSQL {version}): every read and write of {table} waits until the migration commits.',
    },
  },
  check({ statement, schema, isEmptyTable, migration, settings, report }) {
    for (const { def, table, tableKey, tableSql } of columnsAddedToPopulatedTables(statement, schema, isEmptyTable)) {
      const defaultExpr = defaultOf(def);
      const identity = (def.constraints ?? []).some((c: Node) => c.Constraint?.contype === 'CONSTR_IDENTITY');
      const type = typeFromAst(def.typeName);
      const serial = type.builtin && SERIAL_TYPES.has(type.name);
      // Most added columns have a constant default or none: nothing to report, nothing more to compute.
      if (!serial && !identity && (defaultExpr === undefined || (settings.pgVersion >= 11 && !volatileCall(defaultExpr)))) continue;
      const col = quoteIdent(def.colname);
      const typeSql = typeToSql(type);
      const location = statement.locate(def.location, col.length);
      const data = { table: tableSql, column: col };
      const lockOn = tableKey;
      if (serial || identity) {
        report({
          messageId: 'sequenceDefault',
          data: { ...data, what: identity ? 'an identity column' : `${type.name} (a nextval() default)` },
          location,
          lockOn,
          help: sequenceHelp(tableSql, table.name, def.colname, identity ? typeSql : type.name === 'bigserial' ? 'bigint' : type.name === 'smallserial' ? 'smallint' : 'integer'),
        });
        continue;
      }
      // Here the default is volatile, or any default counts (before PostgreSQL 11).
      const volatile = volatileCall(defaultExpr!);
      // Deparsed only for a finding (the deparser is loaded on first use).
      const expr = exprText(defaultExpr!);
      if (volatile) {
        report({
          messageId: 'volatileDefault',
          data: { ...data, expr },
          location,
          lockOn,
          help: [
            `Add the column without the default, then set it (it applies to new rows only), and backfill old rows in batches outside migrate():`,
            `ALTER TABLE ${tableSql} ADD COLUMN ${col} ${typeSql};`,
            `ALTER TABLE ${tableSql} ALTER COLUMN ${col} SET DEFAULT ${expr};`,
            `-- UPDATE ${tableSql} SET ${col} = ${expr} WHERE ${col} IS NULL AND <primary key range>;`,
            `Or generate the value in the app (\`.$defaultFn(() => crypto.randomUUID())\`) and keep the column nullable until the backfill is done.`,
          ].join('\n'),
        });
      } else if (settings.pgVersion < 11) {
        report({
          messageId: 'anyDefault',
          data: { ...data, expr, version: settings.pgVersion },
          location,
          lockOn,
          help: [
            `Add the column without the default, then set it (it applies to new rows only) and backfill old rows in batches:`,
            `ALTER TABLE ${tableSql} ADD COLUMN ${col} ${typeSql};`,
            `ALTER TABLE ${tableSql} ALTER COLUMN ${col} SET DEFAULT ${expr};`,
          ].join('\n'),
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

function sequenceHelp(tableSql: string, table: string, column: string, type: string): string {
  const col = quoteIdent(column);
  return [
    `Add the column as a plain nullable ${type}, attach the sequence, and number the old rows in batches outside migrate():`,
    `ALTER TABLE ${tableSql} ADD COLUMN ${col} ${type};`,
    `CREATE SEQUENCE ${quoteIdent(`${table}_${column}_seq`)} AS ${type} OWNED BY ${tableSql}.${col};`,
    `ALTER TABLE ${tableSql} ALTER COLUMN ${col} SET DEFAULT nextval('${quoteIdent(`${table}_${column}_seq`).replaceAll("'", "''")}');`,
  ].join('\n');
}
