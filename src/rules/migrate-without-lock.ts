import { defineRule } from '../engine/define-rule.js';
import type { AppSourceFacts, MigrateCallFacts } from '../engine/types.js';
import { wrapperHelp } from './deploy/wrapper-help.js';

/**
 * drizzle's migrate() reads the last applied migration with a plain SELECT and takes no lock
 * (drizzle-orm#874): replicas or a rolling deploy that start together each run the same pending
 * migrations. Found in the app's source: a migrate() not serialized by an advisory lock, or
 * serialized by one that does not hold (a pool, a transaction of its own, no unlock on failure,
 * another connection).
 */
export default defineRule({
  id: 'migrate-without-lock',
  meta: {
    description: "A migrate() call of drizzle-orm's migrator that is not serialized by a PostgreSQL advisory lock held on the connection it runs on, so deployers starting together run the same migrations.",
    category: 'correctness',
    defaultSeverity: 'warn',
    messages: {
      none: "migrate() ({driver}) runs without an advisory lock, and drizzle's migrator takes none: replicas or a rolling deploy that start together each read the same pending migrations and run them, so the losers fail on \"already exists\" (the deploy fails) or a migration is applied twice.",
      pool: 'the advisory lock for this migrate() ({driver}) is taken through {via} (line {lockLine}), a pool: the lock stays with the one connection that ran it, while migrate() and the unlock may run on others, so nothing is serialized, and the lock can stay held by an idle pooled connection.',
      xactOwnTransaction: "pg_advisory_xact_lock (line {lockLine}) runs in a transaction of its own, or in none, and is released when that ends: it is gone before this migrate() ({driver}) starts, so concurrent deployers still run the same migrations.",
      noUnlockOnFailure: 'the advisory lock on {via} (line {lockLine}) is released only when this migrate() ({driver}) succeeds: when a migration fails, the connection keeps the lock and every later deploy waits on it for as long as that process lives.',
      otherClient: 'the advisory lock is held by {lockOn} (line {lockLine}), but this migrate() ({driver}) runs on {migrateOn}: another connection, so the migrations are not serialized by it.',
      http: 'migrate() on neon-http sends every statement as its own HTTP request: there is no session to hold an advisory lock in and no transaction, so concurrent deployers cannot be serialized, and a failure leaves a migration half applied.',
    },
    help: {
      none: 'Serialize migrate() with a session advisory lock on one dedicated connection, released in `finally`.',
    },
  },
  checkHistory({ appSource, report }) {
    for (const call of appSource?.migrateCalls ?? []) {
      const lock = call.lock;
      if (!lock || lock.kind === 'session' || lock.kind === 'transaction') continue;
      const data: Record<string, string | number> = { driver: call.driver };
      if ('at' in lock) data.lockLine = lock.at.file === call.file ? lock.at.line : `${lock.at.file}:${lock.at.line}`;
      if (lock.kind === 'pool' || lock.kind === 'no-unlock-on-failure') data.via = lock.via;
      if (lock.kind === 'other-client') Object.assign(data, { lockOn: lock.lockOn, migrateOn: lock.migrateOn });
      const messageId = lock.kind === 'xact-own-transaction' ? 'xactOwnTransaction' : lock.kind === 'no-unlock-on-failure' ? 'noUnlockOnFailure' : lock.kind === 'other-client' ? 'otherClient' : lock.kind;
      report({ messageId, data, help: help(call, appSource!), file: call.file, line: call.line, column: call.column, migration: '' });
    }
  },
});

function help(call: MigrateCallFacts, app: AppSourceFacts): string {
  const intro =
    'Take a session lock (pg_advisory_lock) on one dedicated connection, run migrate() on that same connection, and release it in `finally`, so a failed migration frees it too. ' +
    'A wrapper (tested by running it in two processes at once against PostgreSQL):';
  return wrapperHelp(call, folderOf(call, app), intro);
}

/** The folder to pass: the one migrate() names when it is a plain string, else drizzle-kit's `out`. */
export function folderOf(call: MigrateCallFacts, app: AppSourceFacts): string {
  const text = call.options.folder?.text;
  const literal = text && /^(['"`])([^'"`$\\]*)\1$/.exec(text)?.[2];
  return literal || (app.config ? `./${app.config.out}` : './drizzle');
}
