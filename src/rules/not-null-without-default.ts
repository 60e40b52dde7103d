import { columnLabel, columnsAddedToPopulatedTables } from '../analysis/alter-table.js';
import { defineRule } from '../engine/define-rule.js';
import type { Node } from '../engine/ast.js';
import type { FixRequest, Statement } from '../engine/types.js';
import { fillValue } from '../analysis/fill-value.js';
import { quoteIdent, typeToSql } from '../schema/model.js';
import { SERIAL_TYPES, typeFromAst } from '../schema/typename.js';

export default defineRule({
  id: 'not-null-without-default',
  meta: {
    description: 'ADD COLUMN … NOT NULL with no default, identity or generated expression on an existing table: the migration fails as soon as the table has a row.',
    category: 'correctness',
    defaultSeverity: 'error',
    messages: {
      notNullWithoutDefault:
        'Column {column} is added as NOT NULL with no default to the existing table {table}: PostgreSQL fills existing rows with NULL, so the migration fails with `column "{name}" of relation "{tableName}" contains null values` as soon as the table has a row (it passes on empty CI and dev databases). A `.$defaultFn()` does not help: drizzle applies it in the app, not in the database.',
    },
  },
  check({ statement, schema, isEmptyTable, migration, report }) {
    for (const { def, table, tableSql } of columnsAddedToPopulatedTables(statement, schema, isEmptyTable)) {
      const facts = columnFacts(def);
      if (!facts.notNull || facts.filled) continue;
      const type = typeToSql(typeFromAst(def.typeName));
      const col = quoteIdent(def.colname);
      report({
        messageId: 'notNullWithoutDefault',
        data: { column: col, table: tableSql, name: def.colname, tableName: table.name },
        location: statement.locate(def.location, col.length),
        help: [
          `Give the column a default in the schema (\`.default(…)\`; a constant or now() is added without a table rewrite on PostgreSQL 11+):`,
          `ALTER TABLE ${tableSql} ADD COLUMN ${col} ${type} DEFAULT <value> NOT NULL;`,
          `Or add it nullable, backfill it, and make it NOT NULL in a later migration:`,
          `ALTER TABLE ${tableSql} ADD COLUMN ${col} ${type};`,
          `UPDATE ${tableSql} SET ${col} = <value> WHERE ${columnLabel(tableSql, def.colname)} IS NULL;`,
          `ALTER TABLE ${tableSql} ALTER COLUMN ${col} SET NOT NULL;`,
        ].join('\n'),
        suggestions: notNullSuggestions(statement, def, tableSql, fillValue(typeFromAst(def.typeName), schema)),
      });
    }
  },
});

/**
 * The two ways the help describes, with a value of the column's type that the user should check
 * (suggestions: never applied): a DEFAULT before the NOT NULL, or the column added nullable, filled
 * and then made NOT NULL in the same migration (the snapshot still agrees: it only knows the end).
 */
function notNullSuggestions(statement: Statement, def: Node, tableSql: string, value: string | undefined): FixRequest[] {
  if (value === undefined || statement.origin !== 'top-level' || statement.kind !== 'AlterTableStmt' || statement.ast.cmds?.length !== 1) return [];
  const notNull = (def.constraints ?? []).find((c: Node) => c.Constraint?.contype === 'CONSTR_NOTNULL')?.Constraint;
  if (!notNull || notNull.location === undefined) return [];
  const at = statement.offsetOf(notNull.location);
  const sql = statement.sql.replace(/;\s*$/, '');
  const written = /^NOT\s+NULL\b/i.exec(sql.slice(at));
  if (!written) return [];
  const col = quoteIdent(def.colname);
  return [
    { description: `Give ${col} DEFAULT ${value}: existing rows get it (check that it is the value they should have)`, edits: [{ replace: statement, with: [`${sql.slice(0, at)}DEFAULT ${value} ${sql.slice(at)}`] }] },
    {
      description: `Add ${col} nullable, set it to ${value} in existing rows (check the value), then make it NOT NULL`,
      edits: [
        {
          replace: statement,
          with: [`${sql.slice(0, at).trimEnd()}${sql.slice(at + written[0].length)}`, `UPDATE ${tableSql} SET ${col} = ${value} WHERE ${col} IS NULL`, `ALTER TABLE ${tableSql} ALTER COLUMN ${col} SET NOT NULL`],
        },
      ],
    },
  ];
}

/** NOT NULL (or PRIMARY KEY), and whether something fills existing rows (default, identity, generated, serial). */
function columnFacts(def: Node): { notNull: boolean; filled: boolean } {
  let notNull = false;
  let filled = def.raw_default !== undefined || SERIAL_TYPES.has(typeFromAst(def.typeName).name);
  for (const c of def.constraints ?? []) {
    const con = c.Constraint;
    switch (con?.contype) {
      case 'CONSTR_NOTNULL':
      case 'CONSTR_PRIMARY':
        notNull = true;
        break;
      case 'CONSTR_NULL':
        notNull = false;
        break;
      case 'CONSTR_DEFAULT':
        // DEFAULT NULL fills nothing.
        if (!(con.raw_expr?.A_Const?.isnull === true)) filled = true;
        break;
      case 'CONSTR_IDENTITY':
      case 'CONSTR_GENERATED':
        filled = true;
        break;
      default:
        break;
    }
  }
  return { notNull, filled };
}
