import type { Node } from '../engine/ast.js';
import type { DependentConstraint, Effect, RelationComment } from '../schema/effects.js';
import { parseSync } from '../engine/pg-query.js';
import { DEFAULT_SCHEMA, key, type Column, type Definition, type EnumType, type SchemaState, type Sequence, type Table } from '../schema/model.js';
import {
  addConstraintSql,
  columnSql,
  constraintsAfterCreate,
  createEnumSql,
  createIndexSql,
  createPolicySql,
  createSequenceSql,
  createTableSql,
  createViewSql,
  deparse,
  exprSql,
  ident,
  identitySql,
  literal,
  qualified,
  qualifiedOfKey,
  relationOfKey,
  sequenceOptionsSql,
  typeSql,
  word,
} from '../schema/sql.js';
import { truncateIdentifier } from '../schema/replay.js';
import { SERIAL_TYPES } from '../schema/typename.js';
import { lossOfCast } from './casts.js';
import { cannot, lost, step, type Step } from './step.js';

/** What the inverse of one change may look at besides the change itself. */
export interface InverseContext {
  /** The schema right after the statement: what its rollback meets (later statements undone first). */
  after: Readonly<SchemaState>;
  /** Tables created, columns added and enums created earlier in this migration (current keys): they held nothing before it. */
  fresh: FreshObjects;
  /** The statement's syntax tree (COMMENT needs its object). */
  ast: Node;
}

/** Objects the migration itself created so far, followed through renames. */
export class FreshObjects {
  readonly tables = new Set<string>();
  readonly columns = new Set<string>();
  readonly enums = new Set<string>();
  /** Temporary tables (gone with the session): statements on them change nothing to restore. */
  readonly temporary = new Set<string>();

  /** Record what a change made, before its inverse is planned for the next changes. */
  track(e: Effect): void {
    switch (e.kind) {
      case 'create-table':
      case 'create-table-as':
        this.tables.add(e.table);
        break;
      case 'drop-table':
        this.tables.delete(e.table);
        break;
      case 'rename-table':
      case 'move-table':
        if (this.tables.delete(e.from)) this.tables.add(e.to);
        for (const c of [...this.columns]) if (c.startsWith(`${e.from}.`)) (this.columns.delete(c), this.columns.add(e.to + c.slice(e.from.length)));
        break;
      case 'add-column':
        this.columns.add(`${e.table}.${e.column.name}`);
        break;
      case 'rename-column':
        if (this.columns.delete(`${e.table}.${e.from}`)) this.columns.add(`${e.table}.${e.to}`);
        break;
      case 'create-enum':
        this.enums.add(e.type);
        break;
      case 'create-temp-table':
        this.tables.add(e.table);
        this.temporary.add(e.table);
        break;
      case 'rename-type':
        if (this.enums.delete(e.from)) this.enums.add(e.to);
        break;
      default:
        break;
    }
  }

  /** True when the table's rows, or the column's values, were all made by this migration. */
  holdsNothingOld(tableKey: string, column?: string): boolean {
    return this.tables.has(tableKey) || (column !== undefined && this.columns.has(`${tableKey}.${column}`));
  }
}

const table = relationOfKey;
const col = (tableKey: string, name: string) => `${table(tableKey)}.${ident(name)}`;
const alterTable = (tableKey: string, action: string) => `ALTER TABLE ${table(tableKey)} ${action};`;
const nameOf = (k: string) => k.slice(k.indexOf('.') + 1);
const schemaOf = (k: string) => k.slice(0, k.indexOf('.'));

/** The SQL that undoes one effect, with what it cannot restore. */
export function inverseOf(e: Effect, ctx: InverseContext): Step {
  switch (e.kind) {
    case 'create-table':
    case 'create-table-as':
      return step({ sql: [`DROP TABLE ${table(e.table)};`] });
    case 'drop-table':
      return restoreTable(e, ctx);
    case 'rename-table':
      return step({ sql: [alterTable(e.to, `RENAME TO ${ident(nameOf(e.from))}`)] });
    case 'move-table':
      return step({ sql: [alterTable(e.to, `SET SCHEMA ${ident(schemaOf(e.from))}`)] });
    case 'add-column':
      return step({ sql: [alterTable(e.table, `DROP COLUMN ${ident(e.column.name)}`)] });
    case 'drop-column':
      return restoreColumn(e, ctx);
    case 'rename-column':
      return step({ sql: [alterTable(e.table, `RENAME COLUMN ${ident(e.to)} TO ${ident(e.from)}`)] });
    case 'alter-column-type':
      return restoreType(e, ctx);
    case 'set-not-null':
      return e.before ? step() : step({ sql: [alterTable(e.table, `ALTER COLUMN ${ident(e.column)} DROP NOT NULL`)] });
    case 'drop-not-null':
      return e.before
        ? step({
            sql: [alterTable(e.table, `ALTER COLUMN ${ident(e.column)} SET NOT NULL`)],
            notes: [`SET NOT NULL on ${col(e.table, e.column)} fails if rows with NULL were written since the migration ran: fill them first.`],
          })
        : step();
    case 'set-default':
    case 'drop-default': {
      const before = e.before ?? impliedDefault(ctx.after, e.table, e.column);
      if (e.kind === 'drop-default' && !before) return step();
      return step({ sql: [alterTable(e.table, `ALTER COLUMN ${ident(e.column)} ${before ? `SET DEFAULT ${exprSql(before)}` : 'DROP DEFAULT'}`)] });
    }
    case 'add-identity':
      return step({ sql: [alterTable(e.table, `ALTER COLUMN ${ident(e.column)} DROP IDENTITY`)] });
    case 'drop-identity': {
      if (!e.identity) return step();
      return step({
        sql: [alterTable(e.table, `ALTER COLUMN ${ident(e.column)} ADD ${identitySql(e.identity, e.sequence)}`), continueSequence(e.table, e.column)],
        notes: [`the identity of ${col(e.table, e.column)} comes back with a new sequence, set to continue after the largest value.`],
      });
    }
    case 'alter-identity':
      return restoreIdentity(e);
    case 'set-generated':
      return e.before
        ? step({ sql: [alterTable(e.table, `ALTER COLUMN ${ident(e.column)} SET EXPRESSION AS (${exprSql(e.before)})`)], notes: ['SET EXPRESSION needs PostgreSQL 17 or later.'] })
        : step();
    case 'drop-generated':
      return e.before
        ? cannot(`${col(e.table, e.column)} is no longer generated, and PostgreSQL cannot make an existing column generated again: drop it and add it back as GENERATED ALWAYS AS (${exprSql(e.before)}) STORED (it then comes back as the last column, without its indexes).`, {
            declared: [{ object: 'column', name: `${e.table}.${e.column}` }],
          })
        : step();
    case 'add-constraint': {
      const sql = [alterTable(e.table, `DROP CONSTRAINT ${ident(e.constraint.name)}`)];
      // Dropping a primary key keeps the NOT NULL it set.
      for (const column of e.madeNotNull ?? []) sql.push(alterTable(e.table, `ALTER COLUMN ${ident(column)} DROP NOT NULL`));
      if (e.usingIndex) sql.push(createIndexSql(e.usingIndex));
      return step({ sql });
    }
    case 'drop-constraint': {
      const add = addConstraintSql(e.table, e.constraint);
      if (!add) return cannot(`the model does not keep the definition of ${e.constraint.kind} constraint ${ident(e.constraint.name)} on ${table(e.table)}: add it back by hand.`, { declared: [{ object: 'constraint', name: `${e.table}.${e.constraint.name}` }] });
      return step({ sql: [add], after: dependentsSql(e.dependents ?? []), notes: constraintNotes(e.table, e.constraint.kind, e.constraint.name) });
    }
    case 'rename-constraint':
      return step({ sql: [alterTable(e.table, `RENAME CONSTRAINT ${ident(e.to)} TO ${ident(e.from)}`)] });
    case 'validate-constraint':
      return e.notValidBefore ? step({ notes: [`constraint ${ident(e.constraint)} stays validated: PostgreSQL has no way back to NOT VALID (it changes no data).`] }) : step();
    case 'create-index':
      return step({ sql: [`DROP INDEX ${qualified(e.index.schema, e.index.name)};`] });
    case 'drop-index':
      return step({ sql: [createIndexSql(e.index)] });
    case 'rename-index':
      return step({ sql: [`ALTER INDEX ${qualifiedOfKey(e.to)} RENAME TO ${ident(nameOf(e.from))};`] });
    case 'create-enum':
      return step({ sql: [`DROP TYPE ${qualifiedOfKey(e.type)};`] });
    case 'create-type':
      return step({ sql: [`DROP ${e.definition.kind === 'domain' ? 'DOMAIN' : 'TYPE'} ${qualifiedOfKey(e.type)};`] });
    case 'drop-type':
      if (!e.definition) return cannot(`the model does not know the definition of type ${qualifiedOfKey(e.type)} (${e.other ? `a ${e.other.kind} type` : 'made outside these migrations'}): create it again by hand.`, { declared: [{ object: '*', name: '*' }] });
      if (e.cascade) return cannot(`DROP TYPE … CASCADE also dropped the columns of type ${qualifiedOfKey(e.type)}: the type comes back, the columns do not.`, { sql: [createEnumSql(e.definition)], declared: [{ object: 'column', name: '*' }] });
      return step({ sql: [createEnumSql(e.definition)] });
    case 'rename-type':
      return step({ sql: [`ALTER TYPE ${qualifiedOfKey(e.to)} ${renameBack(e.from, e.to)};`] });
    case 'add-enum-value':
      return removeEnumValue(e, ctx);
    case 'rename-enum-value':
      return step({ sql: [`ALTER TYPE ${qualifiedOfKey(e.type)} RENAME VALUE ${literal(e.to)} TO ${literal(e.from)};`] });
    case 'create-schema':
      return step({ sql: [`DROP SCHEMA ${ident(e.schema)};`] });
    case 'drop-schema':
      return e.cascade
        ? cannot(`DROP SCHEMA … CASCADE dropped everything in ${ident(e.schema)}: the schema comes back empty.`, { sql: [`CREATE SCHEMA ${ident(e.schema)};`], declared: [{ object: '*', name: '*' }] })
        : step({ sql: [`CREATE SCHEMA ${ident(e.schema)};`] });
    case 'rename-schema':
      return step({ sql: [`ALTER SCHEMA ${ident(e.to)} RENAME TO ${ident(e.from)};`] });
    case 'rls':
      return e.enabled === e.before ? step() : step({ sql: [alterTable(e.table, `${e.before ? 'ENABLE' : 'DISABLE'} ROW LEVEL SECURITY`)] });
    case 'force-rls':
      return e.forced === e.before ? step() : step({ sql: [alterTable(e.table, `${e.before ? 'FORCE' : 'NO FORCE'} ROW LEVEL SECURITY`)] });
    case 'create-policy':
      return step({ sql: [`DROP POLICY ${ident(e.policy)} ON ${table(e.table)};`] });
    case 'drop-policy':
      return e.definition
        ? step({ sql: [createPolicySql(e.table, e.definition)] })
        : cannot(`the model does not know policy ${ident(e.policy)} on ${table(e.table)} (made outside these migrations?): create it again by hand.`, { declared: [{ object: 'policy', name: `${e.table}.${e.policy}` }] });
    case 'alter-policy':
      return step({ sql: [`DROP POLICY ${ident(e.policy)} ON ${table(e.table)};`, createPolicySql(e.table, e.before)] });
    case 'rename-policy':
      return step({ sql: [`ALTER POLICY ${ident(e.to)} ON ${table(e.table)} RENAME TO ${ident(e.from)};`] });
    case 'create-sequence':
      return step({ sql: [`DROP SEQUENCE ${qualifiedOfKey(e.sequence)};`] });
    case 'drop-sequence':
      return lost(`the position of sequence ${qualifiedOfKey(e.sequence)} is gone: it comes back at its start value.`, { sql: [createSequenceSql(e.definition)] });
    case 'alter-sequence':
      return restoreSequenceOptions(e.sequence, e.before, e.after);
    case 'rename-sequence':
      return step({ sql: [`ALTER SEQUENCE ${qualifiedOfKey(e.to)} ${renameBack(e.from, e.to)};`] });
    case 'create-view': {
      const drop = `DROP ${e.definition.materialized ? 'MATERIALIZED VIEW' : 'VIEW'} ${qualifiedOfKey(e.view)};`;
      if (!e.replaced) return step({ sql: [drop] });
      const again = createViewSql(e.replaced);
      return again ? step({ sql: [drop, again] }) : cannot(`the model does not know the query of the view ${qualifiedOfKey(e.view)} replaced.`, { declared: [{ object: 'view', name: e.view }] });
    }
    case 'drop-view': {
      const again = createViewSql(e.definition);
      return again
        ? step({ sql: [again, ...commentsSql(e.definition.materialized ? 'MATERIALIZED VIEW' : 'VIEW', qualifiedOfKey(e.view), e.comments)], ...(e.definition.materialized && !e.definition.withNoData ? { notes: [`materialized view ${qualifiedOfKey(e.view)} is filled again by its query.`] } : {}) })
        : cannot(`the model does not know the query of view ${qualifiedOfKey(e.view)}: create it again by hand.`, { declared: [{ object: 'view', name: e.view }] });
    }
    case 'rename-view': {
      const view = ctx.after.views.get(e.to);
      return step({ sql: [`ALTER ${view?.materialized ? 'MATERIALIZED VIEW' : 'VIEW'} ${qualifiedOfKey(e.to)} ${renameBack(e.from, e.to)};`] });
    }
    case 'create-extension':
      return step({ sql: [`DROP EXTENSION ${ident(e.extension)};`] });
    case 'drop-extension':
      return step({ sql: [`CREATE EXTENSION ${ident(e.extension)};`], notes: [`extension ${ident(e.extension)} comes back at the version installed by default, not necessarily the one dropped.`] });
    case 'create-function': {
      if (e.replaced) return step({ sql: [orReplace(e.replaced.sql)] });
      return step({ sql: [`DROP ${e.definition.kind === 'procedure' ? 'PROCEDURE' : 'FUNCTION'} ${e.definition.target};`] });
    }
    case 'drop-function':
      return e.definition ? step({ sql: [terminated(e.definition.sql)] }) : cannot(`the model does not know the definition of ${e.function.replace(/^function:/, '')} (made outside these migrations?): create it again by hand.`, { declared: [{ object: '*', name: '*' }] });
    case 'create-trigger': {
      const drop = `DROP TRIGGER ${ident(e.trigger)} ON ${table(e.table)};`;
      return step({ sql: e.replaced ? [drop, triggerSql(e.replaced, e.table)] : [drop] });
    }
    case 'drop-trigger':
      return e.definition ? step({ sql: [triggerSql(e.definition, e.table)] }) : cannot(`the model does not know trigger ${ident(e.trigger)} on ${table(e.table)}: create it again by hand.`);
    case 'create-role':
      return step({ sql: [`DROP ROLE ${ident(e.role)};`] });
    case 'drop-role':
      // Written from its name and options: the CREATE ROLE that made it may have had another name or options since.
      return e.definition ? step({ sql: [deparse({ CreateRoleStmt: { stmt_type: 'ROLESTMT_ROLE', role: e.role, options: e.definition.options ?? [] } }) + ';'] }) : cannot(`the model does not know role ${ident(e.role)} (made outside these migrations?): create it again by hand.`);
    case 'alter-role':
      return step({ sql: [deparse({ AlterRoleStmt: { role: { roletype: 'ROLESPEC_CSTRING', rolename: e.role }, options: optionsBack(e.before, e.after, ROLE_DEFAULTS), action: 1 } }) + ';'] });
    case 'alter-view-options': {
      // Options the change added are reset; those it changed or reset are set as they were.
      const reset = namesOf(e.after).filter((n) => !namesOf(e.before).includes(n));
      const text = (o: unknown) => JSON.stringify((o as Node)?.DefElem?.arg ?? null);
      const setBack = e.before.filter((o) => {
        const now = e.after.find((a) => optionName(a) === optionName(o));
        return now === undefined || text(now) !== text(o);
      });
      const view = qualifiedOfKey(e.view);
      const kind = ctx.after.views.get(e.view)?.materialized ? 'MATERIALIZED VIEW' : 'VIEW';
      const sql = [...(reset.length ? [`ALTER ${kind} ${view} RESET (${reset.map(word).join(', ')});`] : []), ...(setBack.length ? [`ALTER ${kind} ${view} SET (${setBack.map(reloption).join(', ')});`] : [])];
      return step({ sql });
    }
    case 'alter-view-storage': {
      // No CREATE or ALTER named one before: the server's default (pg_default; heap unless default_table_access_method says otherwise).
      const clause = e.setting === 'tablespace' ? 'TABLESPACE' : 'ACCESS METHOD';
      const back = e.before ?? (e.setting === 'tablespace' ? 'pg_default' : 'heap');
      const notes = e.before === undefined && e.setting === 'accessMethod' ? [`the access method of ${qualifiedOfKey(e.view)} goes back to heap, the default (the server's default_table_access_method, if set otherwise, is not known here).`] : [];
      return step({ sql: [`ALTER MATERIALIZED VIEW ${qualifiedOfKey(e.view)} SET ${clause} ${word(back)};`], notes });
    }
    case 'rename-role':
      return step({ sql: [`ALTER ROLE ${ident(e.to)} RENAME TO ${ident(e.from)};`] });
    case 'comment':
      return restoreComment(e.before, ctx.ast);
    case 'create-temp-table':
      return step();
    case 'other':
      return cannot(`the model does not record the details of this change (${e.what}).`, { declared: [{ object: '*', name: '*' }] });
  }
}

/** `RENAME TO` the old name, or `SET SCHEMA` the old schema, whichever changed (a statement changes one). */
function renameBack(from: string, to: string): string {
  return schemaOf(from) === schemaOf(to) ? `RENAME TO ${ident(nameOf(from))}` : `SET SCHEMA ${ident(schemaOf(from))}`;
}

/** A role's options when they are not given (CREATE ROLE's defaults). */
const ROLE_DEFAULTS: Record<string, unknown> = {
  createdb: { Boolean: { boolval: false } },
  createrole: { Boolean: { boolval: false } },
  inherit: { Boolean: { boolval: true } },
  canlogin: { Boolean: { boolval: false } },
  superuser: { Boolean: { boolval: false } },
  isreplication: { Boolean: { boolval: false } },
  bypassrls: { Boolean: { boolval: false } },
  connectionlimit: { Integer: { ival: -1 } },
};

function optionName(o: unknown): string {
  return String((o as Node)?.DefElem?.defname ?? '');
}

function namesOf(list: readonly unknown[]): string[] {
  return list.map(optionName);
}

/** The options that changed between `before` and `after`, as they were before (or their default). */
function optionsBack(before: readonly unknown[], after: readonly unknown[], defaults: Record<string, unknown>): unknown[] {
  const text = (o: unknown) => JSON.stringify((o as Node)?.DefElem?.arg ?? null);
  const out: unknown[] = [];
  for (const o of after) {
    const name = optionName(o);
    const was = before.find((b) => optionName(b) === name);
    if (was && text(was) === text(o)) continue;
    if (was) out.push(was);
    else if (name in defaults) out.push({ DefElem: { defname: name, arg: defaults[name], defaction: 'DEFELEM_UNSPEC' } });
  }
  return out;
}

function reloption(o: unknown): string {
  const d = (o as Node).DefElem;
  const v = d.arg?.String?.sval ?? d.arg?.Boolean?.boolval ?? d.arg?.Integer?.ival ?? d.arg?.TypeName?.names?.map((n: Node) => n.String?.sval).join('.');
  return `${word(d.defname)} = ${literal(String(v ?? ''))}`;
}

/** A trigger's CREATE TRIGGER, on its table as it is named now (the table may have been renamed since). */
function triggerSql(trigger: Definition, tableKey: string): string {
  try {
    const node = parseSync(trigger.sql).stmts?.[0]?.stmt;
    if (node?.CreateTrigStmt) {
      node.CreateTrigStmt.relation = { ...node.CreateTrigStmt.relation, schemaname: schemaOf(tableKey), relname: nameOf(tableKey) };
      return deparse(node) + ';';
    }
  } catch {
    /* fall back to the statement as written */
  }
  return terminated(trigger.sql);
}

/** A function or procedure definition run again over the current one. */
function orReplace(sql: string): string {
  return terminated(sql.replace(/^(\s*CREATE)\s+(?!OR\s+REPLACE\b)/i, '$1 OR REPLACE '));
}

function terminated(sql: string): string {
  const text = sql.trim();
  return text.endsWith(';') ? text : `${text};`;
}

/** A serial column's default (`nextval` of its sequence) is implied by its type in the model. */
function impliedDefault(state: Readonly<SchemaState>, tableKey: string, column: string) {
  const c = state.tables.get(tableKey)?.columns.get(column);
  if (!c || !(c.type.builtin && SERIAL_TYPES.has(c.type.name))) return undefined;
  const seq = [...state.sequences.values()].find((s) => s.ownedBy === `${tableKey}.${column}`);
  if (!seq) return undefined;
  const name = seq.schema === DEFAULT_SCHEMA ? ident(seq.name) : `${ident(seq.schema)}.${ident(seq.name)}`;
  return { ast: { FuncCall: { funcname: [{ String: { sval: 'nextval' } }], args: [{ TypeCast: { arg: { A_Const: { sval: { sval: name } } }, typeName: { names: [{ String: { sval: 'regclass' } }], typemod: -1 } } }], funcformat: 'COERCE_EXPLICIT_CALL' } } };
}

function continueSequence(tableKey: string, column: string): string {
  return `SELECT setval(pg_get_serial_sequence(${literal(table(tableKey))}, ${literal(column)}), coalesce(max(${ident(column)}), 0) + 1, false) FROM ${table(tableKey)};`;
}

/** The comments a dropped table or view (its own first) or column had, put back. */
function commentsSql(kind: 'TABLE' | 'VIEW' | 'MATERIALIZED VIEW', relationSql: string, comments: readonly RelationComment[]): string[] {
  const own = comments.filter((c) => c.column === undefined);
  return [...own, ...comments.filter((c) => c.column !== undefined)].map(
    (c) => `COMMENT ON ${c.column === undefined ? kind : 'COLUMN'} ${relationSql}${c.column === undefined ? '' : `.${ident(c.column)}`} IS ${literal(c.value)};`,
  );
}

function dependentsSql(dependents: readonly DependentConstraint[]): string[] {
  return dependents.map((d) => addConstraintSql(d.table, d.constraint)).filter((s): s is string => s !== undefined);
}

function constraintNotes(tableKey: string, kind: string, name: string): string[] {
  if (kind === 'check' || kind === 'unique' || kind === 'foreignKey' || kind === 'primaryKey') {
    return [`adding ${ident(name)} back to ${table(tableKey)} fails if rows written since the migration ran break it.`];
  }
  return [];
}

/** DROP TABLE undone: the table, then (once every table of the statement exists) its foreign keys, indexes, RLS, policies, triggers and the foreign keys CASCADE dropped. */
function restoreTable(e: Extract<Effect, { kind: 'drop-table' }>, ctx: InverseContext): Step {
  const t = e.definition;
  const create = createTableSql(t, e.sequences);
  if (!create) return cannot(`the model cannot write a constraint of ${table(e.table)} (an exclusion constraint): create the table again by hand.`, { declared: [{ object: '*', name: '*' }] });
  const sql = [create, ...renamedSequences(e.table, t, e.sequences), ...commentsSql('TABLE', table(e.table), e.comments)];
  const after: string[] = [];
  for (const c of constraintsAfterCreate(t)) after.push(addConstraintSql(e.table, c)!);
  for (const index of e.indexes) after.push(createIndexSql(index));
  if (t.rlsEnabled) after.push(alterTable(e.table, 'ENABLE ROW LEVEL SECURITY'));
  if (t.rlsForced) after.push(alterTable(e.table, 'FORCE ROW LEVEL SECURITY'));
  for (const p of t.policies.values()) after.push(createPolicySql(e.table, p));
  for (const trigger of e.triggers) after.push(triggerSql(trigger, e.table));
  after.push(...dependentsSql(e.dependents));
  if (ctx.fresh.holdsNothingOld(e.table)) return step({ sql, after });
  return lost(`DROP TABLE ${table(e.table)} deleted its rows: the table comes back empty.`, { sql, after });
}

/** serial columns get `<table>_<column>_seq`; one with another name (the table was renamed since) is renamed back. */
function renamedSequences(tableKey: string, t: Table, sequences: readonly Sequence[]): string[] {
  const out: string[] = [];
  for (const seq of sequences) {
    const column = seq.ownedBy?.slice(tableKey.length + 1);
    const c = column !== undefined ? t.columns.get(column) : undefined;
    if (!c || c.identity || !(c.type.builtin && SERIAL_TYPES.has(c.type.name))) continue;
    const implied = truncateIdentifier(`${t.name}_${c.name}_seq`);
    if (implied !== seq.name) out.push(`ALTER SEQUENCE ${qualified(seq.schema, implied)} RENAME TO ${ident(seq.name)};`);
    const options = sequenceOptionsSql(seq.options);
    if (options.length) out.push(`ALTER SEQUENCE ${qualified(seq.schema, seq.name)} ${options.join(' ')};`);
  }
  return out;
}

/** DROP COLUMN undone: the column (its values are gone), then what went with it. */
function restoreColumn(e: Extract<Effect, { kind: 'drop-column' }>, ctx: InverseContext): Step {
  const c = e.column;
  const fresh = ctx.fresh.holdsNothingOld(e.table, c.name);
  const serial = c.type.builtin && SERIAL_TYPES.has(c.type.name);
  const filled = c.default !== undefined || c.identity !== undefined || c.generated !== undefined || serial;
  // NOT NULL needs a value in every row; rows that held one lost it, unless a default fills them.
  const notNull = c.notNull && (filled || fresh);
  const identitySequence = c.identity ? e.sequences[0] : undefined;
  const sql = [alterTable(e.table, `ADD COLUMN ${columnSql(c, identitySequence, { notNull })}`)];
  const t = ctx.after.tables.get(e.table);
  if (serial && t) {
    const seq = e.sequences[0];
    const implied = truncateIdentifier(`${t.name}_${c.name}_seq`);
    if (seq && implied !== seq.name) sql.push(`ALTER SEQUENCE ${qualified(seq.schema, implied)} RENAME TO ${ident(seq.name)};`);
  }
  sql.push(...commentsSql('TABLE', table(e.table), e.comments));
  const declared: Step['declared'] = [];
  const reasons: string[] = [];
  const notes: string[] = [];
  const offered: string[] = [];
  const blocked = new Set<string>();
  if (c.notNull && !notNull) {
    declared.push({ object: 'column', name: `${e.table}.${c.name}` });
    offered.push(alterTable(e.table, `ALTER COLUMN ${ident(c.name)} SET NOT NULL`));
    reasons.push(`${col(e.table, c.name)} comes back NULL-able: it was NOT NULL without a default, and its values are gone (fill them in, then SET NOT NULL).`);
    // A primary key on it needs the values too.
    for (const k of e.constraints) if (k.kind === 'primaryKey') blocked.add(k.name);
  }
  const after: string[] = [];
  for (const k of e.constraints) {
    const add = addConstraintSql(e.table, k);
    if (!add || blocked.has(k.name)) {
      declared.push({ object: 'constraint', name: `${e.table}.${k.name}` });
      if (add) offered.push(add);
      reasons.push(add ? `constraint ${ident(k.name)} needs the values of ${ident(c.name)} back first.` : `the model cannot write constraint ${ident(k.name)} (${k.kind}): add it back by hand.`);
      continue;
    }
    after.push(add);
  }
  for (const index of e.indexes) after.push(createIndexSql(index));
  after.push(...dependentsSql(e.dependents));
  if (t && t.columns.size > 0) {
    notes.push(`${col(e.table, c.name)} comes back as the last column of ${table(e.table)}.`);
    declared.push({ object: 'column-order', name: e.table });
  }
  if (fresh) return step({ sql, after, reasons, notes, offered, declared, verdict: reasons.length ? 'structure-only' : 'reversible' });
  if (c.generated) return step({ sql, after, reasons, notes: [...notes, `${col(e.table, c.name)} is generated: its values are computed again.`], offered, declared, verdict: reasons.length ? 'structure-only' : 'reversible' });
  const comesBack = c.identity || serial ? 'with new numbers' : c.default ? `with its default (${exprSql(c.default)}) in every row` : 'empty (NULL)';
  return step({ verdict: 'structure-only', sql, after, reasons: [`DROP COLUMN deleted the values of ${col(e.table, c.name)}: the column comes back ${comesBack}.`, ...reasons], notes, offered, declared });
}

/** SET DATA TYPE undone: back to the old type with a USING cast; the default dropped around it and restored as it was. */
function restoreType(e: Extract<Effect, { kind: 'alter-column-type' }>, ctx: InverseContext): Step {
  const column: Column | undefined = ctx.after.tables.get(e.table)?.columns.get(e.column);
  const old = typeSql(e.from);
  // Between two enums (or other user types) only text converts: go through it.
  const via = e.from.builtin && e.to.builtin ? '' : `::text${'[]'.repeat(e.to.arrayDims)}`;
  const change = `ALTER COLUMN ${ident(e.column)} SET DATA TYPE ${old} USING ${ident(e.column)}${via}::${old}`;
  const sql: string[] = [];
  if (column?.default || e.defaultBefore) {
    sql.push(alterTable(e.table, `ALTER COLUMN ${ident(e.column)} DROP DEFAULT`));
    sql.push(alterTable(e.table, change));
    if (e.defaultBefore) sql.push(alterTable(e.table, `ALTER COLUMN ${ident(e.column)} SET DEFAULT ${exprSql(e.defaultBefore)}`));
  } else sql.push(alterTable(e.table, change));
  const notes = [`casting ${col(e.table, e.column)} back to ${old} fails if values written since do not fit it.`];
  const loss = ctx.fresh.holdsNothingOld(e.table, e.column) ? undefined : lossOfCast(e.from, e.to, e.column, e.using);
  if (!loss) return step({ sql, notes });
  return lost(`SET DATA TYPE ${typeSql(e.to)} changed the values of ${col(e.table, e.column)} (${loss}): casting back to ${old} may not give the values there were.`, { sql, notes });
}

function restoreIdentity(e: Extract<Effect, { kind: 'alter-identity' }>): Step {
  const actions: string[] = [];
  if (e.before.identity && e.before.identity !== e.after.identity) actions.push(`SET GENERATED ${e.before.identity === 'always' ? 'ALWAYS' : 'BY DEFAULT'}`);
  const changed = changedOptions(e.before.sequence?.options, e.after.sequence?.options);
  for (const option of changed) actions.push(`SET ${option}`);
  if (actions.length === 0) return step();
  return step({ sql: [alterTable(e.table, `ALTER COLUMN ${ident(e.column)} ${actions.join(' ')}`)] });
}

function restoreSequenceOptions(sequenceKey: string, before: Sequence, after: Sequence): Step {
  const changed = changedOptions(before.options, after.options);
  if (changed.length === 0) return step();
  return step({ sql: [`ALTER SEQUENCE ${qualifiedOfKey(sequenceKey)} ${changed.join(' ')};`], notes: [`sequence ${qualifiedOfKey(sequenceKey)} keeps its position.`] });
}

/** Options that differ between two option lists, as the `before` values (or PostgreSQL's defaults). */
function changedOptions(before: readonly unknown[] | undefined, after: readonly unknown[] | undefined): string[] {
  const text = (list: readonly unknown[] | undefined) => {
    const m = new Map<string, string>();
    for (const o of list ?? []) {
      const name = (o as Node)?.DefElem?.defname as string;
      const [sql] = sequenceOptionsSql([o]);
      if (name && sql) m.set(name, sql);
    }
    return m;
  };
  const b = text(before);
  const a = text(after);
  const defaults: Record<string, string> = { increment: 'INCREMENT BY 1', minvalue: 'NO MINVALUE', maxvalue: 'NO MAXVALUE', cache: 'CACHE 1', cycle: 'NO CYCLE', start: 'START WITH 1', as: 'AS bigint' };
  const out: string[] = [];
  for (const name of new Set([...a.keys(), ...b.keys()])) {
    if (a.get(name) === b.get(name)) continue;
    const value = b.get(name) ?? defaults[name];
    if (value) out.push(value);
  }
  return out;
}

/**
 * ADD VALUE cannot be undone: PostgreSQL has no DROP VALUE. The value stays, and the rebuild that
 * removes it is offered (not run): it fails when a row, a default or an expression still uses the
 * value, and rewrites every table with a column of the type under ACCESS EXCLUSIVE.
 */
function removeEnumValue(e: Extract<Effect, { kind: 'add-enum-value' }>, ctx: InverseContext): Step {
  if (ctx.fresh.enums.has(e.type)) return step();
  const enumType = ctx.after.enums.get(e.type);
  const before = e.before ?? enumType?.values.filter((v) => v !== e.value) ?? [];
  const reason = `PostgreSQL cannot remove a value from an enum: ${literal(e.value)} stays in ${qualifiedOfKey(e.type)}. The rebuild below removes it; it fails if any row still holds ${literal(e.value)}, and rewrites every table with a column of the type under an ACCESS EXCLUSIVE lock.`;
  return cannot(reason, { offered: enumType ? rebuildEnum(e.type, { ...enumType, values: before }, ctx.after) : [], declared: [{ object: 'enum', name: e.type }] });
}

function rebuildEnum(typeKeyName: string, target: EnumType, state: Readonly<SchemaState>): string[] {
  const name = qualified(target.schema, target.name);
  const old = `${target.name}_old`;
  const sql = [`ALTER TYPE ${name} RENAME TO ${ident(old)};`, createEnumSql(target)];
  const users: { tableKey: string; column: Column }[] = [];
  for (const [tableKey, t] of state.tables) {
    for (const c of t.columns.values()) if (!c.type.builtin && key(c.type.schema, c.type.name) === typeKeyName) users.push({ tableKey, column: c });
  }
  for (const { tableKey, column } of users) {
    const type = typeSql({ ...column.type, schema: target.schema, name: target.name });
    const steps = [`ALTER COLUMN ${ident(column.name)} SET DATA TYPE ${type} USING ${ident(column.name)}::text${'[]'.repeat(column.type.arrayDims)}::${type}`];
    if (column.default) steps.unshift(`ALTER COLUMN ${ident(column.name)} DROP DEFAULT`), steps.push(`ALTER COLUMN ${ident(column.name)} SET DEFAULT ${exprSql(column.default)}`);
    for (const s of steps) sql.push(alterTable(tableKey, s));
  }
  sql.push(`DROP TYPE ${qualified(target.schema, old)};`);
  return sql;
}

/** COMMENT ON undone: the previous comment, or none. */
function restoreComment(before: string | undefined, ast: Node): Step {
  return step({ sql: [deparse({ CommentStmt: { ...ast, comment: before } }) + ';'] });
}
