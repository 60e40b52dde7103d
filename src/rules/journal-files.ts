import { defineRule } from '../engine/define-rule.js';

/**
 * The journal and the files must agree: drizzle's migrator runs journal entries only, and
 * throws when an entry's file is missing.
 */
export default defineRule({
  id: 'journal-files',
  meta: {
    description: 'Journal entries without a .sql file, .sql files without a journal entry, and tags that point outside the folder.',
    category: 'integrity',
    defaultSeverity: 'error',
    messages: {
      missingFile: 'Journal entry {tag} has no file {tag}.sql: drizzle\'s migrate() throws "No file {tag}.sql found" and applies nothing.',
      orphanFile: '{tag}.sql is not in meta/_journal.json: drizzle\'s migrate() never runs it, on any database.',
      unsafeTag: 'Journal tag "{tag}" is not a file name in the migrations folder; migration-lint refuses to read it (and drizzle would read outside the folder).',
    },
    help: {
      missingFile: 'Restore {tag}.sql from version control, or remove the entry with `drizzle-kit drop` if the migration was never applied anywhere.',
      orphanFile: 'If it should run, generate it properly (`drizzle-kit generate --custom --name <name>` and paste the SQL); if it is a leftover, delete it.',
      unsafeTag: 'Fix the "tag" in meta/_journal.json to the migration\'s file name without ".sql".',
    },
  },
  checkHistory({ folder, report }) {
    for (const problem of folder.problems) {
      const messageId = problem.kind === 'missing-file' ? 'missingFile' : problem.kind === 'orphan-file' ? 'orphanFile' : 'unsafeTag';
      report({ messageId, data: { tag: problem.tag }, file: problem.file, line: problem.line, migration: problem.tag });
    }
  },
});
