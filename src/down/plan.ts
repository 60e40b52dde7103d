import { walk, type Node } from '../engine/ast.js';
import { parsePlPgSQLSync } from '../engine/pg-query.js';
import type { Statement } from '../engine/types.js';
import type { Effect } from '../schema/effects.js';
import { cloneState, key, type SchemaState } from '../schema/model.js';
import { applyStatement } from '../schema/replay.js';
import { deparse, ident, qualifiedOfKey, relationOfKey, unsafeText } from '../schema/sql.js';
import { FreshObjects, inverseOf } from './inverse.js';
import { cannot, lost, merge, step, worst, type Declared, type Step, type Verdict } from './step.js';

export type { Declared, Verdict } from './step.js';

/** The rollback of one top-level statement of a migration (a DO block with the statements in it). */
export interface StatementDown {
  /** Index of the statement in the migration (its top-level statement). */
  index: number;
  line: number;
  column: number;
  /** The statement's first line, shortened. */
  summary: string;
  verdict: Verdict;
  /** What the rollback does not restore, and why. */
  reasons: string[];
  /** What is worth knowing and does not change the verdict. */
  notes: string[];
  /** SQL that undoes it, in the order to run. */
  sql: string[];
  /** SQL offered but not run (printed commented out). */
  offered: string[];
  /** Schema differences the rollback leaves on purpose (what the proof accepts). */
  declared: Declared[];
}

export interface MigrationDown {
  tag: string;
  file: string;
  verdict: Verdict;
  /** In the migration's order. */
  statements: StatementDown[];
}

export interface PlanInput {
  tag: string;
  file: string;
  statements: readonly Statement[];
}

/**
 * The rollback of one migration: every statement replayed on a copy of `before` (the schema just
 * before the migration) the way the linter replays it (src/schema/replay.ts), and each effect
 * turned into its inverse with the definitions the effect records; statements the model sees no
 * effect in are judged by kind (data statements, DO blocks, session settings…). Pure: no SQL runs.
 */
export function planDown(migration: PlanInput, before: Readonly<SchemaState>): MigrationDown {
  const state = cloneState(before);
  const fresh = new FreshObjects();
  const renames: Renamed[] = [];
  const out: StatementDown[] = [];
  const byParent = new Map<number, Statement[]>();
  for (const s of migration.statements) {
    if (s.origin === 'do-block' && s.doBlock) byParent.set(s.doBlock.parent, [...(byParent.get(s.doBlock.parent) ?? []), s]);
  }
  for (const s of migration.statements) {
    if (s.origin !== 'top-level') continue;
    const inner = byParent.get(s.index) ?? [];
    const log = (e: Effect) => renames.push({ statement: s.index, effect: e });
    const planned = s.kind === 'DoStmt' ? doBlock(s, inner, state, fresh, log) : statementStep(s, state, fresh, log);
    out.push(described(s, guarded(planned)));
  }
  // A difference shows under the names the schema had before the migration: a declaration made
  // after a rename (a column dropped after it was renamed) is named back through the renames before it.
  for (const d of out) d.declared = d.declared.map((x) => renames.filter((r) => r.statement < d.index).reduceRight((y, r) => namedBack(y, r.effect), x));
  let verdict: Verdict = 'reversible';
  for (const s of out) verdict = worst(verdict, s.verdict);
  return { tag: migration.tag, file: migration.file, verdict, statements: out };
}

/** The rollback's SQL, in the order to run: the last statement undone first. */
export function rollbackSql(down: MigrationDown): string[] {
  return [...down.statements].reverse().flatMap((s) => s.sql);
}

function described(s: Statement, planned: Step): StatementDown {
  return {
    index: s.index,
    line: s.location.line,
    column: s.location.column,
    summary: summaryOf(s.sql),
    verdict: planned.verdict,
    reasons: planned.reasons,
    notes: planned.notes,
    sql: [...planned.sql, ...planned.after],
    offered: planned.offered,
    declared: planned.declared,
  };
}

/** SQL holding raw control characters (from a deparsed literal) is never printed: it is offered as a task instead. */
function guarded(planned: Step): Step {
  if (![...planned.sql, ...planned.after, ...planned.offered].some(unsafeText)) return planned;
  return cannot('the inverse would print control characters found in the migration: write it by hand.', { declared: [{ object: '*', name: '*' }] });
}

function summaryOf(sql: string): string {
  const line = sql.replace(/^(\s*--[^\n]*\n)+/, '').trim().split('\n')[0] ?? '';
  return line.length > 100 ? `${line.slice(0, 97)}…` : line;
}

interface Renamed {
  statement: number;
  effect: Effect;
}

/** A declaration as it reads before a rename (`public.users.full_name` before RENAME COLUMN name TO full_name → `public.users.name`). */
function namedBack(d: Declared, e: Effect): Declared {
  const swap = (name: string, from: string, to: string) => (name === to ? from : name.startsWith(`${to}.`) ? from + name.slice(to.length) : name);
  switch (e.kind) {
    case 'rename-table':
    case 'move-table':
    case 'rename-type':
    case 'rename-view':
    case 'rename-sequence':
      return { ...d, name: swap(d.name, e.from, e.to) };
    case 'rename-index':
      return { ...d, name: swap(d.name, e.from, e.to) };
    case 'rename-column':
    case 'rename-constraint':
    case 'rename-policy':
      return { ...d, name: swap(d.name, `${e.table}.${e.from}`, `${e.table}.${e.to}`) };
    case 'rename-schema':
      return { ...d, name: swap(d.name, e.from, e.to) };
    default:
      return d;
  }
}

/**
 * Replay one statement and undo what it did; `log` hears of every effect. `guarded`: the statement
 * runs under an IF that checks the catalog, so no change in the model means the guard skipped it.
 */
function statementStep(s: Statement, state: SchemaState, fresh: FreshObjects, log: (e: Effect) => void = () => undefined, guarded = false): Step {
  const unknown = guarded ? undefined : unknownTarget(s, state, fresh);
  const byKind = kindStep(s, state, fresh);
  const effects = applyStatement(state, s.kind, s.ast, s.sql);
  const steps: Step[] = [];
  for (const e of effects) {
    steps.push(inverseOf(e, { after: state, fresh, ast: s.ast }));
    fresh.track(e);
    log(e);
  }
  if (unknown) steps.push(unknown);
  if (byKind) steps.push(byKind);
  else if (effects.length === 0 && !unknown && REPLAYED.has(s.kind) && !guarded && !isNoOp(s, fresh)) {
    steps.push(cannot(`the model saw no change in this ${leadingKeywords(s.sql)} statement (an object made outside these migrations?): it is not undone.`, { declared: [{ object: '*', name: '*' }] }));
  }
  return merge(steps);
}

/** Statement kinds replay.ts models: no effect from one of them is a no-op or an object the model does not know. */
const REPLAYED = new Set([
  'CreateStmt', 'AlterTableStmt', 'RenameStmt', 'IndexStmt', 'DropStmt', 'CreateEnumStmt', 'AlterEnumStmt', 'CompositeTypeStmt', 'CreateDomainStmt',
  'CreateRangeStmt', 'CreateSchemaStmt', 'CreateSeqStmt', 'AlterSeqStmt', 'CreateTrigStmt', 'CreateRoleStmt', 'DropRoleStmt', 'CommentStmt', 'ViewStmt',
  'CreateTableAsStmt', 'CreatePolicyStmt', 'AlterPolicyStmt', 'AlterObjectSchemaStmt', 'CreateExtensionStmt', 'CreateFunctionStmt', 'AlterRoleStmt',
]);

/**
 * `IF NOT EXISTS` on an object that exists, `IF EXISTS` on one that does not (also on every command
 * of an ALTER TABLE), a temporary table dropped: nothing a rollback must restore happened.
 */
function isNoOp(s: Statement, fresh: FreshObjects): boolean {
  const a = s.ast;
  if (a.if_not_exists === true || a.missing_ok === true || a.skipIfNewValExists === true || s.kind === 'CreateSchemaStmt' || s.kind === 'CreateTableAsStmt') return true;
  if (s.kind === 'AlterTableStmt') return (a.cmds ?? []).length > 0 && (a.cmds ?? []).every((c: Node) => c.AlterTableCmd?.missing_ok === true);
  if (s.kind === 'DropStmt' && a.removeType === 'OBJECT_TABLE') {
    return (a.objects ?? []).every((o: Node) => {
      const names = (o.List?.items ?? []).map((n: Node) => n.String?.sval);
      return fresh.temporary.has(names.length > 1 ? key(names[names.length - 2], names[names.length - 1]) : key(undefined, names[0] ?? ''));
    });
  }
  return false;
}

/** ALTER TABLE on a table or column the model does not know: said, since replay records nothing for it. */
function unknownTarget(s: Statement, state: SchemaState, fresh: FreshObjects): Step | undefined {
  if (s.kind !== 'AlterTableStmt' || (s.ast.objtype && s.ast.objtype !== 'OBJECT_TABLE')) return undefined;
  const tableKey = key(s.ast.relation?.schemaname, s.ast.relation?.relname ?? '');
  const t = state.tables.get(tableKey);
  if (!t) {
    if (s.ast.missing_ok || fresh.temporary.has(tableKey)) return undefined;
    return cannot(`the model does not know table ${relationOfKey(tableKey)} (made outside these migrations?): this ALTER TABLE is not undone.`, { declared: [{ object: '*', name: '*' }] });
  }
  const added = new Set<string>();
  for (const c of s.ast.cmds ?? []) {
    const cmd = c.AlterTableCmd;
    if (cmd?.subtype === 'AT_AddColumn' && cmd.def?.ColumnDef?.colname) added.add(cmd.def.ColumnDef.colname);
    if (!COLUMN_COMMANDS.has(cmd?.subtype) || !cmd.name || t.columns.has(cmd.name) || added.has(cmd.name) || cmd.missing_ok) continue;
    return cannot(`the model does not know column ${ident(cmd.name)} of ${relationOfKey(tableKey)}: this change is not undone.`, { declared: [{ object: '*', name: '*' }] });
  }
  return undefined;
}

const COLUMN_COMMANDS = new Set(['AT_DropColumn', 'AT_AlterColumnType', 'AT_ColumnDefault', 'AT_SetNotNull', 'AT_DropNotNull', 'AT_AddIdentity', 'AT_DropIdentity', 'AT_SetIdentity', 'AT_SetExpression', 'AT_DropExpression']);

/** ALTER TABLE commands replay models (the others are judged here). */
const MODELED_COMMANDS = new Set([
  ...COLUMN_COMMANDS,
  'AT_AddColumn', 'AT_AddConstraint', 'AT_DropConstraint', 'AT_ValidateConstraint', 'AT_EnableRowSecurity', 'AT_DisableRowSecurity', 'AT_ForceRowSecurity', 'AT_NoForceRowSecurity',
]);

/** Statements judged by their kind: data, session settings, grants, commands the model does not track. */
function kindStep(s: Statement, state: SchemaState, fresh: FreshObjects): Step | undefined {
  const a = s.ast;
  switch (s.kind) {
    case 'VariableSetStmt':
    case 'VariableShowStmt':
    case 'TransactionStmt':
    case 'VacuumStmt':
    case 'ExplainStmt':
    case 'LockStmt':
    case 'NotifyStmt':
    case 'ListenStmt':
    case 'UnlistenStmt':
    case 'CheckPointStmt':
    case 'DiscardStmt':
    case 'ClusterStmt':
    case 'ReindexStmt':
    case 'LoadStmt':
      return step(); // changes nothing a rollback must restore
    case 'RefreshMatViewStmt':
      return step({ notes: ['a materialized view refreshed: its rows are recomputed the next time it is refreshed.'] });
    case 'UpdateStmt':
    case 'InsertStmt':
    case 'DeleteStmt':
    case 'MergeStmt':
    case 'TruncateStmt':
    case 'CopyStmt':
      return dataStep(s, fresh);
    case 'SelectStmt':
      return selectStep(s);
    case 'CallStmt':
      return opaque('CALL runs a procedure whose effect the model cannot see');
    case 'GrantStmt': {
      const flipped = deparse({ GrantStmt: { ...a, is_grant: !a.is_grant } });
      return step({ sql: [flipped + ';'], notes: [`${a.is_grant ? 'REVOKE' : 'GRANT'} undoes it assuming the privileges were ${a.is_grant ? 'not held' : 'held'} before (the model does not track privileges).`] });
    }
    case 'GrantRoleStmt': {
      const flipped = deparse({ GrantRoleStmt: { ...a, is_grant: !a.is_grant } });
      return step({ sql: [flipped + ';'], notes: ['role membership: undone assuming it did not exist before (the model does not track it).'] });
    }
    case 'AlterTableStmt':
      return untrackedCommands(s, state);
    case 'DropStmt':
      return untrackedDrop(s);
    case 'CreateStmt':
    case 'IndexStmt':
    case 'CreateEnumStmt':
    case 'AlterEnumStmt':
    case 'CreateSchemaStmt':
    case 'CreateSeqStmt':
    case 'AlterSeqStmt':
    case 'CreateTrigStmt':
    case 'CreateRoleStmt':
    case 'DropRoleStmt':
    case 'AlterRoleStmt':
    case 'CommentStmt':
    case 'ViewStmt':
    case 'CreateTableAsStmt':
    case 'CreatePolicyStmt':
    case 'AlterPolicyStmt':
    case 'AlterObjectSchemaStmt':
    case 'CreateExtensionStmt':
    case 'CreateFunctionStmt':
    case 'RenameStmt':
    case 'CompositeTypeStmt':
    case 'CreateDomainStmt':
    case 'CreateRangeStmt':
      return undefined;
    default:
      return cannot(`the model does not track ${leadingKeywords(s.sql)} statements: this one is not undone.`, { declared: [{ object: '*', name: '*' }] });
  }
}

/** `CREATE AGGREGATE`, `ALTER TABLE`: the statement's first words, keywords only (the rest is the user's text). */
function leadingKeywords(sql: string): string {
  const words: string[] = [];
  for (const w of sql.replace(/^(\s*--[^\n]*\n)+/, '').trim().split(/\s+/)) {
    if (!/^[A-Za-z]+$/.test(w) || words.length === 2) break;
    words.push(w.toUpperCase());
  }
  return words.join(' ') || 'such';
}

function opaque(reason: string): Step {
  return cannot(`${reason}: the rollback cannot undo it.`, { declared: [{ object: '*', name: '*' }] });
}

/** UPDATE, INSERT, DELETE, TRUNCATE: rows a rollback cannot give back, unless they belong to tables or columns the rollback drops. */
function dataStep(s: Statement, fresh: FreshObjects): Step {
  const a = s.ast;
  if (s.kind === 'TruncateStmt') {
    const tables = (a.relations ?? []).map((r: Node) => key(r.RangeVar?.schemaname, r.RangeVar?.relname ?? ''));
    const old = tables.filter((t: string) => !fresh.tables.has(t));
    return old.length ? lost(`TRUNCATE deleted every row of ${old.map(relationOfKey).join(', ')}: they stay gone.`) : step();
  }
  if (s.kind === 'CopyStmt') return a.is_from ? lost('COPY FROM added rows: the rollback does not remove them.') : step();
  const target = key(a.relation?.schemaname, a.relation?.relname ?? '');
  const label = relationOfKey(target);
  if (fresh.tables.has(target)) return step(); // the rollback drops the table
  switch (s.kind) {
    case 'UpdateStmt': {
      const columns: string[] = (a.targetList ?? []).map((t: Node) => t.ResTarget?.name).filter((n: unknown): n is string => typeof n === 'string');
      if (columns.length && columns.every((c) => fresh.columns.has(`${target}.${c}`))) return step(); // the rollback drops those columns
      return lost(`UPDATE changed rows of ${label}${columns.length ? ` (${columns.map(ident).join(', ')})` : ''}: the rollback does not restore their previous values.`);
    }
    case 'InsertStmt':
      return lost(`INSERT added rows to ${label}: the rollback does not remove them.`);
    case 'DeleteStmt':
      return lost(`DELETE removed rows of ${label}: they stay gone.`);
    default:
      return lost(`MERGE changed rows of ${label}: the rollback does not restore them.`);
  }
}

/** Functions a SELECT may call in a migration without changing anything a rollback must restore. */
const READ_ONLY_FUNCTIONS = new Set([
  'count', 'sum', 'min', 'max', 'avg', 'now', 'current_setting', 'coalesce', 'lower', 'upper', 'length', 'exists', 'pg_sleep', 'version', 'current_database',
  'current_schema', 'format', 'concat', 'to_regclass', 'pg_get_serial_sequence', 'array_agg', 'string_agg', 'jsonb_build_object', 'json_build_object',
]);

/** SELECT: read-only, a sequence moved (setval/nextval), or a function whose effect the model cannot see. */
function selectStep(s: Statement): Step {
  const calls: string[] = [];
  let writes = false;
  walk(s.ast, (tag, fields) => {
    if (tag === 'FuncCall') calls.push(String(fields.funcname?.[fields.funcname.length - 1]?.String?.sval ?? '').toLowerCase());
    if (tag === 'InsertStmt' || tag === 'UpdateStmt' || tag === 'DeleteStmt') writes = true;
  });
  const steps: Step[] = [];
  if (writes) steps.push(lost('a data-modifying WITH query changed rows: the rollback does not restore them.'));
  if (calls.some((f) => f === 'setval' || f === 'nextval')) steps.push(lost('setval/nextval moved a sequence: the rollback does not move it back.'));
  const unknown = [...new Set(calls.filter((f) => f !== 'setval' && f !== 'nextval' && !READ_ONLY_FUNCTIONS.has(f)))];
  if (unknown.length) steps.push(opaque(`SELECT calls ${unknown.map((f) => `${f}()`).join(', ')}, whose effect the model cannot see`));
  return merge(steps);
}

/** ALTER TABLE commands replay does not model. */
function untrackedCommands(s: Statement, state: SchemaState): Step | undefined {
  const tableKey = key(s.ast.relation?.schemaname, s.ast.relation?.relname ?? '');
  if (!state.tables.has(tableKey)) return undefined;
  const steps: Step[] = [];
  for (const c of s.ast.cmds ?? []) {
    const cmd = c.AlterTableCmd;
    if (!cmd || MODELED_COMMANDS.has(cmd.subtype)) continue;
    if (cmd.subtype === 'AT_SetRelOptions' || cmd.subtype === 'AT_ResetRelOptions') {
      const names = (cmd.def?.List?.items ?? []).map((o: Node) => o.DefElem?.defname).filter(Boolean) as string[];
      if (cmd.subtype === 'AT_SetRelOptions') {
        steps.push(step({ sql: [`ALTER TABLE ${relationOfKey(tableKey)} RESET (${names.join(', ')});`], notes: ['storage parameters reset to their defaults (the model does not track what they were).'] }));
      } else steps.push(cannot(`storage parameters (${names.join(', ')}) were reset, and the model does not know what they were.`));
      continue;
    }
    if (cmd.subtype === 'AT_ChangeOwner') {
      steps.push(cannot('the table changed owner, and the model does not know the previous one.'));
      continue;
    }
    steps.push(cannot(`the model does not track ${cmd.subtype.replace(/^AT_/, '')} on ${relationOfKey(tableKey)}: it is not undone.`));
  }
  return steps.length ? merge(steps) : undefined;
}

/** DROP of object kinds the model does not keep (IF EXISTS on nothing is a no-op). */
function untrackedDrop(s: Statement): Step | undefined {
  const TRACKED = new Set(['OBJECT_TABLE', 'OBJECT_FOREIGN_TABLE', 'OBJECT_INDEX', 'OBJECT_TYPE', 'OBJECT_DOMAIN', 'OBJECT_SCHEMA', 'OBJECT_SEQUENCE', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_POLICY', 'OBJECT_EXTENSION', 'OBJECT_FUNCTION', 'OBJECT_PROCEDURE', 'OBJECT_ROUTINE', 'OBJECT_TRIGGER']);
  if (TRACKED.has(s.ast.removeType)) return undefined;
  const what = String(s.ast.removeType ?? '').replace(/^OBJECT_/, '').toLowerCase().replaceAll('_', ' ');
  return s.ast.missing_ok
    ? step({ notes: [`DROP ${what.toUpperCase()} IF EXISTS: the model does not keep ${what}s; if it existed, the rollback does not create it again.`] })
    : cannot(`the model does not keep the definition of a dropped ${what}: create it again by hand.`, { declared: [{ object: '*', name: '*' }] });
}

/**
 * A DO block. Its SQL statements are known to the model (the parser surfaces them); what it does
 * with them is known only when it runs them in a straight line (the wrapper older drizzle-kit
 * versions wrote: `BEGIN <statement>; EXCEPTION WHEN duplicate_object THEN null; END`). Under IF,
 * loops or dynamic SQL, statements that change the schema may or may not have run: their inverses
 * are offered, not run; statements that only change rows are data, as outside a block.
 */
function doBlock(s: Statement, inner: readonly Statement[], state: SchemaState, fresh: FreshObjects, log: (e: Effect) => void): Step {
  const shape = blockShape(s.sql, inner.length);
  if (shape.opaque) {
    for (const i of inner) for (const e of applyStatement(state, i.kind, i.ast, i.sql)) (fresh.track(e), log(e));
    return opaque(`a DO block with ${shape.opaque}, whose effect the model cannot see`);
  }
  const steps: Step[] = [];
  const swallows = new Set(inner[0]?.doBlock?.handles ?? []);
  const guarded = shape.conditional === 'catalog';
  for (const i of inner) {
    if (guarded || swallows.has('duplicate_object') || swallows.has('duplicate_table') || swallows.has('others')) {
      const existing = alreadyExists(i, state);
      if (existing) {
        steps.push(step({ notes: [`${existing} existed already: the block ${guarded ? 'skips' : "'s exception handler skipped"} the statement.`] }));
        continue;
      }
    }
    steps.push(statementStep(i, state, fresh, log, guarded));
  }
  const planned = merge(steps);
  if (guarded) planned.notes.push("the DO block's IF checks the catalog before each change: the model, which knows what exists, decides which ran.");
  if (!shape.conditional || guarded) return planned;
  const schemaChanges = planned.sql.length + planned.after.length > 0;
  if (!schemaChanges) return planned; // data only: judged as outside a block
  return cannot(`the DO block's ${shape.conditional} decides which of its statements ran: the model cannot tell. The inverses of the statements it may have run are offered below.`, {
    offered: [...planned.sql, ...planned.after, ...planned.offered],
    declared: [{ object: '*', name: '*' }],
    notes: planned.notes,
  });
}

/**
 * What a block does besides running its statements in order: `opaque` (dynamic SQL, calls),
 * `conditional` (IF, loops), or `catalog` when its only conditions are IFs that read the catalog
 * (`IF NOT EXISTS (SELECT 1 FROM pg_constraint …)`): guards that the model can answer.
 */
function blockShape(sql: string, parsedStatements: number): { opaque?: string; conditional?: string } {
  let tree: Node;
  try {
    tree = parsePlPgSQLSync(sql);
  } catch {
    return { opaque: 'code the PL/pgSQL parser cannot read' };
  }
  let opaqueWhat: string | undefined;
  let conditional: string | undefined;
  let queries = 0;
  let catalogGuards = true;
  walk(tree, (tag, fields) => {
    if (tag === 'PLpgSQL_stmt_execsql') queries++;
    if (tag === 'PLpgSQL_stmt_dynexecute' || tag === 'PLpgSQL_stmt_dynfors') opaqueWhat ??= 'dynamic SQL (EXECUTE)';
    if (tag === 'PLpgSQL_stmt_perform' || tag === 'PLpgSQL_stmt_call') opaqueWhat ??= 'function calls (PERFORM, CALL)';
    if (!CONTROL_FLOW[tag]) return;
    conditional ??= CONTROL_FLOW[tag];
    const condition = String(fields.cond?.PLpgSQL_expr?.query ?? '');
    if (tag !== 'PLpgSQL_stmt_if' || fields.else_body || fields.elsif_list || !CATALOG.test(condition)) catalogGuards = false;
  });
  if (queries > parsedStatements) opaqueWhat ??= 'statements the model cannot read (SELECT … INTO)';
  if (conditional && catalogGuards) conditional = 'catalog';
  return { ...(opaqueWhat ? { opaque: opaqueWhat } : {}), ...(conditional ? { conditional } : {}) };
}

/** A condition that reads the catalog (`pg_constraint`, `pg_type`, `information_schema.columns`…) and no user table. */
const CATALOG = /^\s*(NOT\s+)?EXISTS\s*\(\s*SELECT\b[\s\S]*\bFROM\s+(pg_catalog\.)?(pg_\w+|information_schema\.\w+)\b(?![\s\S]*\b(JOIN|FROM)\s+(?!(pg_catalog\.)?pg_|information_schema\.)["\w])/i;

const CONTROL_FLOW: Record<string, string> = {
  PLpgSQL_stmt_if: 'IF',
  PLpgSQL_stmt_case: 'CASE',
  PLpgSQL_stmt_loop: 'loop',
  PLpgSQL_stmt_while: 'loop',
  PLpgSQL_stmt_fori: 'loop',
  PLpgSQL_stmt_fors: 'loop',
  PLpgSQL_stmt_foreach_a: 'loop',
  PLpgSQL_stmt_exit: 'EXIT',
};

/** The object a CREATE / ADD CONSTRAINT in a duplicate-swallowing block would make, when it exists already. */
function alreadyExists(s: Statement, state: SchemaState): string | undefined {
  const a = s.ast;
  switch (s.kind) {
    case 'CreateEnumStmt': {
      const names = (a.typeName ?? []).map((n: Node) => n.String?.sval);
      const k = names.length > 1 ? key(names[names.length - 2], names[names.length - 1]) : key(undefined, names[0] ?? '');
      return state.enums.has(k) || state.types.has(k) ? `type ${qualifiedOfKey(k)}` : undefined;
    }
    case 'CreateStmt': {
      const k = key(a.relation?.schemaname, a.relation?.relname ?? '');
      return state.tables.has(k) ? `table ${relationOfKey(k)}` : undefined;
    }
    case 'CreateSchemaStmt':
      return state.schemas.has(a.schemaname) ? `schema ${ident(a.schemaname)}` : undefined;
    case 'IndexStmt': {
      const t = state.tables.get(key(a.relation?.schemaname, a.relation?.relname ?? ''));
      return a.idxname && state.indexes.has(key(t?.schema ?? a.relation?.schemaname, a.idxname)) ? `index ${ident(a.idxname)}` : undefined;
    }
    case 'CreatePolicyStmt': {
      const t = state.tables.get(key(a.table?.schemaname, a.table?.relname ?? ''));
      return t?.policies.has(a.policy_name) ? `policy ${ident(a.policy_name)}` : undefined;
    }
    case 'CreateExtensionStmt':
      return state.extensions.has(a.extname) ? `extension ${ident(a.extname)}` : undefined;
    case 'AlterTableStmt': {
      const t = state.tables.get(key(a.relation?.schemaname, a.relation?.relname ?? ''));
      for (const c of a.cmds ?? []) {
        const con = c.AlterTableCmd?.def?.Constraint;
        if (c.AlterTableCmd?.subtype === 'AT_AddConstraint' && con?.conname && t?.constraints.has(con.conname)) return `constraint ${ident(con.conname)}`;
        const col = c.AlterTableCmd?.def?.ColumnDef?.colname;
        if (c.AlterTableCmd?.subtype === 'AT_AddColumn' && col && t?.columns.has(col)) return `column ${ident(col)}`;
      }
      return undefined;
    }
    default:
      return undefined;
  }
}
