import { defineRule } from '../engine/define-rule.js';

/**
 * Reported by the engine itself for every statement libpg-query (PostgreSQL's own grammar)
 * rejects; the rest of the file is still linted. It has no check of its own.
 */
export default defineRule({
  id: 'parse-error',
  meta: {
    description: 'A statement PostgreSQL cannot parse: the migration fails at this statement.',
    category: 'correctness',
    defaultSeverity: 'error',
    messages: {
      syntax: 'PostgreSQL cannot parse this statement: {message}. drizzle\'s migrate() stops here and rolls back every pending migration.',
    },
    help: {
      syntax: 'Fix the SQL by hand (this file was edited or written by hand), or delete the migration and run `drizzle-kit generate` again.',
    },
  },
});
