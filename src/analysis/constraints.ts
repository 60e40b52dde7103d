import type { Node } from '../engine/ast.js';
import type { StatementContext } from '../engine/types.js';
import type { Constraint, Index } from '../schema/model.js';
import { indexDifferences } from '../schema/compare.js';
import { indexFromStatement } from '../schema/replay.js';
import { key } from '../schema/model.js';
import { exprText } from '../schema/expr.js';
import { strs } from '../engine/ast.js';

/** The `ADD CONSTRAINT` commands of an ALTER TABLE statement, with their Constraint nodes. */
export function addedConstraints(ast: Node): Node[] {
  const out: Node[] = [];
  for (const cmd of ast?.cmds ?? []) {
    const c = cmd.AlterTableCmd;
    if (c?.subtype === 'AT_AddConstraint' && c.def?.Constraint) out.push(c.def.Constraint);
  }
  return out;
}

const FK_ACTIONS: Record<string, string> = { a: 'no action', r: 'restrict', c: 'cascade', n: 'set null', d: 'set default' };

/** A comparable signature of a constraint node (kind, columns, target, check expression), names left out. */
export function nodeSignature(con: Node): string {
  const kind = con.contype as string;
  const cols = strs(con.keys ?? con.fk_attrs).join(',');
  const ref = con.pktable ? `${key(con.pktable.schemaname, con.pktable.relname)}(${strs(con.pk_attrs).join(',')}) ${FK_ACTIONS[con.fk_del_action] ?? 'no action'}/${FK_ACTIONS[con.fk_upd_action] ?? 'no action'}` : '';
  const check = con.raw_expr ? exprText(con.raw_expr).replace(/"/g, '') : '';
  const kindName = { CONSTR_FOREIGN: 'foreignKey', CONSTR_UNIQUE: 'unique', CONSTR_PRIMARY: 'primaryKey', CONSTR_CHECK: 'check' }[kind] ?? kind;
  return `${kindName}|${cols}|${ref}|${check}`;
}

/** The same signature for a constraint of the schema model. */
export function modelSignature(c: Constraint): string {
  const ref = c.references ? `${key(c.references.schema, c.references.table)}(${c.references.columns.join(',')}) ${c.references.onDelete}/${c.references.onUpdate}` : '';
  const check = c.check ? exprText(c.check.ast).replace(/"/g, '') : '';
  return `${c.kind}|${c.columns.join(',')}|${ref}|${check}`;
}

/**
 * A constraint with the same definition dropped earlier in this migration from the same table:
 * drizzle-kit re-creates constraints under their new default name after a table or column rename
 * (DROP CONSTRAINT old + ADD CONSTRAINT new), which re-validates every row for nothing.
 */
export function droppedTwin(context: Pick<StatementContext, 'migration' | 'statement'>, tableKey: string, con: Node): Constraint | undefined {
  // The signature deparses CHECK expressions: computed only when there is a dropped constraint to compare.
  let sig: string | undefined;
  const effects = context.migration.effects;
  for (let i = Math.min(context.statement.index, effects.length) - 1; i >= 0; i--) {
    for (const e of effects[i] ?? []) {
      if (e.kind === 'drop-constraint' && e.table === tableKey && e.constraint.name !== con.conname && modelSignature(e.constraint) === (sig ??= nodeSignature(con))) return e.constraint;
    }
  }
  return undefined;
}

/**
 * An index with the same definition dropped earlier in this migration from the same table under
 * another name: drizzle-kit re-creates indexes under their new default name after a table rename
 * (DROP INDEX old + CREATE INDEX new), which rebuilds the index for nothing.
 */
export function droppedIndexTwin(context: Pick<StatementContext, 'migration' | 'statement' | 'schema'>, ast: Node): Index | undefined {
  const effects = context.migration.effects;
  let defined: Index | undefined;
  for (let i = Math.min(context.statement.index, effects.length) - 1; i >= 0; i--) {
    for (const e of effects[i] ?? []) {
      if (e.kind !== 'drop-index') continue;
      defined ??= indexFromStatement(context.schema, ast);
      if (e.index.table === defined.table && e.index.name !== defined.name && indexDifferences(e.index, defined, defined.table.slice(defined.table.indexOf('.') + 1)).length === 0) return e.index;
    }
  }
  return undefined;
}
