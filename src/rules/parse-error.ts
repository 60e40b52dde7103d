import { defineRule } from '../engine/define-rule.js';

/**
 * Reported by the engine itself for every statement libpg-query (PostgreSQL's own grammar)
 * rejects, and for every statement beyond what that parser takes as migration-lint runs it (too
 * large, nested too deeply: said to be migration-lint's limits, never PostgreSQL's verdict); the
 * rest of the file is still linted. It has no check of its own.
 */
export default defineRule({
  id: 'parse-error',
  meta: {
    description: 'A statement PostgreSQL cannot parse (the migration fails at this statement), or one too large or too deeply nested for migration-lint to check.',
    category: 'correctness',
    defaultSeverity: 'error',
    messages: {
      encoding:
        'The file is not valid UTF-8 (the first bad byte is here): Node.js, and so drizzle\'s migrator, replaces each bad byte with U+FFFD (�) before sending the SQL, so PostgreSQL stores "�" where the file meant something else, and the hash drizzle records is of the replaced text.',
      syntax: 'PostgreSQL cannot parse this statement: {message}. drizzle\'s migrate() stops here and rolls back every pending migration.',
      tooLarge:
        'This statement is {message}; it is not checked, and the statements after it are checked without its effect on the schema. This is a limit of migration-lint (PostgreSQL\'s parser compiled to WebAssembly, with 1 GB of memory, given statements of up to 16 MB), not of PostgreSQL.',
      tooDeep:
        'This statement is {message} (its expressions or sub-selects nest deeper than the stack migration-lint runs PostgreSQL\'s parser on); it is not checked, and the statements after it are checked without its effect on the schema. This is a limit of migration-lint, not of PostgreSQL.',
    },
    help: {
      encoding: 'Re-save the file as UTF-8 (it is probably Latin-1 or Windows-1252), then check the text in string literals.',
      syntax: 'Fix the SQL by hand (this file was edited or written by hand), or delete the migration and run `drizzle-kit generate` again.',
      tooLarge: 'Load bulk data outside the migration (COPY, or a script run after the deploy), or split the statement into smaller ones. To accept it unchecked: `-- migration-lint-ignore parse-error: <why>` above it.',
      tooDeep: 'Flatten the statement (fewer nested sub-selects, a list instead of a chain of operators). To accept it unchecked: `-- migration-lint-ignore parse-error: <why>` above it.',
    },
  },
});
