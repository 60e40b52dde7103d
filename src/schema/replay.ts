import type { Node } from '../engine/ast.js';
import { mapTree, nodeTag, SKIP, someNode, str, strs } from '../engine/ast.js';
import { lazyProperty } from '../engine/lazy.js';
import type { DependentConstraint, Effect, RelationComment } from './effects.js';
import {
  cloneTable,
  DEFAULT_SCHEMA,
  isKey,
  key,
  newTable,
  qualifiedName,
  typeToSql,
  type Column,
  type Constraint,
  type ConstraintKind,
  type Definition,
  type Index,
  type IndexColumn,
  type Policy,
  type SchemaState,
  type Sequence,
  type Table,
  type View,
} from './model.js';
import { SERIAL_TYPES, typeFromAst, typeKey } from './typename.js';
import { exprText } from './expr.js';

/**
 * Apply one parsed statement to the schema model, the way PostgreSQL would, and say what it did.
 * Statements the model does not track (GRANT, COMMENT, functions' bodies…) change nothing.
 * Never throws on statements that would fail in PostgreSQL (missing table…): the model stays
 * as it was and rules report the problem.
 */
export function applyStatement(state: SchemaState, kind: string, ast: Node, sql?: string, swallows?: readonly string[]): Effect[] {
  if (swallows?.length && swallowedDuplicate(state, kind, ast, swallows)) return [];
  const handler = HANDLERS[kind];
  return handler ? handler(state, ast, sql ?? '') : [];
}

/** `sql`: the statement's text, kept for the objects the model keeps whole (functions, triggers, roles). */
type Handler = (state: SchemaState, ast: Node, sql: string) => Effect[];

/** An `ADD CONSTRAINT` that fails on a name in use, and the object in use. */
export interface DuplicateConstraint {
  tableKey: string;
  /** The constraint of that name; undefined when the name is a standalone index's. */
  existing?: Constraint;
  defined: Constraint;
  /** The condition PostgreSQL raises. */
  condition: 'duplicate_object' | 'duplicate_table';
}

/**
 * Inside `DO $$ BEGIN … EXCEPTION WHEN duplicate_object THEN null; END $$` (older drizzle-kit
 * wrapped every foreign key so), an `ALTER TABLE … ADD CONSTRAINT` whose name is in use fails and
 * the handler swallows the error: the whole statement does nothing. The error of a constraint
 * with an index (UNIQUE, PRIMARY KEY) on a name an index has is the index's, duplicate_table
 * (42P07); any other is duplicate_object (42710) (checked on PostgreSQL 15).
 */
export function swallowedDuplicate(state: Readonly<SchemaState>, kind: string, ast: Node, swallows: readonly string[]): DuplicateConstraint | undefined {
  if (kind !== 'AlterTableStmt') return undefined;
  const tableKey = rangeKey(ast.relation);
  const table = state.tables.get(tableKey);
  if (!table) return undefined;
  for (const node of ast.cmds ?? []) {
    const con = node.AlterTableCmd?.subtype === 'AT_AddConstraint' ? node.AlterTableCmd.def?.Constraint : undefined;
    if (!con?.conname || con.contype === 'CONSTR_NOTNULL') continue;
    const defined = constraintFrom(con, table, []);
    const existing = table.constraints.get(defined.name);
    const indexed = (c: Constraint) => c.kind === 'unique' || c.kind === 'primaryKey' || c.kind === 'exclusion';
    const indexInUse = state.indexes.has(key(table.schema, defined.name)) || (existing !== undefined && indexed(existing));
    if (!existing && !indexInUse) continue;
    const condition = indexed(defined) && indexInUse ? 'duplicate_table' : 'duplicate_object';
    if (!swallows.includes(condition) && !swallows.includes('others')) return undefined;
    return { tableKey, ...(existing ? { existing } : {}), defined, condition };
  }
  return undefined;
}

const FK_ACTIONS: Record<string, string> = { a: 'no action', r: 'restrict', c: 'cascade', n: 'set null', d: 'set default' };

function rangeKey(rangeVar: Node): string {
  return key(rangeVar?.schemaname, rangeVar?.relname ?? '');
}

/** `["public", "status"]` or `["status"]` → `public.status`. */
function listKey(names: string[]): string {
  return names.length >= 2 ? key(names[names.length - 2], names[names.length - 1]) : key(undefined, names[0] ?? '');
}

function splitKey(k: string): { schema: string; name: string } {
  const dot = k.indexOf('.');
  return { schema: k.slice(0, dot), name: k.slice(dot + 1) };
}

// ---------------------------------------------------------------------------------------------
// Tables and columns

/** `GENERATED … AS IDENTITY (SEQUENCE NAME "s" …)`: the sequence name, when given. */
function identitySequenceName(con: Node): string | undefined {
  for (const option of con?.options ?? []) {
    const d = option.DefElem;
    if (d?.defname === 'sequence_name') {
      const names = strs(d.arg?.List?.items ?? (Array.isArray(d.arg) ? d.arg : []));
      return names[names.length - 1];
    }
  }
  return undefined;
}

/** `GENERATED … AS IDENTITY (…)` options other than the sequence name (DefElem nodes). */
function identitySequenceOptions(con: Node): unknown[] | undefined {
  const options = (con?.options ?? []).filter((o: Node) => o.DefElem?.defname !== 'sequence_name');
  return options.length ? options : undefined;
}

/** Identity sequence names and options seen while building a column (read once by ownSerialSequence). */
const identitySequence = new WeakMap<Column, { name?: string; options?: unknown[] }>();

function columnFromDef(def: Node, table: Table, constraints: Constraint[]): Column {
  const column: Column = { name: def.colname, type: typeFromAst(def.typeName), notNull: false };
  for (const c of def.constraints ?? []) {
    const con = c.Constraint;
    switch (con?.contype) {
      case 'CONSTR_NOTNULL':
        column.notNull = true;
        break;
      case 'CONSTR_NULL':
        column.notNull = false;
        break;
      case 'CONSTR_DEFAULT':
        column.default = { ast: con.raw_expr };
        break;
      case 'CONSTR_IDENTITY':
        column.identity = con.generated_when === 'a' ? 'always' : 'byDefault';
        column.notNull = true;
        identitySequence.set(column, { name: identitySequenceName(con), options: identitySequenceOptions(con) });
        break;
      case 'CONSTR_GENERATED':
        column.generated = { ast: con.raw_expr };
        break;
      case 'CONSTR_PRIMARY':
        column.notNull = true;
        constraints.push(constraintFrom(con, table, [column.name]));
        break;
      case 'CONSTR_UNIQUE':
      case 'CONSTR_FOREIGN':
      case 'CONSTR_CHECK':
        constraints.push(constraintFrom(con, table, [column.name]));
        break;
      default:
        break;
    }
  }
  if (def.raw_default) column.default = { ast: def.raw_default };
  return column;
}

const KIND_BY_CONTYPE: Record<string, ConstraintKind> = {
  CONSTR_PRIMARY: 'primaryKey',
  CONSTR_UNIQUE: 'unique',
  CONSTR_FOREIGN: 'foreignKey',
  CONSTR_CHECK: 'check',
  CONSTR_EXCLUSION: 'exclusion',
};

/** PostgreSQL's default constraint names (ChooseConstraintName): `t_pkey`, `t_a_b_key`, `t_a_fkey`, `t_a_check`. */
function defaultConstraintName(kind: ConstraintKind, table: string, columns: string[]): string {
  const suffix = { primaryKey: 'pkey', unique: 'key', foreignKey: 'fkey', check: 'check', exclusion: 'excl' }[kind];
  if (kind === 'primaryKey') return truncateIdentifier(`${table}_${suffix}`);
  return truncateIdentifier([table, ...columns.slice(0, kind === 'foreignKey' ? 1 : columns.length), suffix].join('_'));
}

/** PostgreSQL silently truncates identifiers to 63 bytes (NAMEDATALEN - 1). */
export function truncateIdentifier(name: string): string {
  // A UTF-16 unit is at most 3 UTF-8 bytes: 21 units always fit (most names, no byte count needed).
  if (name.length <= 21 || Buffer.byteLength(name, 'utf8') <= 63) return name;
  let out = '';
  for (const ch of name) {
    if (Buffer.byteLength(out + ch, 'utf8') > 63) break;
    out += ch;
  }
  return out;
}

/** The constraint a `Constraint` node defines on `table` (its default name when it has none), without adding it. */
export function constraintFrom(con: Node, table: Table, columnDefault: string[]): Constraint {
  const kind = KIND_BY_CONTYPE[con.contype] ?? 'check';
  const keys = strs(con.keys);
  const fkCols = strs(con.fk_attrs);
  const columns = kind === 'foreignKey' ? (fkCols.length ? fkCols : columnDefault) : keys.length ? keys : kind === 'check' ? [] : columnDefault;
  const constraint: Constraint = {
    name: con.conname ? truncateIdentifier(con.conname) : defaultConstraintName(kind, table.name, columns.length ? columns : columnDefault),
    kind,
    columns,
    notValid: con.skip_validation === true,
  };
  if (kind === 'foreignKey') {
    constraint.references = {
      schema: con.pktable?.schemaname ?? DEFAULT_SCHEMA,
      table: con.pktable?.relname ?? '',
      columns: strs(con.pk_attrs),
      onDelete: FK_ACTIONS[con.fk_del_action] ?? 'no action',
      onUpdate: FK_ACTIONS[con.fk_upd_action] ?? 'no action',
    };
  }
  if (kind === 'check') constraint.check = { ast: con.raw_expr };
  if (kind === 'unique' && con.nulls_not_distinct) constraint.nullsNotDistinct = true;
  return constraint;
}

/**
 * CREATE TABLE keeps one index for a PRIMARY KEY and a UNIQUE on the same columns (or two identical
 * UNIQUEs): PostgreSQL drops the redundant one, and an unnamed survivor takes the other's name
 * (transformIndexConstraints). So `id … PRIMARY KEY, CONSTRAINT "x_key" UNIQUE("id")` is one
 * primary key named `x_key`.
 */
const COLUMN_CONSTRAINTS = new Set(['CONSTR_PRIMARY', 'CONSTR_UNIQUE', 'CONSTR_FOREIGN', 'CONSTR_CHECK']);

function withoutRedundantIndexes(constraints: Constraint[], named: Set<Constraint>): Constraint[] {
  const indexed = (c: Constraint) => c.kind === 'primaryKey' || c.kind === 'unique';
  const kept: Constraint[] = [];
  const order = [...constraints.filter((c) => c.kind === 'primaryKey'), ...constraints.filter((c) => c.kind !== 'primaryKey')];
  for (const c of order) {
    const prior = indexed(c) ? kept.find((k) => indexed(k) && k.columns.join('\u0000') === c.columns.join('\u0000') && (k.nullsNotDistinct ?? false) === (c.nullsNotDistinct ?? false)) : undefined;
    if (!prior) {
      kept.push(c);
      continue;
    }
    if (!named.has(prior) && named.has(c)) {
      prior.name = c.name;
      named.add(prior);
    }
  }
  return constraints.filter((c) => kept.includes(c));
}

/**
 * Add a constraint, unless the table has one of that name: PostgreSQL then refuses the statement
 * (42710), and two long names that share their first 63 bytes end up here, truncated to the same
 * name (a composite primary key and a foreign key of drizzle-kit's): the first stays. Returns
 * undefined when it was not added, else the columns a primary key made NOT NULL (PostgreSQL sets
 * it, and dropping the key later keeps it).
 */
function addConstraint(state: SchemaState, table: Table, constraint: Constraint): string[] | undefined {
  if (table.constraints.has(constraint.name)) return undefined;
  table.constraints.set(constraint.name, constraint);
  const madeNotNull: string[] = [];
  if (constraint.kind === 'primaryKey') {
    for (const name of constraint.columns) {
      const column = table.columns.get(name);
      if (column && !column.notNull) madeNotNull.push(name);
      if (column) column.notNull = true;
    }
  }
  void state;
  return madeNotNull;
}

function createTable(state: SchemaState, ast: Node): Effect[] {
  // Temporary tables live in the session's pg_temp schema and vanish with it (data-fix helpers).
  if (ast.relation?.relpersistence === 't') return [{ kind: 'create-temp-table', table: rangeKey(ast.relation) }];
  const tableKey = rangeKey(ast.relation);
  if (ast.if_not_exists && state.tables.has(tableKey)) return [];
  const { schema, name } = splitKey(tableKey);
  const table = newTable(schema, name);
  const constraints: Constraint[] = [];
  const named = new Set<Constraint>();
  for (const element of ast.tableElts ?? []) {
    const tag = nodeTag(element);
    if (tag === 'ColumnDef') {
      const before = constraints.length;
      const column = columnFromDef(element.ColumnDef, table, constraints);
      table.columns.set(column.name, column);
      ownSerialSequence(state, table, column, identitySequence.get(column)?.name, identitySequence.get(column)?.options);
      // columnFromDef adds one constraint per PRIMARY KEY, UNIQUE, REFERENCES and CHECK, in order.
      const added = (element.ColumnDef.constraints ?? []).filter((c: Node) => COLUMN_CONSTRAINTS.has(c.Constraint?.contype));
      added.forEach((c: Node, i: number) => c.Constraint.conname && named.add(constraints[before + i]!));
    } else if (tag === 'Constraint') {
      const c = constraintFrom(element.Constraint, table, []);
      constraints.push(c);
      if (element.Constraint.conname) named.add(c);
    }
  }
  for (const c of withoutRedundantIndexes(constraints, named)) addConstraint(state, table, c);
  state.tables.set(tableKey, table);
  return [{ kind: 'create-table', table: tableKey, definition: cloneTable(table) }];
}

/**
 * serial and identity columns own an implicit sequence `<table>_<column>_seq`, or the one named by
 * the identity's `SEQUENCE NAME` option.
 */
function ownSerialSequence(state: SchemaState, table: Table, column: Column, sequenceName?: string, options?: unknown[]): Sequence | undefined {
  if (!SERIAL_TYPES.has(column.type.name) && !column.identity) return undefined;
  const name = truncateIdentifier(sequenceName ?? `${table.name}_${column.name}_seq`);
  const sequence: Sequence = { schema: table.schema, name, ownedBy: `${key(table.schema, table.name)}.${column.name}`, ...(options ? { options } : {}) };
  state.sequences.set(key(table.schema, name), sequence);
  return sequence;
}

/** Drop the sequences a table (or one of its columns) owns; returns them. */
function dropOwnedSequences(state: SchemaState, tableKey: string, column?: string): Sequence[] {
  const dropped: Sequence[] = [];
  for (const [k, seq] of state.sequences) {
    if (!seq.ownedBy) continue;
    if (column ? seq.ownedBy === `${tableKey}.${column}` : seq.ownedBy.startsWith(`${tableKey}.`)) {
      state.sequences.delete(k);
      dropped.push(seq);
    }
  }
  return dropped;
}

/** The sequence a column owns (serial, identity). */
function ownedSequence(state: SchemaState, tableKey: string, column: string): Sequence | undefined {
  for (const seq of state.sequences.values()) if (seq.ownedBy === `${tableKey}.${column}`) return seq;
  return undefined;
}

/** Foreign keys of other tables pointing at `tableKey` (at `column` when given): removed from the state, and returned. */
function dropDependentForeignKeys(state: SchemaState, tableKey: string, column?: string): DependentConstraint[] {
  const dropped: DependentConstraint[] = [];
  for (const [otherKey, other] of state.tables) {
    for (const [name, c] of other.constraints) {
      if (c.references && isKey(tableKey, c.references.schema, c.references.table) && (column === undefined || c.references.columns.includes(column))) {
        other.constraints.delete(name);
        dropped.push({ table: otherKey, constraint: c });
      }
    }
  }
  return dropped;
}

/** Triggers on a table, removed from the state (they go with it), and returned. */
function dropTriggersOf(state: SchemaState, tableKey: string): Definition[] {
  const dropped: Definition[] = [];
  for (const [k, d] of state.definitions) {
    if (d.kind === 'trigger' && d.table === tableKey) {
      state.definitions.delete(k);
      dropped.push(d);
    }
  }
  return dropped;
}

function dropTable(state: SchemaState, tableKey: string, cascade: boolean): Effect[] {
  const table = state.tables.get(tableKey);
  if (!table) return [];
  state.tables.delete(tableKey);
  const indexes: Index[] = [];
  for (const [k, index] of state.indexes) {
    if (index.table !== tableKey) continue;
    indexes.push(index);
    state.indexes.delete(k);
  }
  const sequences = dropOwnedSequences(state, tableKey);
  // CASCADE drops the foreign keys of other tables that point here.
  const dependents = cascade ? dropDependentForeignKeys(state, tableKey) : [];
  const triggers = dropTriggersOf(state, tableKey);
  const comments = takeComments(state, tableKey);
  return [{ kind: 'drop-table', table: tableKey, definition: table, indexes, cascade, sequences, dependents, triggers, comments }];
}

function alterTable(state: SchemaState, ast: Node): Effect[] {
  if (ast.objtype === 'OBJECT_VIEW' || ast.objtype === 'OBJECT_MATVIEW') return alterView(state, ast);
  if (ast.objtype && ast.objtype !== 'OBJECT_TABLE' && ast.objtype !== 'OBJECT_FOREIGN_TABLE') return [];
  const tableKey = rangeKey(ast.relation);
  const table = state.tables.get(tableKey);
  if (!table) return [];
  const effects: Effect[] = [];
  for (const cmdNode of ast.cmds ?? []) {
    const cmd = cmdNode.AlterTableCmd;
    if (cmd) for (const effect of alterTableCmd(state, table, tableKey, cmd)) effects.push(effect);
  }
  return effects;
}

function alterTableCmd(state: SchemaState, table: Table, tableKey: string, cmd: Node): Effect[] {
  const column = cmd.name ? table.columns.get(cmd.name) : undefined;
  switch (cmd.subtype) {
    case 'AT_AddColumn': {
      const def = cmd.def?.ColumnDef;
      if (!def || (cmd.missing_ok && table.columns.has(def.colname))) return [];
      const constraints: Constraint[] = [];
      const added = columnFromDef(def, table, constraints);
      table.columns.set(added.name, added);
      ownSerialSequence(state, table, added, identitySequence.get(added)?.name, identitySequence.get(added)?.options);
      const effects: Effect[] = [{ kind: 'add-column', table: tableKey, column: { ...added } }];
      for (const c of constraints) {
        if (addConstraint(state, table, c) !== undefined) effects.push({ kind: 'add-constraint', table: tableKey, constraint: c });
      }
      return effects;
    }
    case 'AT_DropColumn': {
      if (!column) return [];
      return dropColumn(state, table, tableKey, column, cmd.behavior === 'DROP_CASCADE');
    }
    case 'AT_AlterColumnType': {
      if (!column) return [];
      const def = cmd.def?.ColumnDef;
      const from = column.type;
      column.type = typeFromAst(def?.typeName);
      const effect: Effect = { kind: 'alter-column-type', table: tableKey, column: column.name, from, to: column.type };
      if (def?.raw_default) effect.using = { ast: def.raw_default };
      if (column.default) effect.defaultBefore = column.default;
      return [effect];
    }
    case 'AT_ColumnDefault': {
      if (!column) return [];
      const before = column.default;
      if (cmd.def) {
        column.default = { ast: cmd.def };
        return [{ kind: 'set-default', table: tableKey, column: column.name, value: column.default, ...(before ? { before } : {}) }];
      }
      delete column.default;
      return [{ kind: 'drop-default', table: tableKey, column: column.name, ...(before ? { before } : {}) }];
    }
    case 'AT_SetNotNull': {
      if (!column) return [];
      const before = column.notNull;
      column.notNull = true;
      return [{ kind: 'set-not-null', table: tableKey, column: column.name, before }];
    }
    case 'AT_DropNotNull': {
      if (!column) return [];
      const before = column.notNull;
      column.notNull = false;
      return [{ kind: 'drop-not-null', table: tableKey, column: column.name, before }];
    }
    case 'AT_AddIdentity': {
      if (!column) return [];
      const con = cmd.def?.Constraint;
      column.identity = con?.generated_when === 'a' ? 'always' : 'byDefault';
      column.notNull = true;
      const sequence = ownSerialSequence(state, table, column, identitySequenceName(con), identitySequenceOptions(con));
      return [{ kind: 'add-identity', table: tableKey, column: column.name, identity: column.identity, ...(sequence ? { sequence } : {}) }];
    }
    case 'AT_DropIdentity': {
      if (!column) return [];
      const identity = column.identity;
      delete column.identity;
      const [sequence] = dropOwnedSequences(state, tableKey, column.name);
      return [{ kind: 'drop-identity', table: tableKey, column: column.name, ...(identity ? { identity } : {}), ...(sequence ? { sequence } : {}) }];
    }
    case 'AT_SetIdentity': {
      if (!column) return [];
      const sequence = ownedSequence(state, tableKey, column.name);
      const before = { ...(column.identity ? { identity: column.identity } : {}), ...(sequence ? { sequence: { ...sequence } } : {}) };
      for (const option of (cmd.def?.List?.items as Node[] | undefined) ?? []) {
        const d = option.DefElem;
        if (d?.defname === 'generated') column.identity = d.arg?.Integer?.ival === 97 /* 'a' */ ? 'always' : 'byDefault';
        else if (d && sequence) sequence.options = mergeOptions(sequence.options, [option]);
      }
      const after = { ...(column.identity ? { identity: column.identity } : {}), ...(sequence ? { sequence: { ...sequence } } : {}) };
      return [{ kind: 'alter-identity', table: tableKey, column: column.name, before, after }];
    }
    case 'AT_SetExpression': {
      if (!column || !cmd.def) return [];
      const before = column.generated;
      column.generated = { ast: cmd.def };
      return [{ kind: 'set-generated', table: tableKey, column: column.name, value: column.generated, ...(before ? { before } : {}) }];
    }
    case 'AT_DropExpression': {
      if (!column) return [];
      const before = column.generated;
      delete column.generated;
      return [{ kind: 'drop-generated', table: tableKey, column: column.name, ...(before ? { before } : {}) }];
    }
    case 'AT_AddConstraint': {
      const con = cmd.def?.Constraint;
      if (!con) return [];
      if (con.contype === 'CONSTR_NOTNULL') return [];
      const constraint = constraintFrom(con, table, []);
      const madeNotNull = addConstraint(state, table, constraint);
      if (!madeNotNull) return [];
      // `ADD CONSTRAINT … UNIQUE USING INDEX i`: the index becomes the constraint's (and takes its name).
      const indexKey = con.indexname ? key(table.schema, con.indexname) : undefined;
      const usingIndex = indexKey ? state.indexes.get(indexKey) : undefined;
      if (indexKey && usingIndex) state.indexes.delete(indexKey);
      return [{ kind: 'add-constraint', table: tableKey, constraint, ...(usingIndex ? { usingIndex } : {}), ...(madeNotNull.length ? { madeNotNull } : {}) }];
    }
    case 'AT_DropConstraint': {
      const constraint = table.constraints.get(cmd.name);
      if (!constraint) return [];
      table.constraints.delete(cmd.name);
      // CASCADE also drops the foreign keys that rely on a unique or primary key's index.
      const dependents =
        cmd.behavior === 'DROP_CASCADE' && (constraint.kind === 'unique' || constraint.kind === 'primaryKey')
          ? dropDependentForeignKeysOn(state, tableKey, constraint.columns)
          : [];
      return [{ kind: 'drop-constraint', table: tableKey, constraint, ...(dependents.length ? { dependents } : {}) }];
    }
    case 'AT_ValidateConstraint': {
      const constraint = table.constraints.get(cmd.name);
      if (!constraint) return [];
      const notValidBefore = constraint.notValid;
      constraint.notValid = false;
      return [{ kind: 'validate-constraint', table: tableKey, constraint: constraint.name, notValidBefore }];
    }
    case 'AT_EnableRowSecurity':
    case 'AT_DisableRowSecurity': {
      const before = table.rlsEnabled;
      table.rlsEnabled = cmd.subtype === 'AT_EnableRowSecurity';
      return [{ kind: 'rls', table: tableKey, enabled: table.rlsEnabled, before }];
    }
    case 'AT_ForceRowSecurity':
    case 'AT_NoForceRowSecurity': {
      const before = table.rlsForced;
      table.rlsForced = cmd.subtype === 'AT_ForceRowSecurity';
      return [{ kind: 'force-rls', table: tableKey, forced: table.rlsForced, before }];
    }
    default:
      return [];
  }
}

function dropColumn(state: SchemaState, table: Table, tableKey: string, column: Column, cascade: boolean): Effect[] {
  table.columns.delete(column.name);
  // PostgreSQL drops the indexes and constraints that use the column, even multi-column ones,
  // and those whose expression (CHECK, index expression or predicate) mentions it.
  const constraints: Constraint[] = [];
  for (const [name, c] of table.constraints) {
    if (c.columns.includes(column.name) || (c.check && referencesColumn(c.check.ast, column.name))) {
      table.constraints.delete(name);
      constraints.push(c);
    }
  }
  const indexes: Index[] = [];
  for (const [k, index] of state.indexes) {
    if (index.table !== tableKey) continue;
    const uses =
      index.columns.some((ic) => indexColumnUses(ic, column.name)) ||
      (index.include?.includes(column.name) ?? false) ||
      (index.where !== undefined && referencesColumn(index.where.ast, column.name));
    if (uses) {
      state.indexes.delete(k);
      indexes.push(index);
    }
  }
  const sequences = dropOwnedSequences(state, tableKey, column.name);
  const dependents = cascade ? dropDependentForeignKeys(state, tableKey, column.name) : [];
  // A foreign key of the table itself to this column (self-reference) went with the constraints above.
  const comments = takeComments(state, tableKey, column.name);
  return [{ kind: 'drop-column', table: tableKey, column, cascade, constraints, indexes, sequences, dependents, comments }];
}

/** Foreign keys of other tables that reference exactly `columns` of `tableKey` (they rely on its unique index). */
function dropDependentForeignKeysOn(state: SchemaState, tableKey: string, columns: string[]): DependentConstraint[] {
  const dropped: DependentConstraint[] = [];
  for (const [otherKey, other] of state.tables) {
    for (const [name, c] of other.constraints) {
      if (c.references && isKey(tableKey, c.references.schema, c.references.table) && c.references.columns.length === columns.length && c.references.columns.every((n) => columns.includes(n))) {
        other.constraints.delete(name);
        dropped.push({ table: otherKey, constraint: c });
      }
    }
  }
  return dropped;
}

/** Options as written, later ones replacing earlier ones of the same name (ALTER SEQUENCE). */
function mergeOptions(before: unknown[] | undefined, changes: unknown[]): unknown[] {
  const name = (o: unknown) => (o as Node)?.DefElem?.defname as string | undefined;
  const out = (before ?? []).filter((o) => !changes.some((c) => name(c) === name(o)));
  return [...out, ...changes.filter((c) => name(c) !== 'restart')];
}

// ---------------------------------------------------------------------------------------------
// Renames

function rename(state: SchemaState, ast: Node): Effect[] {
  switch (ast.renameType) {
    case 'OBJECT_TABLE':
      return renameTable(state, rangeKey(ast.relation), ast.newname);
    case 'OBJECT_COLUMN': {
      const tableKey = rangeKey(ast.relation);
      const table = state.tables.get(tableKey);
      const column = table?.columns.get(ast.subname);
      if (!table || !column) return [];
      table.columns = renameMapKey(table.columns, ast.subname, ast.newname);
      column.name = ast.newname;
      // PostgreSQL refers to columns by number: every constraint, index, default and policy
      // expression that used the old name now shows the new one.
      const from: string = ast.subname;
      const to: string = ast.newname;
      for (const c of table.constraints.values()) {
        c.columns = c.columns.map((n) => (n === from ? to : n));
        if (c.check && referencesColumn(c.check.ast, from)) c.check = { ast: renameColumnRefs(c.check.ast, from, to) };
      }
      for (const other of table.columns.values()) {
        if (other.generated && referencesColumn(other.generated.ast, from)) other.generated = { ast: renameColumnRefs(other.generated.ast, from, to) };
      }
      for (const policy of table.policies.values()) {
        if (policy.using && referencesColumn(policy.using.ast, from)) policy.using = { ast: renameColumnRefs(policy.using.ast, from, to) };
        if (policy.withCheck && referencesColumn(policy.withCheck.ast, from)) policy.withCheck = { ast: renameColumnRefs(policy.withCheck.ast, from, to) };
      }
      for (const index of state.indexes.values()) {
        if (index.table !== tableKey) continue;
        // Replaced, not edited: columns built from a snapshot are shared between schemas.
        index.columns = index.columns.map((ic) => (indexColumnUses(ic, from) ? renamedIndexColumn(ic, from, to) : ic));
        if (index.include?.includes(from)) index.include = index.include.map((n) => (n === from ? to : n));
        if (index.where && referencesColumn(index.where.ast, from)) index.where = { ast: renameColumnRefs(index.where.ast, from, to) };
      }
      for (const other of state.tables.values()) {
        for (const c of other.constraints.values()) {
          if (c.references && isKey(tableKey, c.references.schema, c.references.table)) {
            c.references.columns = c.references.columns.map((n) => (n === ast.subname ? ast.newname : n));
          }
        }
      }
      moveComments(state, `${tableKey}.${from}`, `${tableKey}.${to}`, 'column');
      return [{ kind: 'rename-column', table: tableKey, from: ast.subname, to: ast.newname }];
    }
    case 'OBJECT_TABCONSTRAINT': {
      const table = state.tables.get(rangeKey(ast.relation));
      const constraint = table?.constraints.get(ast.subname);
      if (!table || !constraint) return [];
      table.constraints = renameMapKey(table.constraints, ast.subname, ast.newname);
      constraint.name = ast.newname;
      return [{ kind: 'rename-constraint', table: rangeKey(ast.relation), from: ast.subname, to: ast.newname }];
    }
    case 'OBJECT_INDEX': {
      const from = rangeKey(ast.relation);
      const index = state.indexes.get(from);
      if (index) {
        state.indexes.delete(from);
        index.name = ast.newname;
        const to = key(index.schema, ast.newname);
        state.indexes.set(to, index);
        return [{ kind: 'rename-index', from, to }];
      }
      // ALTER INDEX also renames constraint-backed indexes: rename the owning constraint.
      for (const [tableKey, table] of state.tables) {
        const constraint = table.constraints.get(ast.relation?.relname);
        if (constraint && (constraint.kind === 'unique' || constraint.kind === 'primaryKey') && (!ast.relation?.schemaname || ast.relation.schemaname === table.schema)) {
          const was = constraint.name;
          table.constraints = renameMapKey(table.constraints, constraint.name, ast.newname);
          constraint.name = ast.newname;
          return [{ kind: 'rename-index', from, to: key(table.schema, ast.newname), constraint: { table: tableKey, from: was, to: ast.newname } }];
        }
      }
      return [];
    }
    case 'OBJECT_TYPE': {
      const from = listKey(objectNames(ast.object));
      const to = key(splitKey(from).schema, ast.newname);
      const enumType = state.enums.get(from);
      if (!enumType) return [];
      state.enums.delete(from);
      enumType.name = ast.newname;
      state.enums.set(to, enumType);
      retargetColumns(state, from, to);
      return [{ kind: 'rename-type', from, to }];
    }
    case 'OBJECT_SCHEMA':
      return renameSchema(state, ast.subname, ast.newname);
    case 'OBJECT_VIEW':
    case 'OBJECT_MATVIEW': {
      const from = rangeKey(ast.relation);
      const view = state.views.get(from);
      if (!view) return [];
      state.views.delete(from);
      view.name = ast.newname;
      const to = key(view.schema, ast.newname);
      state.views.set(to, view);
      moveComments(state, from, to);
      return [{ kind: 'rename-view', from, to }];
    }
    case 'OBJECT_SEQUENCE': {
      const from = rangeKey(ast.relation);
      const seq = state.sequences.get(from);
      if (!seq) return [];
      state.sequences.delete(from);
      seq.name = ast.newname;
      const to = key(seq.schema, ast.newname);
      state.sequences.set(to, seq);
      return [{ kind: 'rename-sequence', from, to }];
    }
    case 'OBJECT_POLICY': {
      const tableKey = rangeKey(ast.relation);
      const table = state.tables.get(tableKey);
      const policy = table?.policies.get(ast.subname);
      if (!table || !policy) return [];
      table.policies = renameMapKey(table.policies, ast.subname, ast.newname);
      policy.name = ast.newname;
      return [{ kind: 'rename-policy', table: tableKey, from: ast.subname, to: ast.newname }];
    }
    case 'OBJECT_ROLE': {
      const from = `role:${ast.subname}`;
      const definition = state.definitions.get(from);
      if (definition) {
        state.definitions.delete(from);
        state.definitions.set(`role:${ast.newname}`, definition);
      }
      return [{ kind: 'rename-role', from: ast.subname, to: ast.newname }];
    }
    default:
      return [];
  }
}

function renameTable(state: SchemaState, from: string, newName: string): Effect[] {
  const table = state.tables.get(from);
  if (!table) return [];
  const to = key(table.schema, newName);
  state.tables.delete(from);
  table.name = newName;
  state.tables.set(to, table);
  moveTableReferences(state, from, to);
  return [{ kind: 'rename-table', from, to }];
}

function moveTableReferences(state: SchemaState, from: string, to: string): void {
  const { schema, name } = splitKey(to);
  moveComments(state, from, to);
  for (const index of state.indexes.values()) if (index.table === from) index.table = to;
  for (const other of state.tables.values()) {
    for (const c of other.constraints.values()) {
      if (c.references && isKey(from, c.references.schema, c.references.table)) {
        c.references.schema = schema;
        c.references.table = name;
      }
    }
  }
  for (const seq of state.sequences.values()) {
    if (seq.ownedBy?.startsWith(`${from}.`)) seq.ownedBy = to + seq.ownedBy.slice(from.length);
  }
  for (const [k, d] of [...state.definitions]) {
    if (d.kind !== 'trigger' || d.table !== from) continue;
    state.definitions.delete(k);
    state.definitions.set(`trigger:${to}.${k.slice(`trigger:${from}.`.length)}`, { ...d, table: to });
  }
}

function renameSchema(state: SchemaState, from: string, to: string): Effect[] {
  if (!state.schemas.has(from)) return [];
  state.schemas.delete(from);
  state.schemas.add(to);
  const move = <T extends { schema: string }>(map: Map<string, T>, onMove?: (oldKey: string, newKey: string) => void) => {
    for (const [k, v] of [...map]) {
      if (v.schema !== from) continue;
      map.delete(k);
      v.schema = to;
      const nk = key(to, splitKey(k).name);
      map.set(nk, v);
      onMove?.(k, nk);
    }
  };
  move(state.tables, (a, b) => moveTableReferences(state, a, b));
  move(state.enums, (a, b) => retargetColumns(state, a, b));
  move(state.types);
  move(state.indexes);
  move(state.sequences);
  move(state.views);
  moveComments(state, from, to, 'schema');
  return [{ kind: 'rename-schema', from, to }];
}

/** Columns reference types by OID: renaming or moving a type renames it in every column. */
function retargetColumns(state: SchemaState, from: string, to: string): void {
  const { schema, name } = splitKey(to);
  for (const table of state.tables.values()) {
    for (const column of table.columns.values()) {
      if (!column.type.builtin && isKey(from, column.type.schema, column.type.name)) {
        column.type = { ...column.type, schema, name };
      }
    }
  }
}

function renameMapKey<V>(map: Map<string, V>, from: string, to: string): Map<string, V> {
  return new Map([...map].map(([k, v]) => [k === from ? to : k, v]));
}

function objectNames(object: Node): string[] {
  const tag = nodeTag(object);
  if (tag === 'List') return strs(object.List.items);
  if (tag === 'TypeName') return strs(object.TypeName.names);
  if (tag === 'String') return [str(object)];
  return [];
}

// ---------------------------------------------------------------------------------------------
// Indexes, types, schemas, sequences, views, policies, extensions

function createIndex(state: SchemaState, ast: Node): Effect[] {
  const index = indexFromStatement(state, ast);
  const indexKey = key(index.schema, index.name);
  if (ast.if_not_exists && state.indexes.has(indexKey)) return [];
  state.indexes.set(indexKey, index);
  return [{ kind: 'create-index', index, concurrently: ast.concurrent === true }];
}

/** The index a `CREATE INDEX` statement defines (its name as PostgreSQL chooses it when none is given), without creating it. */
export function indexFromStatement(state: Readonly<SchemaState>, ast: Node): Index {
  const tableKey = rangeKey(ast.relation);
  const table = state.tables.get(tableKey);
  const schema = table?.schema ?? splitKey(tableKey).schema;
  const columns: IndexColumn[] = (ast.indexParams ?? []).map((p: Node) => {
    const el = p.IndexElem;
    const desc = el.ordering === 'SORTBY_DESC';
    const column: IndexColumn = el.name !== undefined ? { expression: el.name, isExpression: false, desc } : expressionColumn(el.expr, desc);
    if (el.nulls_ordering === 'SORTBY_NULLS_FIRST') column.nullsFirst = true;
    if (el.nulls_ordering === 'SORTBY_NULLS_LAST') column.nullsFirst = false;
    if (el.opclass?.length) column.opclass = strs(el.opclass).join('.');
    return column;
  });
  const name = ast.idxname ?? truncateIdentifier(`${splitKey(tableKey).name}_${columns.map((c) => (c.isExpression ? 'expr' : c.expression)).join('_')}_idx`);
  const index: Index = { schema, name, table: tableKey, unique: ast.unique === true, method: ast.accessMethod ?? 'btree', columns };
  if (ast.whereClause) index.where = { ast: ast.whereClause };
  const include = (ast.indexIncludingParams ?? []).map((p: Node) => p.IndexElem?.name).filter((n: unknown): n is string => typeof n === 'string');
  if (include.length) index.include = include;
  if (ast.nulls_not_distinct) index.nullsNotDistinct = true;
  if (ast.options?.length) index.options = ast.options;
  return index;
}

/**
 * An index element that is an expression: its canonical text is deparsed when first read (a
 * comparison with a snapshot, a dropped column's dependents), not for every index a history
 * creates; most runs never read it, and then the deparser is not even loaded.
 */
function expressionColumn(expr: Node, desc: boolean): IndexColumn {
  const column = lazyProperty({ isExpression: true, desc } as IndexColumn, 'expression', () => exprText(expr));
  expressionTrees.set(column, expr);
  return column;
}

/** The syntax tree of an expression column replay built (snapshot-built ones have text only). */
const expressionTrees = new WeakMap<IndexColumn, Node>();

/**
 * Whether an index column is `column`, or its expression mentions it: PostgreSQL drops such an
 * index with the column. Read from the syntax tree where replay has it (exact, and no deparse),
 * else from the canonical text.
 */
export function indexColumnUses(ic: IndexColumn, column: string): boolean {
  if (!ic.isExpression) return ic.expression === column;
  const tree = expressionTrees.get(ic);
  return tree !== undefined ? referencesColumn(tree, column) : textReferencesColumn(ic.expression, column);
}

/** A copy of an index column with `from` renamed to `to` (columns are shared: never edited). */
function renamedIndexColumn(ic: IndexColumn, from: string, to: string): IndexColumn {
  if (!ic.isExpression) return { ...ic, expression: to };
  const tree = expressionTrees.get(ic);
  if (tree === undefined) return { ...ic, expression: renameInExpressionText(ic.expression, from, to) };
  const column = expressionColumn(renameColumnRefs(tree, from, to), ic.desc);
  if (ic.nullsFirst !== undefined) column.nullsFirst = ic.nullsFirst;
  if (ic.opclass !== undefined) column.opclass = ic.opclass;
  return column;
}

function createEnum(state: SchemaState, ast: Node): Effect[] {
  const names = strs(ast.typeName);
  const typeKey = listKey(names);
  const { schema, name } = splitKey(typeKey);
  const definition = { schema, name, values: (ast.vals ?? []).map(str) };
  state.enums.set(typeKey, definition);
  return [{ kind: 'create-enum', type: typeKey, definition: { ...definition, values: [...definition.values] } }];
}

function alterEnum(state: SchemaState, ast: Node): Effect[] {
  const typeKey = listKey(strs(ast.typeName));
  const enumType = state.enums.get(typeKey);
  if (!enumType) return [];
  if (ast.oldVal) {
    const at = enumType.values.indexOf(ast.oldVal);
    if (at >= 0) enumType.values[at] = ast.newVal;
    return [{ kind: 'rename-enum-value', type: typeKey, from: ast.oldVal, to: ast.newVal }];
  }
  if (!ast.newVal || enumType.values.includes(ast.newVal)) return [];
  const before = [...enumType.values];
  const neighbor = ast.newValNeighbor ? enumType.values.indexOf(ast.newValNeighbor) : -1;
  if (neighbor < 0) enumType.values.push(ast.newVal);
  else enumType.values.splice(ast.newValIsAfter ? neighbor + 1 : neighbor, 0, ast.newVal);
  return [{ kind: 'add-enum-value', type: typeKey, value: ast.newVal, before }];
}

function createType(state: SchemaState, ast: Node, kindName: 'composite' | 'domain' | 'range', names: string[]): Effect[] {
  const typeKey = listKey(names);
  const { schema, name } = splitKey(typeKey);
  const definition = { schema, name, kind: kindName };
  state.types.set(typeKey, definition);
  void ast;
  return [{ kind: 'create-type', type: typeKey, definition: { ...definition } }];
}

function drop(state: SchemaState, ast: Node): Effect[] {
  const cascade = ast.behavior === 'DROP_CASCADE';
  const effects: Effect[] = [];
  for (const object of ast.objects ?? []) {
    const names = objectNames(object);
    switch (ast.removeType) {
      case 'OBJECT_TABLE':
      case 'OBJECT_FOREIGN_TABLE':
        for (const effect of dropTable(state, listKey(names), cascade)) effects.push(effect);
        break;
      case 'OBJECT_INDEX': {
        const indexKey = listKey(names);
        const index = state.indexes.get(indexKey);
        if (index) {
          state.indexes.delete(indexKey);
          effects.push({ kind: 'drop-index', index, concurrently: ast.concurrent === true });
        }
        break;
      }
      case 'OBJECT_TYPE':
      case 'OBJECT_DOMAIN': {
        const typeKey = listKey(names);
        const definition = state.enums.get(typeKey);
        const other = state.types.get(typeKey);
        if (!definition && !other && ast.missing_ok) break;
        state.enums.delete(typeKey);
        state.types.delete(typeKey);
        if (cascade) dropColumnsOfType(state, typeKey);
        effects.push({ kind: 'drop-type', type: typeKey, ...(definition ? { definition } : {}), ...(other ? { other } : {}), cascade });
        break;
      }
      case 'OBJECT_SCHEMA':
        // One by one: a schema's tables are as many as the migrations made (never spread into a call's arguments).
        for (const effect of dropSchema(state, names[0], cascade)) effects.push(effect);
        break;
      case 'OBJECT_SEQUENCE': {
        const sequenceKey = listKey(names);
        const definition = state.sequences.get(sequenceKey);
        if (!definition) break;
        state.sequences.delete(sequenceKey);
        effects.push({ kind: 'drop-sequence', sequence: sequenceKey, definition });
        break;
      }
      case 'OBJECT_VIEW':
      case 'OBJECT_MATVIEW': {
        const viewKey = listKey(names);
        const definition = state.views.get(viewKey);
        if (!definition) break;
        state.views.delete(viewKey);
        effects.push({ kind: 'drop-view', view: viewKey, definition, comments: takeComments(state, viewKey) });
        break;
      }
      case 'OBJECT_POLICY': {
        const policy = names[names.length - 1];
        const tableKey = listKey(names.slice(0, -1));
        const table = state.tables.get(tableKey);
        const definition = table?.policies.get(policy);
        if (!definition && ast.missing_ok) break;
        table?.policies.delete(policy);
        effects.push({ kind: 'drop-policy', table: tableKey, policy, ...(definition ? { definition } : {}) });
        break;
      }
      case 'OBJECT_EXTENSION':
        if (!state.extensions.has(names[0]) && ast.missing_ok) break;
        state.extensions.delete(names[0]);
        effects.push({ kind: 'drop-extension', extension: names[0] });
        break;
      case 'OBJECT_FUNCTION':
      case 'OBJECT_PROCEDURE':
      case 'OBJECT_ROUTINE': {
        const signature = functionSignature(object);
        const found = findFunction(state, signature);
        if (!found && ast.missing_ok) break;
        state.functions.delete(functionKey(object));
        if (found) state.definitions.delete(found[0]);
        effects.push({ kind: 'drop-function', function: found?.[0] ?? signature.key, ...(found ? { definition: found[1] } : {}) });
        break;
      }
      case 'OBJECT_TRIGGER': {
        const trigger = names[names.length - 1];
        const tableKey = listKey(names.slice(0, -1));
        const triggerKey = `trigger:${tableKey}.${trigger}`;
        const definition = state.definitions.get(triggerKey);
        if (!definition && ast.missing_ok) break;
        state.definitions.delete(triggerKey);
        effects.push({ kind: 'drop-trigger', trigger, table: tableKey, ...(definition ? { definition } : {}) });
        break;
      }
      default:
        break;
    }
  }
  return effects;
}

function dropColumnsOfType(state: SchemaState, typeKey: string): void {
  for (const [tableKey, table] of state.tables) {
    for (const column of [...table.columns.values()]) {
      if (!column.type.builtin && isKey(typeKey, column.type.schema, column.type.name)) dropColumn(state, table, tableKey, column, true);
    }
  }
}

function dropSchema(state: SchemaState, schema: string, cascade: boolean): Effect[] {
  if (!state.schemas.has(schema)) return [];
  state.schemas.delete(schema);
  if (cascade) {
    for (const [k, t] of [...state.tables]) if (t.schema === schema) dropTable(state, k, true);
    takeComments(state, schema, undefined, 'schema');
    for (const map of [state.enums, state.types, state.indexes, state.sequences, state.views] as Map<string, { schema: string }>[]) {
      for (const [k, v] of [...map]) if (v.schema === schema) map.delete(k);
    }
  }
  return [{ kind: 'drop-schema', schema, cascade }];
}

function createSchema(state: SchemaState, ast: Node): Effect[] {
  const name = ast.schemaname ?? ast.authrole?.RoleSpec?.rolename;
  if (!name || state.schemas.has(name)) return [];
  state.schemas.add(name);
  return [{ kind: 'create-schema', schema: name }];
}

function createSequence(state: SchemaState, ast: Node): Effect[] {
  const seqKey = rangeKey(ast.sequence);
  if (ast.if_not_exists && state.sequences.has(seqKey)) return [];
  const { schema, name } = splitKey(seqKey);
  const definition: Sequence = { schema, name, ...(ast.options?.length ? { options: ast.options } : {}) };
  state.sequences.set(seqKey, definition);
  return [{ kind: 'create-sequence', sequence: seqKey, definition: { ...definition } }];
}

function alterSequence(state: SchemaState, ast: Node): Effect[] {
  const seqKey = rangeKey(ast.sequence);
  const sequence = state.sequences.get(seqKey);
  if (!sequence) return [];
  const before = { ...sequence };
  const changes = (ast.options ?? []).filter((o: Node) => o.DefElem?.defname !== 'owned_by');
  if (changes.length) sequence.options = mergeOptions(sequence.options, changes);
  return [{ kind: 'alter-sequence', sequence: seqKey, before, after: { ...sequence } }];
}

function createView(state: SchemaState, ast: Node): Effect[] {
  const viewKey = rangeKey(ast.view);
  const { schema, name } = splitKey(viewKey);
  const replaced = ast.replace ? state.views.get(viewKey) : undefined;
  const definition: View = {
    schema,
    name,
    materialized: false,
    query: ast.query,
    ...(ast.options?.length ? { options: ast.options } : {}),
    ...(ast.withCheckOption && ast.withCheckOption !== 'NO_CHECK_OPTION' ? { checkOption: ast.withCheckOption } : {}),
  };
  state.views.set(viewKey, definition);
  return [{ kind: 'create-view', view: viewKey, definition: { ...definition }, ...(replaced ? { replaced } : {}) }];
}

function createTableAs(state: SchemaState, ast: Node): Effect[] {
  if (ast.objtype !== 'OBJECT_MATVIEW') {
    if (ast.into?.rel?.relpersistence === 't') return [{ kind: 'create-temp-table', table: rangeKey(ast.into.rel) }];
    // CREATE TABLE … AS SELECT: columns unknown without running the query.
    const tableKey = rangeKey(ast.into?.rel);
    const { schema, name } = splitKey(tableKey);
    if (state.tables.has(tableKey)) return [];
    state.tables.set(tableKey, newTable(schema, name));
    return [{ kind: 'create-table-as', table: tableKey }];
  }
  const viewKey = rangeKey(ast.into?.rel);
  if (ast.if_not_exists && state.views.has(viewKey)) return [];
  const { schema, name } = splitKey(viewKey);
  const definition: View = {
    schema,
    name,
    materialized: true,
    query: ast.query,
    ...(ast.into?.options?.length ? { options: ast.into.options } : {}),
    ...(ast.into?.skipData ? { withNoData: true } : {}),
    ...(ast.into?.accessMethod ? { accessMethod: ast.into.accessMethod } : {}),
    ...(ast.into?.tableSpaceName ? { tablespace: ast.into.tableSpaceName } : {}),
  };
  state.views.set(viewKey, definition);
  return [{ kind: 'create-view', view: viewKey, definition: { ...definition } }];
}

function createPolicy(state: SchemaState, ast: Node): Effect[] {
  const tableKey = rangeKey(ast.table);
  const table = state.tables.get(tableKey);
  if (!table) return [];
  const definition: Policy = {
    name: ast.policy_name,
    command: ast.cmd_name ?? 'all',
    permissive: ast.permissive !== false,
    roles: (ast.roles ?? []).map((r: Node) => r.RoleSpec?.rolename ?? roleSpecName(r.RoleSpec?.roletype)),
    ...(ast.qual ? { using: { ast: ast.qual } } : {}),
    ...(ast.with_check ? { withCheck: { ast: ast.with_check } } : {}),
  };
  table.policies.set(ast.policy_name, definition);
  return [{ kind: 'create-policy', table: tableKey, policy: ast.policy_name, definition: { ...definition } }];
}

function roleSpecName(roletype: string | undefined): string {
  return { ROLESPEC_PUBLIC: 'public', ROLESPEC_CURRENT_USER: 'current_user', ROLESPEC_SESSION_USER: 'session_user', ROLESPEC_CURRENT_ROLE: 'current_role' }[roletype ?? ''] ?? 'public';
}

function alterPolicy(state: SchemaState, ast: Node): Effect[] {
  const tableKey = rangeKey(ast.table);
  const policy = state.tables.get(tableKey)?.policies.get(ast.policy_name);
  if (!policy) return [];
  const before = { ...policy };
  if (ast.roles) policy.roles = ast.roles.map((r: Node) => r.RoleSpec?.rolename ?? roleSpecName(r.RoleSpec?.roletype));
  if (ast.qual) policy.using = { ast: ast.qual };
  if (ast.with_check) policy.withCheck = { ast: ast.with_check };
  return [{ kind: 'alter-policy', table: tableKey, policy: policy.name, before, after: { ...policy } }];
}

function functionKey(object: Node): string {
  const owa = object?.ObjectWithArgs;
  return listKey(strs(owa?.objname ?? []));
}

/**
 * A function's identity: `function:schema.name(type, …)` with its input argument types (OUT
 * arguments are not part of it), or `function:schema.name` with `args: undefined` when a DROP
 * names no arguments (it matches the one function of that name).
 */
function functionSignature(object: Node): { key: string; prefix: string; args?: string[] } {
  const owa = object?.ObjectWithArgs;
  const prefix = `function:${listKey(strs(owa?.objname ?? []))}`;
  if (owa?.args_unspecified) return { key: prefix, prefix };
  const args = (owa?.objargs ?? []).map((a: Node) => typeKey(typeFromAst(a.TypeName ?? a)));
  return { key: `${prefix}(${args.join(', ')})`, prefix, args };
}

function findFunction(state: SchemaState, signature: { key: string; prefix: string; args?: string[] }): [string, Definition] | undefined {
  if (signature.args) {
    const d = state.definitions.get(signature.key);
    return d ? [signature.key, d] : undefined;
  }
  const matches = [...state.definitions].filter(([k, d]) => (d.kind === 'function' || d.kind === 'procedure') && k.startsWith(`${signature.prefix}(`));
  return matches.length === 1 ? matches[0] : undefined;
}

/** `CREATE [OR REPLACE] FUNCTION | PROCEDURE`: kept whole, under its signature. */
function createFunction(state: SchemaState, ast: Node, sql: string): Effect[] {
  state.functions.add(listKey(strs(ast.funcname)));
  const inputs = (ast.parameters ?? [])
    .map((p: Node) => p.FunctionParameter)
    .filter((p: Node) => p && p.mode !== 'FUNC_PARAM_OUT' && p.mode !== 'FUNC_PARAM_TABLE');
  const signature = `function:${listKey(strs(ast.funcname))}(${inputs.map((p: Node) => typeKey(typeFromAst(p.argType))).join(', ')})`;
  const replaced = state.definitions.get(signature);
  const names = strs(ast.funcname);
  const target = `${qualifiedName(names.length > 1 ? names[names.length - 2] : DEFAULT_SCHEMA, names[names.length - 1] ?? '')}(${inputs.map((p: Node) => typeToSql(typeFromAst(p.argType))).join(', ')})`;
  const definition: Definition = { kind: ast.is_procedure ? 'procedure' : 'function', sql: ownText(sql), target };
  state.definitions.set(signature, definition);
  return [{ kind: 'create-function', function: signature, definition, ...(replaced ? { replaced } : {}) }];
}

function createTrigger(state: SchemaState, ast: Node, sql: string): Effect[] {
  const tableKey = rangeKey(ast.relation);
  const triggerKey = `trigger:${tableKey}.${ast.trigname}`;
  const replaced = state.definitions.get(triggerKey);
  const definition: Definition = { kind: 'trigger', sql: ownText(sql), table: tableKey };
  state.definitions.set(triggerKey, definition);
  return [{ kind: 'create-trigger', trigger: ast.trigname, table: tableKey, definition, ...(replaced ? { replaced } : {}) }];
}

function createRole(state: SchemaState, ast: Node, sql: string): Effect[] {
  if (ast.stmt_type && ast.stmt_type !== 'ROLESTMT_ROLE' && ast.stmt_type !== 'ROLESTMT_USER') return [];
  const definition: Definition = { kind: 'role', sql: ownText(sql), options: ast.options ?? [] };
  state.definitions.set(`role:${ast.role}`, definition);
  return [{ kind: 'create-role', role: ast.role, definition }];
}

function alterRole(state: SchemaState, ast: Node): Effect[] {
  const role = ast.role?.rolename;
  const definition = role ? state.definitions.get(`role:${role}`) : undefined;
  if (!role || !definition || !ast.options?.length) return [];
  const before = definition.options ?? [];
  const after = mergeOptions(before, ast.options);
  state.definitions.set(`role:${role}`, { ...definition, options: after });
  return [{ kind: 'alter-role', role, before, after }];
}

/**
 * `ALTER VIEW … SET (…)` / `RESET (…)`, and a materialized view's `SET TABLESPACE` / `SET ACCESS
 * METHOD` (an AlterTableStmt on a view).
 */
function alterView(state: SchemaState, ast: Node): Effect[] {
  const viewKey = rangeKey(ast.relation);
  const view = state.views.get(viewKey);
  if (!view) return [];
  const effects: Effect[] = [];
  for (const c of ast.cmds ?? []) {
    const cmd = c.AlterTableCmd;
    const items: Node[] = cmd?.def?.List?.items ?? [];
    const setting = cmd?.subtype === 'AT_SetTableSpace' ? 'tablespace' : cmd?.subtype === 'AT_SetAccessMethod' ? 'accessMethod' : undefined;
    if (setting && typeof cmd.name === 'string') {
      const before = view[setting];
      view[setting] = cmd.name;
      effects.push({ kind: 'alter-view-storage', view: viewKey, setting, ...(before !== undefined ? { before } : {}), after: cmd.name });
      continue;
    }
    if (cmd?.subtype !== 'AT_SetRelOptions' && cmd?.subtype !== 'AT_ResetRelOptions') continue;
    const before = view.options ?? [];
    const names = new Set(items.map((o) => o.DefElem?.defname));
    view.options = cmd.subtype === 'AT_SetRelOptions' ? mergeOptions(before, items) : before.filter((o) => !names.has((o as Node).DefElem?.defname));
    effects.push({ kind: 'alter-view-options', view: viewKey, before, after: view.options });
  }
  return effects;
}

function dropRole(state: SchemaState, ast: Node): Effect[] {
  const effects: Effect[] = [];
  for (const r of ast.roles ?? []) {
    const role = r.RoleSpec?.rolename;
    if (!role) continue;
    const definition = state.definitions.get(`role:${role}`);
    if (!definition && ast.missing_ok) continue;
    state.definitions.delete(`role:${role}`);
    effects.push({ kind: 'drop-role', role, ...(definition ? { definition } : {}) });
  }
  return effects;
}

/**
 * `COMMENT ON <object> IS …`: the comment's key is the object kind and its name as written
 * (`comment:OBJECT_COLUMN:public.users.email`); tables and columns resolve to `public` when unqualified.
 */
function comment(state: SchemaState, ast: Node): Effect[] {
  const names = objectNames(ast.object);
  const qualified = ast.objtype === 'OBJECT_COLUMN' && names.length === 2 ? ['public', ...names] : RELATION_COMMENTS.has(ast.objtype) && names.length === 1 ? ['public', ...names] : names;
  const target = commentKey(ast.objtype, qualified.join('.'));
  const before = state.definitions.get(target)?.sql;
  if (typeof ast.comment === 'string') state.definitions.set(target, { kind: 'comment', sql: ast.comment });
  else state.definitions.delete(target);
  return [{ kind: 'comment', target, ...(typeof ast.comment === 'string' ? { value: ast.comment } : {}), ...(before !== undefined ? { before } : {}) }];
}

/** Objects `COMMENT ON` names like a relation (unqualified: `public`). */
const RELATION_COMMENTS = new Set(['OBJECT_TABLE', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_FOREIGN_TABLE', 'OBJECT_INDEX', 'OBJECT_SEQUENCE']);

const commentKey = (objtype: string, name: string) => `comment:${objtype}:${name}`;

/** A comment key's object kind and name (`comment:OBJECT_COLUMN:public.users.email`). */
function commentOn(k: string): { objtype: string; name: string } {
  const rest = k.slice('comment:'.length);
  const colon = rest.indexOf(':');
  return { objtype: rest.slice(0, colon), name: rest.slice(colon + 1) };
}

/**
 * What a comment belongs to, as far as `of` reaches: `'relation'` (`of` is a relation key: the
 * relation and its columns), `'column'` (`of` is `relation.column`) or `'schema'` (every object in
 * schema `of`, and the schema). Returns the part of the comment's name after `of` ('' for the
 * object itself, `.column`…), or undefined when the comment is not on it.
 */
function commentUnder(k: string, of: string, scope: 'relation' | 'column' | 'schema'): string | undefined {
  const { objtype, name } = commentOn(k);
  if (scope === 'schema') return objtype === 'OBJECT_SCHEMA' ? (name === of ? '' : undefined) : name.startsWith(`${of}.`) ? name.slice(of.length) : undefined;
  if (scope === 'column') return objtype === 'OBJECT_COLUMN' && name === of ? '' : undefined;
  if (RELATION_COMMENTS.has(objtype)) return name === of ? '' : undefined;
  return objtype === 'OBJECT_COLUMN' && name.startsWith(`${of}.`) ? name.slice(of.length) : undefined;
}

/** Comments follow their object when it is renamed or moved (PostgreSQL keeps them by OID). */
function moveComments(state: SchemaState, from: string, to: string, scope: 'relation' | 'column' | 'schema' = 'relation'): void {
  for (const [k, d] of [...state.definitions]) {
    if (d.kind !== 'comment') continue;
    const rest = commentUnder(k, from, scope);
    if (rest === undefined) continue;
    state.definitions.delete(k);
    state.definitions.set(commentKey(commentOn(k).objtype, to + rest), d);
  }
}

/**
 * The comments on a relation and its columns (or on one column: `column`), removed from the state:
 * they go with what is dropped. With scope 'schema', those of every object in schema `of`.
 */
function takeComments(state: SchemaState, of: string, column?: string, scope: 'relation' | 'schema' = 'relation'): RelationComment[] {
  const taken: RelationComment[] = [];
  const target = column === undefined ? of : `${of}.${column}`;
  for (const [k, d] of [...state.definitions]) {
    if (d.kind !== 'comment') continue;
    const rest = commentUnder(k, target, column === undefined ? scope : 'column');
    if (rest === undefined) continue;
    state.definitions.delete(k);
    const onColumn = column ?? (rest ? rest.slice(1) : undefined);
    taken.push({ ...(onColumn !== undefined ? { column: onColumn } : {}), value: d.sql });
  }
  return taken;
}

/** A copy of a statement's text that does not keep the whole file's text alive (V8 keeps sliced strings' parents). */
function ownText(sql: string): string {
  return sql.length === 0 ? sql : Buffer.from(sql, 'utf8').toString('utf8');
}

function alterObjectSchema(state: SchemaState, ast: Node): Effect[] {
  if (ast.objectType === 'OBJECT_TABLE') {
    const from = rangeKey(ast.relation);
    const table = state.tables.get(from);
    if (!table) return [];
    const to = key(ast.newschema, table.name);
    state.tables.delete(from);
    table.schema = ast.newschema;
    state.tables.set(to, table);
    moveTableReferences(state, from, to);
    // Its indexes and the sequences its columns own move with it (PostgreSQL moves them too).
    for (const [k, index] of [...state.indexes]) {
      if (index.table !== to) continue;
      state.indexes.delete(k);
      index.schema = ast.newschema;
      state.indexes.set(key(ast.newschema, index.name), index);
    }
    for (const [k, seq] of [...state.sequences]) {
      if (!seq.ownedBy?.startsWith(`${to}.`)) continue;
      state.sequences.delete(k);
      seq.schema = ast.newschema;
      state.sequences.set(key(ast.newschema, seq.name), seq);
    }
    return [{ kind: 'move-table', from, to }];
  }
  if (ast.objectType === 'OBJECT_SEQUENCE' || ast.objectType === 'OBJECT_VIEW' || ast.objectType === 'OBJECT_MATVIEW') {
    const map: Map<string, { schema: string; name: string }> = ast.objectType === 'OBJECT_SEQUENCE' ? state.sequences : state.views;
    const from = rangeKey(ast.relation);
    const object = map.get(from);
    if (!object) return [];
    const to = key(ast.newschema, object.name);
    map.delete(from);
    object.schema = ast.newschema;
    map.set(to, object);
    moveComments(state, from, to);
    return [ast.objectType === 'OBJECT_SEQUENCE' ? { kind: 'rename-sequence', from, to } : { kind: 'rename-view', from, to }];
  }
  if (ast.objectType === 'OBJECT_TYPE') {
    const from = listKey(objectNames(ast.object));
    const enumType = state.enums.get(from);
    if (!enumType) return [];
    const to = key(ast.newschema, enumType.name);
    state.enums.delete(from);
    enumType.schema = ast.newschema;
    state.enums.set(to, enumType);
    retargetColumns(state, from, to);
    return [{ kind: 'rename-type', from, to }];
  }
  return [];
}

// ---------------------------------------------------------------------------------------------
// Column references inside expressions

/** Whether an expression tree has a column reference whose last name is `column`. */
function referencesColumn(node: Node, column: string): boolean {
  return someNode(node, (n) => {
    const ref = n.ColumnRef;
    if (ref && Array.isArray(ref.fields)) return str(ref.fields[ref.fields.length - 1]) === column || SKIP;
    return undefined;
  });
}

/** A copy of the tree with column references to `from` renamed (the parsed statement is never mutated). */
function renameColumnRefs(node: Node, from: string, to: string): Node {
  return mapTree(
    node,
    (n) => {
      const ref = n?.ColumnRef;
      if (ref && Array.isArray(ref.fields) && str(ref.fields[ref.fields.length - 1]) === from) {
        return { ColumnRef: { ...ref, fields: [...ref.fields.slice(0, -1), { String: { sval: to } }] } };
      }
      return n;
    },
    { copy: true },
  );
}

function textReferencesColumn(text: string, column: string): boolean {
  return identifierPattern(column).test(text);
}

function renameInExpressionText(text: string, from: string, to: string): string {
  const quoted = /^[a-z_][a-z0-9_$]*$/.test(to) ? to : `"${to.replaceAll('"', '""')}"`;
  return text.replace(new RegExp(identifierPattern(from).source, 'g'), (m, pre: string) => pre + quoted);
}

/** `col` or `"col"` as a whole identifier in deparsed SQL text (not inside a longer name or a string). */
function identifierPattern(column: string): RegExp {
  const escaped = column.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replaceAll('"', '""');
  const bare = /^[a-z_][a-z0-9_$]*$/.test(column) ? `|\\b${escaped}\\b(?![$"])` : '';
  return new RegExp(`(^|[^\\w$'])(?:"${escaped}"${bare})(?!\\s*\\()`);
}

const HANDLERS: Record<string, Handler> = {
  CreateStmt: createTable,
  AlterTableStmt: alterTable,
  RenameStmt: rename,
  IndexStmt: createIndex,
  DropStmt: drop,
  CreateEnumStmt: createEnum,
  AlterEnumStmt: alterEnum,
  CompositeTypeStmt: (s, a) => createType(s, a, 'composite', [a.typevar?.schemaname, a.typevar?.relname].filter(Boolean)),
  CreateDomainStmt: (s, a) => createType(s, a, 'domain', strs(a.domainname)),
  CreateRangeStmt: (s, a) => createType(s, a, 'range', strs(a.typeName)),
  CreateSchemaStmt: createSchema,
  CreateSeqStmt: createSequence,
  AlterSeqStmt: alterSequence,
  CreateTrigStmt: createTrigger,
  CreateRoleStmt: createRole,
  DropRoleStmt: dropRole,
  AlterRoleStmt: alterRole,
  CommentStmt: comment,
  ViewStmt: createView,
  CreateTableAsStmt: createTableAs,
  CreatePolicyStmt: createPolicy,
  AlterPolicyStmt: alterPolicy,
  AlterObjectSchemaStmt: alterObjectSchema,
  CreateExtensionStmt: (s, a) => {
    if (s.extensions.has(a.extname) && a.if_not_exists) return [];
    s.extensions.add(a.extname);
    return [{ kind: 'create-extension', extension: a.extname }];
  },
  CreateFunctionStmt: createFunction,
};

