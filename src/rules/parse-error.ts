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
      encoding:
        'The file is not valid UTF-8 (the first bad byte is here): Node.js, and so drizzle\'s migrator, replaces each bad byte with U+FFFD (�) before sending the SQL, so PostgreSQL stores "�" where the file meant something else, and the hash drizzle records is of the replaced text.',
      syntax: 'PostgreSQL cannot parse this statement: {message}. drizzle\'s migrate() stops here and rolls back every pending migration.',
    },
    help: {
      encoding: 'Re-save the file as UTF-8 (it is probably Latin-1 or Windows-1252), then check the text in string literals.',
      syntax: 'Fix the SQL by hand (this file was edited or written by hand), or delete the migration and run `drizzle-kit generate` again.',
    },
  },
});
