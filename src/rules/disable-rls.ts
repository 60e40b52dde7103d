import { existingTable } from '../analysis/existing.js';
import { defineRule } from '../engine/define-rule.js';
import { str } from '../engine/ast.js';
import type { Statement } from '../engine/types.js';
import { key, quoteIdent } from '../schema/model.js';

export default defineRule({
  id: 'disable-rls',
  meta: {
    description: 'Row level security turned off on a table that had it (drizzle-kit does this when the last policy is removed), or its last policy dropped.',
    category: 'correctness',
    defaultSeverity: 'error',
    messages: {
      disabled:
        'DISABLE ROW LEVEL SECURITY on {table} makes every row visible to every role with table privileges{policies}. drizzle-kit writes this, without asking, when the last pgPolicy of a table not marked `.enableRLS()` is removed.',
      lastPolicy:
        'DROP POLICY {policy} removes the last policy of {table}, whose row level security stays enabled: every role other than the owner (and BYPASSRLS roles) now sees no rows of {table} and cannot write any.',
    },
  },
  check(context) {
    const { statement, migration, report } = context;
    if (statement.kind === 'AlterTableStmt') {
      if (!(statement.ast.cmds ?? []).some((c: any) => c.AlterTableCmd?.subtype === 'AT_DisableRowSecurity')) return;
      const target = existingTable(context, statement.ast.relation);
      // Already off (drizzle-kit also writes it before dropping a table that never had RLS): nothing changes.
      if (!target || !target.table.rlsEnabled) return;
      if (droppedLater(migration.statements, statement.index, target.key)) return;
      const policies = [...target.table.policies.keys()];
      report({
        messageId: 'disabled',
        data: {
          table: target.label,
          policies: policies.length ? ` (its polic${policies.length > 1 ? 'ies' : 'y'} ${policies.map(quoteIdent).join(', ')} no longer appl${policies.length > 1 ? 'y' : 'ies'})` : '',
        },
        help: `Keep row level security on: mark the table \`.enableRLS()\` in the drizzle schema (pgTable(…).enableRLS()) and run \`drizzle-kit generate\` again, or delete this statement:\nALTER TABLE ${target.label} DISABLE ROW LEVEL SECURITY;`,
      });
      return;
    }
    if (statement.kind === 'DropStmt' && statement.ast.removeType === 'OBJECT_POLICY') {
      for (const object of statement.ast.objects ?? []) {
        const names: string[] = (object.List?.items ?? []).map(str);
        const policy = names[names.length - 1];
        const rel = names.slice(0, -1);
        const target = existingTable(context, { schemaname: rel.length > 1 ? rel[0] : undefined, relname: rel[rel.length - 1] });
        if (!target || !target.table.rlsEnabled || !target.table.policies.has(policy) || target.table.policies.size !== 1) continue;
        const later = migration.statements.filter((s) => s.index > statement.index);
        if (later.some((s) => touchesRls(s, target.key))) continue; // a new policy, DISABLE (reported there) or DROP TABLE follows
        if (droppedLater(migration.statements, statement.index, target.key)) continue;
        report({
          messageId: 'lastPolicy',
          data: { policy: quoteIdent(policy), table: target.label },
          severity: 'warn',
          help: `If the table must stay readable, keep a policy (or create its replacement in this migration); if only the owner should read it, this is intended: mark it \`.enableRLS()\` in the drizzle schema so the intent is explicit.`,
        });
      }
    }
  },
});

function relKey(rangeVar: any): string {
  return key(rangeVar?.schemaname, rangeVar?.relname ?? '');
}

/** A later CREATE POLICY or DISABLE ROW LEVEL SECURITY on the table. */
function touchesRls(s: Statement, tableKey: string): boolean {
  if (s.kind === 'CreatePolicyStmt') return relKey(s.ast.table) === tableKey;
  if (s.kind === 'AlterTableStmt' && relKey(s.ast.relation) === tableKey) return (s.ast.cmds ?? []).some((c: any) => c.AlterTableCmd?.subtype === 'AT_DisableRowSecurity');
  return false;
}

/** The table is dropped later in this migration: its policies and RLS go with it. */
function droppedLater(statements: readonly Statement[], after: number, tableKey: string): boolean {
  return statements.some(
    (s) =>
      s.index > after &&
      s.kind === 'DropStmt' &&
      s.ast.removeType === 'OBJECT_TABLE' &&
      (s.ast.objects ?? []).some((o: any) => {
        const names: string[] = (o.List?.items ?? []).map(str);
        return (names.length >= 2 ? key(names[names.length - 2], names[names.length - 1]) : key(undefined, names[0] ?? '')) === tableKey;
      }),
  );
}
