import { defineRule } from '../engine/define-rule.js';

/**
 * A migrate script run by Bun that never ends its database client: the open connection keeps
 * the event loop alive after migrate() resolves, so the process never exits and the deploy
 * step hangs until a timeout kills it.
 */
export default defineRule({
  id: 'bun-migrate-client-not-closed',
  meta: {
    description: 'A migrate script run by Bun that never ends the client migrate() runs on, so the process stays alive after the migrations.',
    category: 'correctness',
    defaultSeverity: 'warn',
    messages: {
      unclosed: 'this migrate() script runs under Bun ({reason}) and never ends `{client}`: the open connection keeps the process alive after migrate() resolves, so the deploy step never finishes (until a timeout kills it, reported as a failure).',
    },
    help: {
      unclosed: 'End the client once migrate() settles, on failure too: `try { await migrate(…); } finally { await {client}.end(); }` (for a drizzle instance created from a URL: `await db.$client.end()`).',
    },
  },
  checkHistory({ appSource, report }) {
    for (const call of appSource?.migrateCalls ?? []) {
      if (!call.bun || !call.unclosed) continue;
      report({ messageId: 'unclosed', data: { reason: call.bun, client: call.unclosed }, file: call.file, line: call.line, column: call.column, migration: '' });
    }
  },
});
