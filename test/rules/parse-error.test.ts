import rule from '../../src/rules/parse-error.js';
import { testRule } from '../helpers/rule-tester.js';

testRule(rule, {
  valid: [
    { name: 'drizzle-kit output parses', folder: 'fixtures/projects/features/drizzle', migration: '0001_init' },
    { name: 'SET DATA TYPE … USING, NOT VALID, RENAME VALUE', sql: 'ALTER TABLE "t" ALTER COLUMN "a" SET DATA TYPE integer USING "a"::integer;--> statement-breakpoint\nALTER TABLE "t" ADD CONSTRAINT "f" FOREIGN KEY ("a") REFERENCES "u"("id") NOT VALID;--> statement-breakpoint\nALTER TYPE "public"."s" RENAME VALUE \'a\' TO \'b\';' },
    { name: 'comment-only file', sql: '-- Custom SQL migration file, put your code below! --\n' },
    { name: 'empty chunks between breakpoints', sql: 'SELECT 1;--> statement-breakpoint\n--> statement-breakpoint\n' },
  ],
  invalid: [
    {
      name: 'one bad statement among good ones: the others are still parsed',
      sql: 'CREATE TABLE "a" ("id" int);\n--> statement-breakpoint\nALTER TABLE "a" ADD COLUMN;\n--> statement-breakpoint\nCREATE INDEX "i" ON "a" ("id");',
      errors: [{ messageId: 'syntax', line: 3, column: 27, message: ['syntax error at or near ";"'] }],
    },
    {
      name: 'a bad statement in the middle of a multi-statement chunk',
      sql: 'SELECT 1;\nSELEC 2;\nSELECT 3;',
      errors: [{ messageId: 'syntax', line: 2, column: 1, message: ['syntax error at or near "SELEC"'] }],
    },
    {
      name: 'position is exact after non-ASCII text',
      sql: "COMMENT ON TABLE \"t\" IS 'Größe';\nCREATE TABL \"x\" ();",
      errors: [{ messageId: 'syntax', line: 2, column: 8 }],
    },
  ],
});
