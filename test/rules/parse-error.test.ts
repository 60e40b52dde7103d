import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lint } from '../../src/runner/lint.js';
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

describe('parse-error: files that are not valid UTF-8', () => {
  it('reports the first invalid byte, and still lints the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ml-latin1-'));
    const file = join(dir, '0000_latin1.sql');
    writeFileSync(file, Buffer.concat([Buffer.from('CREATE INDEX CONCURRENTLY "i" ON "t" ("a");\nCOMMENT ON TABLE "t" IS \'Gr'), Buffer.from([0xf6, 0xdf]), Buffer.from("e';\n")]));
    const result = await lint({ paths: [file] });
    expect(result.findings.map((f) => `${f.rule}/${f.messageId}@${f.line}:${f.column}`)).toEqual(['concurrently-in-transaction/inTransaction@1:1', 'parse-error/encoding@2:28']);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a real U+FFFD in a UTF-8 file is not an encoding problem', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ml-fffd-'));
    const file = join(dir, '0000_fffd.sql');
    writeFileSync(file, "COMMENT ON TABLE \"t\" IS '\ufffd';\n", 'utf8');
    expect((await lint({ paths: [file] })).findings).toEqual([]);
    rmSync(dir, { recursive: true, force: true });
  });
});
