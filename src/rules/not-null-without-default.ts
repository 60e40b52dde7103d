import { columnLabel, columnsAddedToPopulatedTables } from '../analysis/alter-table.js';
import { defineRule } from '../engine/define-rule.js';
import type { Node } from '../engine/ast.js';
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
      });
    }
  },
});

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
