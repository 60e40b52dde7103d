import type { Statement } from '../engine/types.js';
import { constraintDifferences, indexDifferences, type SchemaDifference } from '../schema/compare.js';
import { key, keyLabel, quoteIdent, type Index, type SchemaState } from '../schema/model.js';
import { indexFromStatement, swallowedDuplicate } from '../schema/replay.js';

/**
 * Statements that do nothing because what they create exists: `CREATE INDEX IF NOT EXISTS` on a
 * name in use, and an `ADD CONSTRAINT` in a DO block whose EXCEPTION handler swallows the
 * duplicate-name error (older drizzle-kit wrapped every foreign key so; replay skips it the same
 * way, see swallowedDuplicate). They take no lock and check no row: the lock and scan rules stay
 * silent on them. Where the object in place differs from the statement's, the new definition
 * never reaches the database: ignored-definition reports that.
 */
export interface NoOp {
  object: 'index' | 'constraint';
  /** The name, quoted. */
  name: string;
  /** Key of the table the statement is on. */
  tableKey: string;
  /** How the object in place differs from the statement's ([] when it is the same). */
  differences: readonly SchemaDifference[];
  /** Why the statement does nothing, in words. */
  because: string;
}

// By syntax tree and schema: asked by several rules for the same statement.
const computed = new WeakMap<object, { schema: Readonly<SchemaState>; noOp: NoOp | undefined }>();

/** What `statement` would create but finds in place, when it therefore does nothing. */
export function noOpOf(statement: Statement, schema: Readonly<SchemaState>): NoOp | undefined {
  if (statement.kind !== 'IndexStmt' && !(statement.kind === 'AlterTableStmt' && statement.doBlock)) return undefined;
  const known = computed.get(statement.ast);
  if (known?.schema === schema) return known.noOp;
  const noOp = statement.kind === 'IndexStmt' ? indexNoOp(statement, schema) : constraintNoOp(statement, schema);
  computed.set(statement.ast, { schema, noOp });
  return noOp;
}

function indexNoOp(statement: Statement, schema: Readonly<SchemaState>): NoOp | undefined {
  const ast = statement.ast;
  if (ast.if_not_exists !== true || !ast.idxname) return undefined;
  const defined = indexFromStatement(schema, ast);
  const name = quoteIdent(defined.name);
  const tableName = defined.table.slice(defined.table.indexOf('.') + 1);
  const existing = schema.indexes.get(key(defined.schema, defined.name)) ?? constraintIndex(schema, defined);
  if (!existing) return undefined;
  return {
    object: 'index',
    name,
    tableKey: defined.table,
    differences: indexDifferences(existing, defined, tableName),
    because: `${name} exists${existing.constraint ? ` (the index of constraint ${quoteIdent(existing.constraint)})` : ''}, so CREATE INDEX IF NOT EXISTS does nothing (PostgreSQL only prints a notice)`,
  };
}

/** A UNIQUE or PRIMARY KEY constraint's index: named as the constraint, in its table's schema. */
function constraintIndex(schema: Readonly<SchemaState>, defined: Index): Index | undefined {
  for (const [tableKey, table] of schema.tables) {
    if (table.schema !== defined.schema) continue;
    const c = table.constraints.get(defined.name);
    if (c && (c.kind === 'unique' || c.kind === 'primaryKey')) {
      return { schema: table.schema, name: c.name, table: tableKey, unique: true, method: 'btree', columns: c.columns.map((expression) => ({ expression, isExpression: false, desc: false })), constraint: c.name };
    }
  }
  return undefined;
}

function constraintNoOp(statement: Statement, schema: Readonly<SchemaState>): NoOp | undefined {
  const handles = statement.doBlock?.handles ?? [];
  const duplicate = swallowedDuplicate(schema, statement.kind, statement.ast, handles);
  if (!duplicate) return undefined;
  const name = quoteIdent(duplicate.defined.name);
  const tableName = duplicate.tableKey.slice(duplicate.tableKey.indexOf('.') + 1);
  return {
    object: 'constraint',
    name,
    tableKey: duplicate.tableKey,
    differences: duplicate.existing
      ? constraintDifferences(duplicate.existing, duplicate.defined, tableName)
      : [{ object: 'constraint', name: duplicate.defined.name, detail: 'the name is an index\'s, not a constraint\'s' }],
    because: `${keyLabel(duplicate.tableKey)} already has ${duplicate.existing ? 'a constraint' : 'an index'} named ${name}: ADD CONSTRAINT fails with ${duplicate.condition}, which the DO block's EXCEPTION handler swallows`,
  };
}
