import { defineRule } from '../engine/define-rule.js';
import { planDown, type StatementDown } from '../down/plan.js';
import { cloneState, type SchemaState } from '../schema/model.js';

/** The schema before each selected migration, kept from its first statement's check until checkMigration. */
// By the migration's info object: let go with it.
const before = new WeakMap<object, SchemaState>();

export default defineRule({
  id: 'irreversible',
  meta: {
    description: 'A migration a rollback cannot fully undo: data it deletes, an enum value it adds, code whose effect is unknown. One line per migration (opt-in, for teams that keep rollbacks ready).',
    category: 'data-loss',
    defaultSeverity: 'off',
    messages: {
      notReversible: '{tag} cannot be rolled back completely: {what}.',
      structureOnly: '{tag} deletes data a rollback cannot bring back: {what}.',
    },
    help: {
      notReversible: 'Draft its rollback now, while the change is fresh: `npx migration-lint down {tag} --write rollbacks` (the header says what stays; review the SQL it offers commented out).',
      structureOnly: 'Keep a copy of what goes before deploying if it may be needed (CREATE TABLE … AS SELECT), and draft the rollback: `npx migration-lint down {tag} --write rollbacks`.',
    },
  },
  check({ migration, schema }) {
    if (!before.has(migration)) before.set(migration, cloneState(schema));
  },
  checkMigration({ migration, report }) {
    const start = before.get(migration);
    if (!start) return;
    const down = planDown({ tag: migration.tag, file: migration.file, statements: migration.statements }, start);
    if (down.verdict === 'reversible') return;
    const worst = down.statements.filter((s) => s.verdict === down.verdict);
    report({
      messageId: down.verdict === 'irreversible' ? 'notReversible' : 'structureOnly',
      statement: migration.statements.find((s) => s.index === worst[0]!.index),
      data: { tag: migration.tag, what: summary(worst) },
    });
  },
});

/** The first reason of each statement, three at most, the rest counted. */
function summary(statements: readonly StatementDown[]): string {
  const reasons = statements.map((s) => `line ${s.line}: ${s.reasons[0]!.replace(/\.$/, '')}`);
  const shown = reasons.slice(0, 3).join('; ');
  return reasons.length > 3 ? `${shown}; and ${reasons.length - 3} more statement${reasons.length - 3 === 1 ? '' : 's'}` : shown;
}
