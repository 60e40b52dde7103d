import rule from '../../src/rules/disable-rls.js';
import { testRule } from '../helpers/rule-tester.js';

const DOCS = 'CREATE TABLE "documents" ("id" serial PRIMARY KEY NOT NULL, "owner_id" integer NOT NULL);\nALTER TABLE "documents" ENABLE ROW LEVEL SECURITY;\nCREATE POLICY "documents_read" ON "documents" AS PERMISSIVE FOR SELECT TO public USING (true);';

testRule(rule, {
  valid: [
    { name: 'locks fixture: drizzle-kit disables RLS (never enabled) before DROP TABLE', folder: 'fixtures/projects/locks/drizzle', migration: '0002_drop_column_and_table' },
    { name: 'safe fixture', folder: 'fixtures/projects/safe/drizzle', migration: '0000_init' },
    { name: 'policy replaced in the same migration', setup: [DOCS], sql: 'DROP POLICY "documents_read" ON "documents" CASCADE;\nCREATE POLICY "documents_read2" ON "documents" AS PERMISSIVE FOR SELECT TO public USING (true);' },
    { name: 'table dropped after its policy', setup: [DOCS], sql: 'DROP POLICY "documents_read" ON "documents" CASCADE;\nDROP TABLE "documents" CASCADE;' },
    { name: 'one of two policies dropped', setup: [DOCS + '\nCREATE POLICY "documents_write" ON "documents" FOR INSERT TO public WITH CHECK (true);'], sql: 'DROP POLICY "documents_read" ON "documents" CASCADE;' },
  ],
  invalid: [
    {
      name: 'locks fixture: last policy removed, drizzle-kit disables RLS',
      folder: 'fixtures/projects/locks/drizzle',
      migration: '0003_remove_last_policy',
      errors: [{ messageId: 'disabled', line: 1, severity: 'error', message: ['"documents"', '"documents_owner_read"', '.enableRLS()'], help: ['.enableRLS()'] }],
    },
    {
      name: 'last policy dropped, RLS left on: nobody but the owner sees rows',
      setup: [DOCS],
      sql: 'DROP POLICY "documents_read" ON "documents" CASCADE;',
      errors: [{ messageId: 'lastPolicy', line: 1, severity: 'warn', message: ['"documents_read"', 'sees no rows'] }],
    },
  ],
});
