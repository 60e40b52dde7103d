import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import rule, { scanMarkers } from '../../src/rules/statement-breakpoint.js';
import { editJournal, historyTester } from '../helpers/history.js';

const t = historyTester(rule);

/** Add a custom migration 0006_custom with this text to a copy of the example. */
function custom(name: string, sql: string): string {
  return t.folder(name, (d) => {
    writeFileSync(join(d, '0006_custom.sql'), sql);
    editJournal(d, (j) => j.entries.push({ idx: 6, version: '7', when: j.entries[5].when + 1000, tag: '0006_custom', breakpoints: true }));
  });
}

describe('statement-breakpoint', () => {
  it.each(['examples/shop/drizzle', 'fixtures/projects/safe/drizzle', '../shared/corpus/vercel__ai-chatbot', '../shared/corpus/pages-cms__pages-cms'])('valid: %s as generated', async (dir) => {
    expect(await t.findings(dir)).toEqual([]);
  });

  it('invalid (error): the marker inside a dollar-quoted function body', async () => {
    const dir = custom('dollar', 'CREATE FUNCTION f() RETURNS trigger AS $$\nBEGIN\n  NEW.x := 1;--> statement-breakpoint\n  RETURN NEW;\nEND;\n$$ LANGUAGE plpgsql;');
    const found = await t.findings(dir);
    expect(found.map((f) => [f.messageId, f.line])).toEqual([['insideQuote', 3]]);
    expect(found[0].message).toContain('dollar-quoted body ($$ … $$)');
  });

  it('invalid (warn): several statements in one chunk, in a folder that uses breakpoints', async () => {
    const dir = custom('multiple', 'UPDATE "users" SET "email" = lower("email");\nDELETE FROM "orders" WHERE "id" < 0;');
    const found = await t.findings(dir);
    expect(found.map((f) => [f.messageId, f.line])).toEqual([['multiple', 2]]);
    expect(found[0].message).toContain('cannot insert multiple commands into a prepared statement');
  });

  it('invalid (warn): a misspelt marker is only a comment', async () => {
    const dir = custom('variant', 'UPDATE "users" SET "email" = lower("email");-->statement-breakpoint\nDELETE FROM "orders" WHERE "id" < 0;');
    expect((await t.findings(dir)).map((f) => f.messageId)).toEqual(['variant']);
  });

  it('invalid (warn): empty chunks', async () => {
    const dir = custom('empty', 'UPDATE "users" SET "email" = lower("email");--> statement-breakpoint\n--> statement-breakpoint\nDELETE FROM "orders" WHERE "id" < 0;');
    expect((await t.findings(dir)).map((f) => [f.messageId, f.line])).toEqual([['empty', 2]]);
  });

  it('valid: markers in strings are reported, markers between statements and in comments are not', () => {
    expect(scanMarkers("SELECT '--> statement-breakpoint';").inside.map((m) => m.context)).toEqual(['a string literal']);
    expect(scanMarkers("SELECT 1;--> statement-breakpoint\nSELECT 'it''s';").inside).toEqual([]);
    expect(scanMarkers('SELECT $tag$ a $$ b $tag$;--> statement-breakpoint').inside).toEqual([]);
  });

  it('real corpus: lmnr-ai__lmnr has the `-->statement-breakpoint` variant and empty chunks', async () => {
    const found = await t.findings('../shared/corpus/lmnr-ai__lmnr');
    expect(found.some((f) => f.messageId === 'variant' && f.message.includes('`-->statement-breakpoint`'))).toBe(true);
    expect(found.filter((f) => f.messageId === 'empty').length).toBeGreaterThan(40);
  });
});
