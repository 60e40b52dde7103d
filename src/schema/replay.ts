import type { Node } from '../engine/ast.js';
import { mapTree, nodeTag, SKIP, someNode, str, strs } from '../engine/ast.js';
import { lazyProperty } from '../engine/lazy.js';
import type { Effect } from './effects.js';
import {
  cloneTable,
  DEFAULT_SCHEMA,
  key,
  newTable,
  type Column,
  type Constraint,
  type ConstraintKind,
  type Index,
  type IndexColumn,
  type SchemaState,
  type Table,
} from './model.js';
import { SERIAL_TYPES, typeFromAst } from './typename.js';
import { exprText } from './expr.js';

/**
 * Apply one parsed statement to the schema model, the way PostgreSQL would, and say what it did.
 * Statements the model does not track (GRANT, COMMENT, functions' bodies…) change nothing.
 * Never throws on statements that would fail in PostgreSQL (missing table…): the model stays
 * as it was and rules report the problem.
 */
export function applyStatement(state: SchemaState, kind: string, ast: Node): Effect[] {
  const handler = HANDLERS[kind];
  return handler ? handler(state, ast) : [];
}

type Handler = (state: SchemaState, ast: Node) => Effect[];

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

/** Identity sequence names seen while building a column (read once by ownSerialSequence). */
const identitySequence = new WeakMap<Column, string | undefined>();

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
        identitySequence.set(column, identitySequenceName(con));
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

function constraintFrom(con: Node, table: Table, columnDefault: string[]): Constraint {
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
 * Add a constraint, unless the table has one of that name: PostgreSQL then refuses the statement
 * (42710), and two long names that share their first 63 bytes end up here, truncated to the same
 * name (a composite primary key and a foreign key of drizzle-kit's): the first stays. Returns
 * whether it was added.
 */
function addConstraint(state: SchemaState, table: Table, constraint: Constraint): boolean {
  if (table.constraints.has(constraint.name)) return false;
  table.constraints.set(constraint.name, constraint);
  if (constraint.kind === 'primaryKey') {
    for (const name of constraint.columns) {
      const column = table.columns.get(name);
      if (column) column.notNull = true;
    }
  }
  void state;
  return true;
}

function createTable(state: SchemaState, ast: Node): Effect[] {
  // Temporary tables live in the session's pg_temp schema and vanish with it (data-fix helpers).
  if (ast.relation?.relpersistence === 't') return [{ kind: 'other', what: 'create-temp-table' }];
  const tableKey = rangeKey(ast.relation);
  if (ast.if_not_exists && state.tables.has(tableKey)) return [];
  const { schema, name } = splitKey(tableKey);
  const table = newTable(schema, name);
  const constraints: Constraint[] = [];
  for (const element of ast.tableElts ?? []) {
    const tag = nodeTag(element);
    if (tag === 'ColumnDef') {
      const column = columnFromDef(element.ColumnDef, table, constraints);
      table.columns.set(column.name, column);
      ownSerialSequence(state, table, column, identitySequence.get(column));
    } else if (tag === 'Constraint') {
      constraints.push(constraintFrom(element.Constraint, table, []));
    }
  }
  for (const c of constraints) addConstraint(state, table, c);
  state.tables.set(tableKey, table);
  return [{ kind: 'create-table', table: tableKey, definition: cloneTable(table) }];
}

/**
 * serial and identity columns own an implicit sequence `<table>_<column>_seq`, or the one named by
 * the identity's `SEQUENCE NAME` option.
 */
function ownSerialSequence(state: SchemaState, table: Table, column: Column, sequenceName?: string): void {
  if (!SERIAL_TYPES.has(column.type.name) && !column.identity) return;
  const name = truncateIdentifier(sequenceName ?? `${table.name}_${column.name}_seq`);
  state.sequences.set(key(table.schema, name), { schema: table.schema, name, ownedBy: `${key(table.schema, table.name)}.${column.name}` });
}

function dropOwnedSequences(state: SchemaState, tableKey: string, column?: string): void {
  for (const [k, seq] of state.sequences) {
    if (!seq.ownedBy) continue;
    if (column ? seq.ownedBy === `${tableKey}.${column}` : seq.ownedBy.startsWith(`${tableKey}.`)) state.sequences.delete(k);
  }
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
  dropOwnedSequences(state, tableKey);
  if (cascade) {
    // CASCADE drops the foreign keys of other tables that point here.
    for (const other of state.tables.values()) {
      for (const [name, c] of other.constraints) {
        if (c.references && key(c.references.schema, c.references.table) === tableKey) other.constraints.delete(name);
      }
    }
  }
  return [{ kind: 'drop-table', table: tableKey, definition: table, indexes, cascade }];
}

function alterTable(state: SchemaState, ast: Node): Effect[] {
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
      ownSerialSequence(state, table, added, identitySequence.get(added));
      const effects: Effect[] = [{ kind: 'add-column', table: tableKey, column: { ...added } }];
      for (const c of constraints) {
        if (addConstraint(state, table, c)) effects.push({ kind: 'add-constraint', table: tableKey, constraint: c });
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
      return [effect];
    }
    case 'AT_ColumnDefault': {
      if (!column) return [];
      if (cmd.def) {
        column.default = { ast: cmd.def };
        return [{ kind: 'set-default', table: tableKey, column: column.name, value: column.default }];
      }
      delete column.default;
      return [{ kind: 'drop-default', table: tableKey, column: column.name }];
    }
    case 'AT_SetNotNull':
      if (!column) return [];
      column.notNull = true;
      return [{ kind: 'set-not-null', table: tableKey, column: column.name }];
    case 'AT_DropNotNull':
      if (!column) return [];
      column.notNull = false;
      return [{ kind: 'drop-not-null', table: tableKey, column: column.name }];
    case 'AT_AddIdentity': {
      if (!column) return [];
      const con = cmd.def?.Constraint;
      column.identity = con?.generated_when === 'a' ? 'always' : 'byDefault';
      column.notNull = true;
      ownSerialSequence(state, table, column, identitySequenceName(con));
      return [{ kind: 'add-identity', table: tableKey, column: column.name }];
    }
    case 'AT_DropIdentity':
      if (column) delete column.identity;
      if (column) dropOwnedSequences(state, tableKey, column.name);
      return [{ kind: 'other', what: 'drop-identity' }];
    case 'AT_SetExpression':
      if (column && cmd.def) column.generated = { ast: cmd.def };
      return [{ kind: 'other', what: 'set-expression' }];
    case 'AT_DropExpression':
      if (column) delete column.generated;
      return [{ kind: 'other', what: 'drop-expression' }];
    case 'AT_AddConstraint': {
      const con = cmd.def?.Constraint;
      if (!con) return [];
      if (con.contype === 'CONSTR_NOTNULL') return [];
      const constraint = constraintFrom(con, table, []);
      if (!addConstraint(state, table, constraint)) return [];
      return [{ kind: 'add-constraint', table: tableKey, constraint }];
    }
    case 'AT_DropConstraint': {
      const constraint = table.constraints.get(cmd.name);
      if (!constraint) return [];
      table.constraints.delete(cmd.name);
      return [{ kind: 'drop-constraint', table: tableKey, constraint }];
    }
    case 'AT_ValidateConstraint': {
      const constraint = table.constraints.get(cmd.name);
      if (constraint) constraint.notValid = false;
      return [{ kind: 'other', what: 'validate-constraint' }];
    }
    case 'AT_EnableRowSecurity':
      table.rlsEnabled = true;
      return [{ kind: 'rls', table: tableKey, enabled: true }];
    case 'AT_DisableRowSecurity':
      table.rlsEnabled = false;
      return [{ kind: 'rls', table: tableKey, enabled: false }];
    case 'AT_ForceRowSecurity':
      table.rlsForced = true;
      return [];
    case 'AT_NoForceRowSecurity':
      table.rlsForced = false;
      return [];
    default:
      return [];
  }
}

function dropColumn(state: SchemaState, table: Table, tableKey: string, column: Column, cascade: boolean): Effect[] {
  table.columns.delete(column.name);
  // PostgreSQL drops the indexes and constraints that use the column, even multi-column ones,
  // and those whose expression (CHECK, index expression or predicate) mentions it.
  for (const [name, c] of table.constraints) {
    if (c.columns.includes(column.name) || (c.check && referencesColumn(c.check.ast, column.name))) table.constraints.delete(name);
  }
  for (const [k, index] of state.indexes) {
    if (index.table !== tableKey) continue;
    const uses =
      index.columns.some((ic) => indexColumnUses(ic, column.name)) ||
      (index.where !== undefined && referencesColumn(index.where.ast, column.name));
    if (uses) state.indexes.delete(k);
  }
  dropOwnedSequences(state, tableKey, column.name);
  if (cascade) {
    for (const other of state.tables.values()) {
      for (const [name, c] of other.constraints) {
        if (c.references && key(c.references.schema, c.references.table) === tableKey && c.references.columns.includes(column.name)) {
          other.constraints.delete(name);
        }
      }
    }
  }
  return [{ kind: 'drop-column', table: tableKey, column, cascade }];
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
        if (index.where && referencesColumn(index.where.ast, from)) index.where = { ast: renameColumnRefs(index.where.ast, from, to) };
      }
      for (const other of state.tables.values()) {
        for (const c of other.constraints.values()) {
          if (c.references && key(c.references.schema, c.references.table) === tableKey) {
            c.references.columns = c.references.columns.map((n) => (n === ast.subname ? ast.newname : n));
          }
        }
      }
      return [{ kind: 'rename-column', table: tableKey, from: ast.subname, to: ast.newname }];
    }
    case 'OBJECT_TABCONSTRAINT': {
      const table = state.tables.get(rangeKey(ast.relation));
      const constraint = table?.constraints.get(ast.subname);
      if (!table || !constraint) return [];
      table.constraints = renameMapKey(table.constraints, ast.subname, ast.newname);
      constraint.name = ast.newname;
      return [{ kind: 'other', what: 'rename-constraint' }];
    }
    case 'OBJECT_INDEX': {
      const from = rangeKey(ast.relation);
      const index = state.indexes.get(from);
      if (index) {
        state.indexes.delete(from);
        index.name = ast.newname;
        state.indexes.set(key(index.schema, ast.newname), index);
        return [{ kind: 'other', what: 'rename-index' }];
      }
      // ALTER INDEX also renames constraint-backed indexes: rename the owning constraint.
      for (const table of state.tables.values()) {
        const constraint = table.constraints.get(ast.relation?.relname);
        if (constraint && (constraint.kind === 'unique' || constraint.kind === 'primaryKey')) {
          table.constraints = renameMapKey(table.constraints, constraint.name, ast.newname);
          constraint.name = ast.newname;
        }
      }
      return [{ kind: 'other', what: 'rename-index' }];
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
      state.views.set(key(view.schema, ast.newname), view);
      return [{ kind: 'other', what: 'rename-view' }];
    }
    case 'OBJECT_SEQUENCE': {
      const from = rangeKey(ast.relation);
      const seq = state.sequences.get(from);
      if (!seq) return [];
      state.sequences.delete(from);
      seq.name = ast.newname;
      state.sequences.set(key(seq.schema, ast.newname), seq);
      return [{ kind: 'other', what: 'rename-sequence' }];
    }
    case 'OBJECT_POLICY': {
      const tableKey = rangeKey(ast.relation);
      const table = state.tables.get(tableKey);
      const policy = table?.policies.get(ast.subname);
      if (!table || !policy) return [];
      table.policies = renameMapKey(table.policies, ast.subname, ast.newname);
      policy.name = ast.newname;
      return [{ kind: 'other', what: 'rename-policy' }];
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
  for (const index of state.indexes.values()) if (index.table === from) index.table = to;
  for (const other of state.tables.values()) {
    for (const c of other.constraints.values()) {
      if (c.references && key(c.references.schema, c.references.table) === from) {
        c.references.schema = schema;
        c.references.table = name;
      }
    }
  }
  for (const seq of state.sequences.values()) {
    if (seq.ownedBy?.startsWith(`${from}.`)) seq.ownedBy = to + seq.ownedBy.slice(from.length);
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
  return [{ kind: 'other', what: 'rename-schema' }];
}

/** Columns reference types by OID: renaming or moving a type renames it in every column. */
function retargetColumns(state: SchemaState, from: string, to: string): void {
  const { schema, name } = splitKey(to);
  for (const table of state.tables.values()) {
    for (const column of table.columns.values()) {
      if (!column.type.builtin && key(column.type.schema, column.type.name) === from) {
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
  const indexKey = key(schema, name);
  if (ast.if_not_exists && state.indexes.has(indexKey)) return [];
  const index: Index = { schema, name, table: tableKey, unique: ast.unique === true, method: ast.accessMethod ?? 'btree', columns };
  if (ast.whereClause) index.where = { ast: ast.whereClause };
  state.indexes.set(indexKey, index);
  return [{ kind: 'create-index', index, concurrently: ast.concurrent === true }];
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
  const neighbor = ast.newValNeighbor ? enumType.values.indexOf(ast.newValNeighbor) : -1;
  if (neighbor < 0) enumType.values.push(ast.newVal);
  else enumType.values.splice(ast.newValIsAfter ? neighbor + 1 : neighbor, 0, ast.newVal);
  return [{ kind: 'add-enum-value', type: typeKey, value: ast.newVal }];
}

function createType(state: SchemaState, ast: Node, kindName: 'composite' | 'domain' | 'range', names: string[]): Effect[] {
  const typeKey = listKey(names);
  const { schema, name } = splitKey(typeKey);
  state.types.set(typeKey, { schema, name, kind: kindName });
  void ast;
  return [{ kind: 'other', what: `create-${kindName}` }];
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
        state.enums.delete(typeKey);
        state.types.delete(typeKey);
        if (cascade) dropColumnsOfType(state, typeKey);
        effects.push({ kind: 'drop-type', type: typeKey, definition, cascade });
        break;
      }
      case 'OBJECT_SCHEMA':
        // One by one: a schema's tables are as many as the migrations made (never spread into a call's arguments).
        for (const effect of dropSchema(state, names[0], cascade)) effects.push(effect);
        break;
      case 'OBJECT_SEQUENCE':
        state.sequences.delete(listKey(names));
        break;
      case 'OBJECT_VIEW':
      case 'OBJECT_MATVIEW':
        state.views.delete(listKey(names));
        break;
      case 'OBJECT_POLICY': {
        const policy = names[names.length - 1];
        const tableKey = listKey(names.slice(0, -1));
        state.tables.get(tableKey)?.policies.delete(policy);
        effects.push({ kind: 'drop-policy', table: tableKey, policy });
        break;
      }
      case 'OBJECT_EXTENSION':
        state.extensions.delete(names[0]);
        break;
      case 'OBJECT_FUNCTION':
        state.functions.delete(functionKey(object));
        break;
      default:
        break;
    }
  }
  return effects;
}

function dropColumnsOfType(state: SchemaState, typeKey: string): void {
  for (const [tableKey, table] of state.tables) {
    for (const column of [...table.columns.values()]) {
      if (!column.type.builtin && key(column.type.schema, column.type.name) === typeKey) dropColumn(state, table, tableKey, column, true);
    }
  }
}

function dropSchema(state: SchemaState, schema: string, cascade: boolean): Effect[] {
  if (!state.schemas.has(schema)) return [];
  state.schemas.delete(schema);
  if (cascade) {
    for (const [k, t] of [...state.tables]) if (t.schema === schema) dropTable(state, k, true);
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
  state.sequences.set(seqKey, { schema, name });
  return [{ kind: 'other', what: 'create-sequence' }];
}

function createView(state: SchemaState, ast: Node): Effect[] {
  const viewKey = rangeKey(ast.view);
  const { schema, name } = splitKey(viewKey);
  state.views.set(viewKey, { schema, name, materialized: false, query: ast.query });
  return [{ kind: 'other', what: 'create-view' }];
}

function createTableAs(state: SchemaState, ast: Node): Effect[] {
  if (ast.objtype !== 'OBJECT_MATVIEW') {
    if (ast.into?.rel?.relpersistence === 't') return [{ kind: 'other', what: 'create-temp-table' }];
    // CREATE TABLE … AS SELECT: columns unknown without running the query.
    const tableKey = rangeKey(ast.into?.rel);
    const { schema, name } = splitKey(tableKey);
    if (!state.tables.has(tableKey)) state.tables.set(tableKey, newTable(schema, name));
    return [{ kind: 'other', what: 'create-table-as' }];
  }
  const viewKey = rangeKey(ast.into?.rel);
  const { schema, name } = splitKey(viewKey);
  state.views.set(viewKey, { schema, name, materialized: true, query: ast.query });
  return [{ kind: 'other', what: 'create-materialized-view' }];
}

function createPolicy(state: SchemaState, ast: Node): Effect[] {
  const tableKey = rangeKey(ast.table);
  const table = state.tables.get(tableKey);
  if (!table) return [];
  table.policies.set(ast.policy_name, {
    name: ast.policy_name,
    command: ast.cmd_name ?? 'all',
    permissive: ast.permissive !== false,
    roles: (ast.roles ?? []).map((r: Node) => r.RoleSpec?.rolename ?? roleSpecName(r.RoleSpec?.roletype)),
    ...(ast.qual ? { using: { ast: ast.qual } } : {}),
    ...(ast.with_check ? { withCheck: { ast: ast.with_check } } : {}),
  });
  return [{ kind: 'create-policy', table: tableKey, policy: ast.policy_name }];
}

function roleSpecName(roletype: string | undefined): string {
  return { ROLESPEC_PUBLIC: 'public', ROLESPEC_CURRENT_USER: 'current_user', ROLESPEC_SESSION_USER: 'session_user', ROLESPEC_CURRENT_ROLE: 'current_role' }[roletype ?? ''] ?? 'public';
}

function alterPolicy(state: SchemaState, ast: Node): Effect[] {
  const policy = state.tables.get(rangeKey(ast.table))?.policies.get(ast.policy_name);
  if (!policy) return [];
  if (ast.roles) policy.roles = ast.roles.map((r: Node) => r.RoleSpec?.rolename ?? roleSpecName(r.RoleSpec?.roletype));
  if (ast.qual) policy.using = { ast: ast.qual };
  if (ast.with_check) policy.withCheck = { ast: ast.with_check };
  return [{ kind: 'other', what: 'alter-policy' }];
}

function functionKey(object: Node): string {
  const owa = object?.ObjectWithArgs;
  return listKey(strs(owa?.objname ?? []));
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
    return [{ kind: 'other', what: 'set-schema' }];
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
  ViewStmt: createView,
  CreateTableAsStmt: createTableAs,
  CreatePolicyStmt: createPolicy,
  AlterPolicyStmt: alterPolicy,
  AlterObjectSchemaStmt: alterObjectSchema,
  CreateExtensionStmt: (s, a) => {
    s.extensions.add(a.extname);
    return [{ kind: 'other', what: 'create-extension' }];
  },
  CreateFunctionStmt: (s, a) => {
    s.functions.add(listKey(strs(a.funcname)));
    return [{ kind: 'other', what: 'create-function' }];
  },
};

