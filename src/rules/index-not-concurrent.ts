import { existingTable } from '../analysis/existing.js';
import { defineRule } from '../engine/define-rule.js';
import { quoteIdent } from '../schema/model.js';

export default defineRule({
  id: 'index-not-concurrent',
  meta: {
    description: 'CREATE INDEX without CONCURRENTLY on a table that already exists: writes to the table wait for the whole build.',
    category: 'locking',
    defaultSeverity: 'warn',
    messages: {
      inTransaction:
        'CREATE {unique}INDEX {index} on existing table {table} takes a SHARE lock: every INSERT, UPDATE and DELETE on {table} waits until the index is built (a full scan and sort of the table{duplicates}). drizzle writes no CONCURRENTLY because CREATE INDEX CONCURRENTLY cannot run inside the transaction migrate() wraps around the pending migrations.',
      afterCommit:
        'CREATE {unique}INDEX {index} on existing table {table} takes a SHARE lock: every INSERT, UPDATE and DELETE on {table} waits until the index is built{duplicates}. This statement runs after a COMMIT, outside drizzle\'s transaction, so it can use CONCURRENTLY.',
    },
  },
  check(context) {
    const { statement, inTransaction, report } = context;
    if (statement.kind !== 'IndexStmt' || statement.ast.concurrent === true) return;
    const target = existingTable(context, statement.ast.relation);
    if (!target) return;
    const unique = statement.ast.unique === true;
    const name = statement.ast.idxname ? quoteIdent(statement.ast.idxname) : '(unnamed)';
    const data = {
      unique: unique ? 'UNIQUE ' : '',
      index: name,
      table: target.label,
      duplicates: unique ? '; it fails if two rows share a key' : '',
    };
    const concurrent = concurrentSql(statement.sql);
    if (!inTransaction) {
      report({ messageId: 'afterCommit', data, lockOn: target.key, help: concurrent ? `${concurrent.replace(' IF NOT EXISTS', '')}` : 'Add CONCURRENTLY after INDEX.' });
      return;
    }
    const idempotent = ifNotExistsSql(statement.sql);
    report({
      messageId: 'inTransaction',
      data,
      lockOn: target.key,
      help: [
        `On a small table, keep it as is (the build takes milliseconds). On a large one, build the index before deploying, outside migrate(), with psql:`,
        concurrent ?? `CREATE ${data.unique}INDEX CONCURRENTLY IF NOT EXISTS ${name} ON ${target.label} (…);`,
        `and make this statement a no-op where the index exists, so fresh databases still get it:`,
        idempotent ?? `CREATE ${data.unique}INDEX IF NOT EXISTS ${name} ON ${target.label} (…);`,
        `Do not add CONCURRENTLY to the migration itself: it fails inside migrate()'s transaction (see concurrently-in-transaction).`,
      ].join('\n'),
    });
  },
});

const HEAD = /^(\s*(?:--[^\n]*\n\s*)*)CREATE\s+(UNIQUE\s+)?INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?/i;

/** The user's statement with CONCURRENTLY IF NOT EXISTS, as written otherwise. */
function concurrentSql(sql: string): string | undefined {
  if (!HEAD.test(sql)) return undefined;
  return terminate(sql.replace(HEAD, (_, lead: string, unique?: string) => `${lead}CREATE ${unique ? 'UNIQUE ' : ''}INDEX CONCURRENTLY IF NOT EXISTS `).trim());
}

function ifNotExistsSql(sql: string): string | undefined {
  if (!HEAD.test(sql)) return undefined;
  return terminate(sql.replace(HEAD, (_, lead: string, unique?: string) => `${lead}CREATE ${unique ? 'UNIQUE ' : ''}INDEX IF NOT EXISTS `).trim());
}

function terminate(sql: string): string {
  return sql.endsWith(';') ? sql : `${sql};`;
}
