import { droppedIndexTwin } from '../analysis/constraints.js';
import { existingTable } from '../analysis/existing.js';
import { noOpOf } from '../analysis/no-op.js';
import { defineRule } from '../engine/define-rule.js';
import { qualifiedName, quoteIdent } from '../schema/model.js';

const NOT_IN_MIGRATION = `Do not add CONCURRENTLY to the migration itself: it fails inside migrate()'s transaction (see concurrently-in-transaction).`;

export default defineRule({
  id: 'index-not-concurrent',
  meta: {
    description: 'CREATE INDEX without CONCURRENTLY on a table that already exists: writes to the table wait for the whole build.',
    category: 'locking',
    defaultSeverity: 'warn',
    messages: {
      inTransaction:
        'CREATE {unique}INDEX {index} on existing table {table} takes a SHARE lock: every INSERT, UPDATE and DELETE on {table} waits until the index is built (a full scan and sort of the table{duplicates}). drizzle writes no CONCURRENTLY because CREATE INDEX CONCURRENTLY cannot run inside the transaction migrate() wraps around the pending migrations.',
      inTransactionMany:
        'This migration builds {count} indexes on existing tables without CONCURRENTLY ({items}). Each CREATE INDEX takes a SHARE lock on its table: every INSERT, UPDATE and DELETE there waits until the index is built (a full scan and sort of the table).{all:uniqueNote} drizzle writes no CONCURRENTLY because CREATE INDEX CONCURRENTLY cannot run inside the transaction migrate() wraps around the pending migrations.',
      afterCommit:
        'CREATE {unique}INDEX {index} on existing table {table} takes a SHARE lock: every INSERT, UPDATE and DELETE on {table} waits until the index is built{duplicates}. This statement runs after a COMMIT, outside drizzle\'s transaction, so it can use CONCURRENTLY.',
      afterCommitMany:
        'This migration builds {count} indexes on existing tables after a COMMIT ({items}), each under a SHARE lock on its table: every INSERT, UPDATE and DELETE there waits until the index is built.{all:uniqueNote} These statements run outside drizzle\'s transaction, so they can use CONCURRENTLY.',
      recreated:
        'CREATE INDEX {index} on existing table {table} is the index {old} dropped just before, re-created under a new name (drizzle-kit does this after a table or column rename): it is rebuilt under a SHARE lock, writes to {table} waiting, for nothing.',
      recreatedMany:
        'This migration re-creates {count} indexes dropped just before under new names (drizzle-kit does this after a table or column rename: {items}): each is rebuilt under a SHARE lock, writes to its table waiting, for nothing.',
    },
    help: {
      inTransaction: `On a small table, keep it as is (the build takes milliseconds). On a large one, build the index before deploying, outside migrate(), with psql:\n{concurrent}\nand make this statement a no-op where the index exists, so fresh databases still get it:\n{idempotent}\n${NOT_IN_MIGRATION}`,
      inTransactionMany: `On small tables, keep them as they are (each build takes milliseconds). On large ones, build the indexes before deploying, outside migrate(), with psql:\n{all:concurrent}\nand make these statements no-ops where the index exists, so fresh databases still get them:\n{all:idempotent}\n${NOT_IN_MIGRATION}`,
      afterCommit: '{concurrentNow}',
      afterCommitMany: '{all:concurrentNow}',
      recreated: 'Rename it instead of dropping and creating it (replace both statements):\n{rename}',
      recreatedMany: 'Rename them instead of dropping and creating them (replace the DROP INDEX and CREATE INDEX statements):\n{all:rename}',
    },
  },
  check(context) {
    const { statement, inTransaction, report } = context;
    if (statement.kind !== 'IndexStmt' || statement.ast.concurrent === true) return;
    const target = existingTable(context, statement.ast.relation);
    if (!target) return;
    // IF NOT EXISTS on an index in place: no lock, no build (ignored-definition reports a different one).
    if (noOpOf(statement, context.schema)) return;
    const unique = statement.ast.unique === true;
    const name = statement.ast.idxname ? quoteIdent(statement.ast.idxname) : '(unnamed)';
    const item = `${name} on ${target.label}`;
    const twin = statement.ast.idxname ? droppedIndexTwin(context, statement.ast) : undefined;
    if (twin) {
      const rename = `ALTER INDEX ${qualifiedName(twin.schema, twin.name)} RENAME TO ${name};`;
      report({ messageId: 'recreated', data: { index: name, table: target.label, old: quoteIdent(twin.name), rename }, lockOn: target.key, group: { key: 'recreated', messageId: 'recreatedMany', item: `${quoteIdent(twin.name)} → ${name}` } });
      return;
    }
    const data = {
      unique: unique ? 'UNIQUE ' : '',
      index: name,
      table: target.label,
      duplicates: unique ? '; it fails if two rows share a key' : '',
      uniqueNote: unique ? ' A UNIQUE index fails if two rows share a key.' : '',
      concurrent: concurrentSql(statement.sql) ?? `CREATE ${unique ? 'UNIQUE ' : ''}INDEX CONCURRENTLY IF NOT EXISTS ${name} ON ${target.label} (…);`,
      idempotent: ifNotExistsSql(statement.sql) ?? `CREATE ${unique ? 'UNIQUE ' : ''}INDEX IF NOT EXISTS ${name} ON ${target.label} (…);`,
    };
    if (!inTransaction) {
      const concurrentNow = concurrentSql(statement.sql)?.replace(' IF NOT EXISTS', '') ?? 'Add CONCURRENTLY after INDEX.';
      report({ messageId: 'afterCommit', data: { ...data, concurrentNow }, lockOn: target.key, group: { key: 'afterCommit', messageId: 'afterCommitMany', item } });
      return;
    }
    report({ messageId: 'inTransaction', data, lockOn: target.key, group: { key: 'inTransaction', messageId: 'inTransactionMany', item } });
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
