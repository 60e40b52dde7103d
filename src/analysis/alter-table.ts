import type { Node } from '../engine/ast.js';
import type { Location } from '../engine/source.js';
import type { Statement } from '../engine/types.js';
import { key, qualifiedName, quoteIdent, type SchemaState, type Table } from '../schema/model.js';

/** One `ALTER TABLE` sub-command, with the table it applies to. */
export interface AlterCommand {
  /** `AT_AddColumn`, `AT_SetNotNull`, … */
  subtype: string;
  cmd: Node;
  tableKey: string;
  /** The table as it is just before the statement (undefined when the model does not know it). */
  table?: Table;
  /** `"schema"."table"` as SQL (schema omitted for public). */
  tableSql: string;
}

/**
 * Six rules ask for the same statement's sub-commands: computed once per statement (and schema).
 * Keyed by the statement's syntax tree, which the engine lets go when the migration is done: the
 * memo (syntax and table objects) goes with it, and memory does not grow with the history.
 */
const computed = new WeakMap<object, { schema: Readonly<SchemaState>; commands: readonly AlterCommand[] }>();

/** The sub-commands of an `ALTER TABLE` statement (nothing for other statements, views, indexes…). Do not change the array. */
export function alterCommands(statement: Statement, schema: Readonly<SchemaState>): readonly AlterCommand[] {
  if (statement.kind !== 'AlterTableStmt') return [];
  const known = computed.get(statement.ast);
  if (known?.schema === schema) return known.commands;
  const commands = listCommands(statement, schema);
  computed.set(statement.ast, { schema, commands });
  return commands;
}

function listCommands(statement: Statement, schema: Readonly<SchemaState>): AlterCommand[] {
  const ast = statement.ast;
  if (ast.objtype && ast.objtype !== 'OBJECT_TABLE') return [];
  const tableKey = key(ast.relation?.schemaname, ast.relation?.relname ?? '');
  const table = schema.tables.get(tableKey);
  const tableSql = qualifiedName(ast.relation?.schemaname ?? 'public', ast.relation?.relname ?? '');
  const out: AlterCommand[] = [];
  for (const node of ast.cmds ?? []) {
    const cmd = node.AlterTableCmd;
    if (cmd) out.push({ subtype: cmd.subtype, cmd, tableKey, table, tableSql });
  }
  return out;
}

/**
 * The sub-commands of one kind that act on a table with rows as far as the migration shows (known
 * to the schema, not created or emptied earlier in this migration): where locks, scans and
 * failures on existing rows matter.
 */
export function commandsOnPopulatedTables(statement: Statement, schema: Readonly<SchemaState>, isEmptyTable: (tableKey: string) => boolean, subtype: string): (AlterCommand & { table: Table })[] {
  return alterCommands(statement, schema).filter((c): c is AlterCommand & { table: Table } => c.subtype === subtype && c.table !== undefined && !isEmptyTable(c.tableKey));
}

/** `ADD COLUMN`s on populated tables, with the column definition (skipping `IF NOT EXISTS` no-ops). */
export function columnsAddedToPopulatedTables(statement: Statement, schema: Readonly<SchemaState>, isEmptyTable: (tableKey: string) => boolean): (AlterCommand & { table: Table; def: Node })[] {
  return commandsOnPopulatedTables(statement, schema, isEmptyTable, 'AT_AddColumn').flatMap((c) => {
    const def = c.cmd.def?.ColumnDef;
    if (!def || (c.cmd.missing_ok === true && c.table.columns.has(def.colname))) return [];
    return [{ ...c, def }];
  });
}

/**
 * The location of a column name inside the statement (`"nickname"` in `ALTER COLUMN "nickname" SET
 * NOT NULL`), for sub-commands whose AST has no location. Searches after the table name; falls back
 * to the whole statement.
 */
export function locateColumn(statement: Statement, column: string): Location {
  const anchor = statement.ast?.relation?.location;
  return locateText(statement, column, typeof anchor === 'number' ? anchor : undefined);
}

/**
 * The location of a name (quoted, or else as a bare word) in the statement text, searched from the
 * AST location `from` (default: the first location in the tree); the whole statement when absent.
 */
export function locateText(statement: Statement, name: string, from?: number): Location {
  const anchor = from ?? firstLocation(statement.ast);
  if (anchor === undefined) return statement.location;
  const anchorIndex = statement.offsetOf(anchor);
  for (const text of [quoteIdent(name), name]) {
    let found = findWord(statement.sql, text, anchorIndex);
    if (found < 0 && from === undefined) found = findWord(statement.sql, text, 0);
    if (found >= 0) return locateIndex(statement, found, text.length);
  }
  return statement.location;
}

/** The file location of `length` characters at string index `index` of `statement.sql`. */
export function locateIndex(statement: Statement, index: number, length: number): Location {
  const anchor = firstLocation(statement.ast);
  if (anchor === undefined) return statement.location;
  const anchorIndex = statement.offsetOf(anchor);
  const sql = statement.sql;
  const delta = index >= anchorIndex ? Buffer.byteLength(sql.slice(anchorIndex, index), 'utf8') : -Buffer.byteLength(sql.slice(index, anchorIndex), 'utf8');
  return statement.locate(anchor + delta, length);
}

function firstLocation(node: Node): number | undefined {
  if (!node || typeof node !== 'object') return undefined;
  if (Array.isArray(node)) {
    for (const n of node) {
      const l = firstLocation(n);
      if (l !== undefined) return l;
    }
    return undefined;
  }
  if (typeof node.location === 'number') return node.location;
  for (const k in node) {
    const l = firstLocation(node[k]);
    if (l !== undefined) return l;
  }
  return undefined;
}

/** Index of `text` in `sql` from `from`, as a whole word when it is an unquoted name. */
function findWord(sql: string, text: string, from: number): number {
  if (text.startsWith('"')) return sql.indexOf(text, from);
  const re = new RegExp(`(?<![\\w"])${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w"])`, 'gi');
  re.lastIndex = from;
  const m = re.exec(sql);
  return m ? m.index : -1;
}

/** The type as written after SET DATA TYPE (up to USING, a comma or the end), for a narrow location. */
export function locateTypeName(statement: Statement, astLocation: number | undefined, fallbackLength: number): Location {
  if (typeof astLocation !== 'number') return statement.location;
  const at = statement.offsetOf(astLocation);
  const written = /^[^;,]*?(?=\s+using\b|\s+collate\b|\s*[;,]|\s*$)/i.exec(statement.sql.slice(at))?.[0] ?? '';
  return statement.locate(astLocation, written.length || fallbackLength);
}

/** `"schema"."table"."column"` for messages. */
export function columnLabel(tableSql: string, column: string): string {
  return `${tableSql}.${quoteIdent(column)}`;
}
