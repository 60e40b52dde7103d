import { alterCommands, locateTypeName } from '../analysis/alter-table.js';
import { castWithoutUsing, storedType } from '../analysis/casts.js';
import { defineRule } from '../engine/define-rule.js';
import type { Location } from '../engine/source.js';
import type { Statement } from '../engine/types.js';
import { key, quoteIdent, typeToSql, type TypeRef } from '../schema/model.js';
import { truncateIdentifier } from '../schema/replay.js';
import { SERIAL_TYPES, typeFromAst } from '../schema/typename.js';

export default defineRule({
  id: 'cast-without-using',
  meta: {
    description: 'SET DATA TYPE without USING where PostgreSQL has no automatic cast from the old type (text → integer, varchar → uuid…), or to serial: the migration always fails.',
    category: 'correctness',
    defaultSeverity: 'error',
    messages: {
      noCast:
        'PostgreSQL has no automatic cast from {from} to {to}: changing {table}.{column} without USING fails with `column "{name}" cannot be cast automatically to type {toName}`, on every database, empty or not. drizzle-kit 0.31 never writes USING.',
      serialTarget:
        '`SET DATA TYPE {to}` on {table}.{column} fails with `type "{to}" does not exist`: {to} is not a type but a CREATE TABLE shorthand for an integer column with a sequence and a nextval() default, and ALTER COLUMN cannot use it.',
    },
  },
  check({ statement, schema, report }) {
    for (const { subtype, cmd, table, tableSql } of alterCommands(statement, schema)) {
      if (subtype !== 'AT_AlterColumnType' || !table) continue;
      const def = cmd.def?.ColumnDef;
      const column = table.columns.get(cmd.name);
      if (!def?.typeName || !column) continue;
      const to = typeFromAst(def.typeName);
      const col = quoteIdent(cmd.name);
      const location = locateTypeName(statement, def.typeName.location, typeToSql(to).length);
      if (to.builtin && SERIAL_TYPES.has(to.name)) {
        report({ messageId: 'serialTarget', data: { to: to.name, table: tableSql, column: col }, location, help: serialHelp(tableSql, table.schema, table.name, cmd.name, column.type, to) });
        continue;
      }
      if (def.raw_default !== undefined) continue; // USING given
      const isEnum = (t: TypeRef) => !t.builtin && schema.enums.has(key(t.schema, t.name));
      if (castWithoutUsing(column.type, to, isEnum) !== 'none') continue;
      const toSql = typeToSql(to);
      const using = ` USING ${col}::${toSql}`;
      report({
        messageId: 'noCast',
        data: { from: typeToSql(storedType(column.type)), to: toSql, table: tableSql, column: col, name: cmd.name, toName: to.name },
        location,
        help: [
          `Add USING to the generated statement (values that do not convert make it fail; clean them first or map them in the expression):`,
          `ALTER TABLE ${tableSql} ALTER COLUMN ${col} SET DATA TYPE ${toSql} USING ${col}::${toSql};`,
        ].join('\n'),
        ...(afterType(statement, location) !== undefined ? { fix: { description: `Add USING ${col}::${toSql}`, edits: [{ at: { start: location.end, end: location.end }, text: using }] } } : {}),
      });
    }
  },
});

/**
 * Where USING goes: right after the type as written, when the command ends there (`;`, `,` or the
 * end of the statement; not before a COLLATE clause, which USING must follow).
 */
function afterType(statement: Statement, type: Location): number | undefined {
  if (type === statement.location) return undefined;
  const rest = statement.sql.slice(type.end - statement.location.start);
  return /^\s*(?:[;,]|$)/.test(rest) ? type.end : undefined;
}

function serialHelp(tableSql: string, schema: string, table: string, column: string, from: TypeRef, to: TypeRef): string {
  const base = storedType(to);
  const col = quoteIdent(column);
  const seqName = truncateIdentifier(`${table}_${column}_seq`);
  const seq = schema === 'public' ? quoteIdent(seqName) : `${quoteIdent(schema)}.${quoteIdent(seqName)}`;
  const seqLiteral = `'${seq.replaceAll("'", "''")}'`;
  const lines = [`Replace the statement with what ${to.name} expands to (or use \`${base.name}().generatedByDefaultAsIdentity()\` in the schema):`];
  if (storedType(from).name !== base.name || from.arrayDims > 0) lines.push(`ALTER TABLE ${tableSql} ALTER COLUMN ${col} SET DATA TYPE ${base.name};`);
  lines.push(
    `CREATE SEQUENCE ${seq} AS ${base.name} OWNED BY ${tableSql}.${col};`,
    `SELECT setval(${seqLiteral}, coalesce(max(${col}), 0) + 1, false) FROM ${tableSql};`,
    `ALTER TABLE ${tableSql} ALTER COLUMN ${col} SET DEFAULT nextval(${seqLiteral});`,
  );
  return lines.join('\n');
}
