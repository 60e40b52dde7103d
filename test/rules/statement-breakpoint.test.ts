import { readFileSync, writeFileSync } from 'node:fs';
import { applyEdits } from '../../src/engine/fixes.js';
import type { Edit } from '../../src/engine/types.js';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import rule, { scanMarkers } from '../../src/rules/statement-breakpoint.js';
import { editJournal, historyTester } from '../helpers/history.js';
import { corpusIt } from '../helpers/corpus.js';

const t = historyTester(rule);

/** 0006_custom.sql with the finding's fix applied. */
function fixed(dir: string, finding: { fix?: { edits: Edit[] } }): string {
  return applyEdits(readFileSync(join(dir, '0006_custom.sql'), 'utf8'), finding.fix!.edits);
}

/** Add a custom migration 0006_custom with this text to a copy of the example. */
function custom(name: string, sql: string): string {
  return t.folder(name, (d) => {
    writeFileSync(join(d, '0006_custom.sql'), sql);
    editJournal(d, (j) => j.entries.push({ idx: 6, version: '7', when: j.entries[5].when + 1000, tag: '0006_custom', breakpoints: true }));
  });
}

describe('statement-breakpoint', () => {
  it.each(['examples/shop/drizzle', 'fixtures/projects/safe/drizzle'])('valid: %s as generated', async (dir) => {
    expect(await t.findings(dir)).toEqual([]);
  });

  corpusIt.each(['../shared/corpus/vercel__ai-chatbot', '../shared/corpus/pages-cms__pages-cms'])('valid: %s as generated', async (dir) => {
    expect(await t.findings(dir)).toEqual([]);
  });

  it('invalid (error): the marker inside a dollar-quoted function body', async () => {
    const dir = custom('dollar', 'CREATE FUNCTION f() RETURNS trigger AS $$\nBEGIN\n  NEW.x := 1;--> statement-breakpoint\n  RETURN NEW;\nEND;\n$$ LANGUAGE plpgsql;');
    const found = await t.findings(dir);
    expect(found.map((f) => [f.messageId, f.line])).toEqual([['insideQuote', 3]]);
    expect(found[0].message).toContain('dollar-quoted body ($$ … $$)');
  });

  it('valid: several statements in one chunk run as one simple query on node-postgres and postgres.js', async () => {
    const dir = custom('multiple', 'UPDATE "users" SET "email" = lower("email");\nDELETE FROM "orders" WHERE "id" < 0;');
    expect(await t.findings(dir)).toEqual([]);
  });

  it('invalid (error): several statements in one chunk with a driver that prepares each chunk (config preparedStatements)', async () => {
    const dir = custom('multiple-prepared', 'UPDATE "users" SET "email" = lower("email");\nDELETE FROM "orders" WHERE "id" < 0;');
    const found = await t.findings(dir, { lintConfig: { preparedStatements: true } });
    expect(found.map((f) => [f.messageId, f.line, f.severity])).toEqual([['multiple', 2, 'error']]);
    expect(found[0].message).toContain('cannot insert multiple commands into a prepared statement');
    expect(fixed(dir, found[0])).toBe('UPDATE "users" SET "email" = lower("email");--> statement-breakpoint\nDELETE FROM "orders" WHERE "id" < 0;');
  });

  it('fix: a misspelt marker is corrected where it is', async () => {
    const dir = custom('misspelt', 'UPDATE "users" SET "email" = lower("email");\n-->statement-breakpoint\nDELETE FROM "orders" WHERE "id" < 0;');
    const found = await t.findings(dir, { lintConfig: { preparedStatements: true } });
    expect(found[0].fix?.description).toBe('End each statement of this chunk with `;--> statement-breakpoint` (1 misspelt marker corrected)');
    expect(fixed(dir, found[0])).toBe('UPDATE "users" SET "email" = lower("email");\n--> statement-breakpoint\nDELETE FROM "orders" WHERE "id" < 0;');
  });

  it('invalid (error): drizzle.config `driver: "pglite"` means each chunk is prepared', async () => {
    const dir = custom('pglite', 'UPDATE "users" SET "email" = lower("email");\nDELETE FROM "orders" WHERE "id" < 0;');
    writeFileSync(join(dir, '..', 'pglite.config.ts'), `import { defineConfig } from 'drizzle-kit';\nexport default defineConfig({ dialect: 'postgresql', driver: 'pglite', out: './pglite', dbCredentials: { url: process.env.DATABASE_URL! } });\n`);
    const found = await t.findings(dir, { config: join(dir, '..', 'pglite.config.ts') });
    expect(found.map((f) => [f.messageId, f.line])).toEqual([['multiple', 2]]);
  });

  it('invalid (error): BEGIN / COMMIT in a multi-statement chunk: the help says to remove them', async () => {
    const dir = custom('multiple-begin', 'BEGIN;\nUPDATE "users" SET "email" = lower("email");\nCOMMIT;');
    const found = await t.findings(dir, { lintConfig: { preparedStatements: true } });
    expect(found.map((f) => [f.messageId, f.line])).toEqual([['multiple', 2]]);
    expect(found[0].help).toContain('remove the BEGIN / COMMIT');
  });

  it('invalid (error): CONCURRENTLY after a COMMIT in a multi-statement chunk fails in the implicit transaction block (any driver)', async () => {
    const dir = custom('implicit', 'COMMIT;--> statement-breakpoint\nSET lock_timeout = 0;\nCREATE INDEX CONCURRENTLY IF NOT EXISTS "users_email_idx" ON "users" ("email");');
    const found = await t.findings(dir);
    expect(found.map((f) => [f.messageId, f.line, f.severity])).toEqual([['implicitBlock', 3, 'error']]);
    expect(found[0].message).toContain('CREATE INDEX CONCURRENTLY on "users" shares its chunk with 1 other statement');
    expect(fixed(dir, found[0])).toBe('COMMIT;--> statement-breakpoint\nSET lock_timeout = 0;--> statement-breakpoint\nCREATE INDEX CONCURRENTLY IF NOT EXISTS "users_email_idx" ON "users" ("email");');
  });

  it('valid: CONCURRENTLY after a COMMIT in a chunk of its own', async () => {
    const dir = custom('alone', 'COMMIT;--> statement-breakpoint\nSET lock_timeout = 0;--> statement-breakpoint\nCREATE INDEX CONCURRENTLY IF NOT EXISTS "users_email_idx" ON "users" ("email");');
    expect(await t.findings(dir)).toEqual([]);
  });

  it('valid: a misspelt marker on node-postgres (the statements run as one simple query)', async () => {
    const dir = custom('variant', 'UPDATE "users" SET "email" = lower("email");-->statement-breakpoint\nDELETE FROM "orders" WHERE "id" < 0;');
    expect(await t.findings(dir)).toEqual([]);
  });

  it('invalid (error): a misspelt marker with prepared statements: the message says why the chunk holds two statements', async () => {
    const dir = custom('variant-prepared', 'UPDATE "users" SET "email" = lower("email");-->statement-breakpoint\nDELETE FROM "orders" WHERE "id" < 0;');
    const found = await t.findings(dir, { lintConfig: { preparedStatements: true } });
    expect(found.map((f) => f.messageId)).toEqual(['multiple']);
    expect(found[0].message).toContain('`-->statement-breakpoint` is a comment, not the marker');
  });

  it('valid: empty chunks (an empty query is accepted by node-postgres and PGlite)', async () => {
    const dir = custom('empty', 'UPDATE "users" SET "email" = lower("email");--> statement-breakpoint\n--> statement-breakpoint\nDELETE FROM "orders" WHERE "id" < 0;');
    expect(await t.findings(dir, { lintConfig: { preparedStatements: true } })).toEqual([]);
  });

  it('valid: markers in strings are reported, markers between statements and in comments are not', () => {
    expect(scanMarkers("SELECT '--> statement-breakpoint';").inside.map((m) => m.context)).toEqual(['a string literal']);
    expect(scanMarkers("SELECT 1;--> statement-breakpoint\nSELECT 'it''s';").inside).toEqual([]);
    expect(scanMarkers('SELECT $tag$ a $$ b $tag$;--> statement-breakpoint').inside).toEqual([]);
  });

  it('linear: 300,000 statements with quoted values and no marker are scanned in a few seconds (46 s when each quoted token searched to the end of the file)', () => {
    const input = (n: number) => Array.from({ length: n }, (_, i) => `INSERT INTO "t" ("a") VALUES ('v${i}');\n`).join('') + "SELECT '--> statement-breakpoint';\n";
    const timed = (text: string) => {
      const started = performance.now();
      return { scan: scanMarkers(text), ms: performance.now() - started };
    };
    // Ten times the input: about ten times the time when linear, a hundred when quadratic. Measured
    // against a tenth of it on the same machine, so a loaded one (6.7 s at load 15) does not fail it.
    const small = timed(input(30_000));
    const text = input(300_000);
    const { scan, ms } = timed(text);
    expect(ms).toBeLessThan(Math.max(3_000, small.ms * 40));
    expect(scan.inside).toEqual([{ offset: text.lastIndexOf('-->'), context: 'a string literal' }]);
  });

  it('scans like PostgreSQL lexes: nested block comments, E-strings, unterminated quotes, parameters', () => {
    const m = '--> statement-breakpoint';
    const contexts = (sql: string) => scanMarkers(sql).inside.map((x) => x.context);
    expect(contexts(`/* a /* ${m} */ ${m} */ SELECT 1;`)).toEqual(['a block comment', 'a block comment']);
    // E'\\' is one backslash: the marker after it is a comment. E'\'' keeps the string open.
    expect(contexts(String.raw`SELECT E'\\' ${m}` + `\nSELECT 1;`)).toEqual([]);
    expect(contexts(String.raw`SELECT E'\' ${m}';`)).toEqual(['a string literal']);
    expect(contexts(String.raw`SELECT '\' ${m}`)).toEqual([]);
    expect(contexts(`SELECT $1, a$b$ ${m}`)).toEqual([]);
    expect(contexts(`SELECT "unterminated ${m}`)).toEqual(['a quoted identifier']);
    expect(contexts(`SELECT $x$ ${m}`)).toEqual(['a dollar-quoted body ($x$ … $x$)']);
    expect(scanMarkers(`-- note ${m}\n-->  statement-breakpoint\nSELECT 1;`).variants.map((v) => v.offset)).toEqual([`-- note ${m}\n`.length]);
  });

  corpusIt('real corpus: lmnr-ai__lmnr has the `-->statement-breakpoint` variant, reported with prepared statements only', async () => {
    expect(await t.findings('../shared/corpus/lmnr-ai__lmnr')).toEqual([]);
    const found = await t.findings('../shared/corpus/lmnr-ai__lmnr', { lintConfig: { preparedStatements: true } });
    expect(found.some((f) => f.messageId === 'multiple' && f.message.includes('`-->statement-breakpoint`'))).toBe(true);
  });
});
