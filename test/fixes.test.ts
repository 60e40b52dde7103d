import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyEdits, FixResolver, overlaps, textEdit } from '../src/engine/fixes.js';
import { loadParser, parseMigration } from '../src/engine/parse.js';
import type { Edit, EditRequest, Statement } from '../src/engine/types.js';
import { diffHunks, terminalSafe, unifiedDiff } from '../src/formatters/diff.js';

beforeAll(async () => {
  await loadParser();
});

/** drizzle-kit's layout: `;--> statement-breakpoint` after each statement, CREATE TABLE's marker on its own line, no final newline. */
const DRIZZLE = [
  'CREATE TABLE "a" (\n\t"id" integer\n);\n',
  '--> statement-breakpoint\n',
  'ALTER TABLE "b" ADD COLUMN "full_name" text;--> statement-breakpoint\n',
  '-- migration-lint-ignore drop-column: reason\n',
  'ALTER TABLE "b" DROP COLUMN "name";--> statement-breakpoint\n',
  'CREATE INDEX "c" ON "a" ("id");',
].join('');

function fixed(text: string, edits: (statements: Statement[]) => EditRequest[]): string {
  const m = parseMigration({ tag: 't', file: 't.sql', text });
  const fix = new FixResolver('t.sql', text, m.statements).resolve({ description: 'd', edits: edits(m.statements) });
  return applyEdits(text, fix.edits);
}

describe('fix requests resolved against the migration text', () => {
  it('remove: the statement with its marker, and the comments that lead it', () => {
    expect(fixed(DRIZZLE, (s) => [{ remove: s[0] }])).toBe(DRIZZLE.replace('CREATE TABLE "a" (\n\t"id" integer\n);\n--> statement-breakpoint\n', ''));
    expect(fixed(DRIZZLE, (s) => [{ remove: s[2] }])).toBe(DRIZZLE.replace('-- migration-lint-ignore drop-column: reason\nALTER TABLE "b" DROP COLUMN "name";--> statement-breakpoint\n', ''));
    // The last statement takes the marker before it: the file still ends as drizzle-kit ends it.
    expect(fixed(DRIZZLE, (s) => [{ remove: s[3] }])).toBe(DRIZZLE.replace(';--> statement-breakpoint\nCREATE INDEX "c" ON "a" ("id");', ';'));
    // Two removals that share a marker are one edit.
    expect(fixed(DRIZZLE, (s) => [{ remove: s[2] }, { remove: s[3] }])).toBe('CREATE TABLE "a" (\n\t"id" integer\n);\n--> statement-breakpoint\nALTER TABLE "b" ADD COLUMN "full_name" text;');
    expect(fixed('SELECT 1;', (s) => [{ remove: s[0] }])).toBe('');
  });

  it('replace: drizzle-kit joins the statements; insert before a statement goes before its comments', () => {
    expect(fixed(DRIZZLE, (s) => [{ replace: s[1], with: ['ALTER TABLE "b" RENAME COLUMN "name" TO "full_name"', 'ALTER TABLE "b" ALTER COLUMN "full_name" SET NOT NULL;'] }, { remove: s[2] }])).toBe(
      'CREATE TABLE "a" (\n\t"id" integer\n);\n--> statement-breakpoint\nALTER TABLE "b" RENAME COLUMN "name" TO "full_name";--> statement-breakpoint\nALTER TABLE "b" ALTER COLUMN "full_name" SET NOT NULL;--> statement-breakpoint\nCREATE INDEX "c" ON "a" ("id");',
    );
    expect(fixed(DRIZZLE, (s) => [{ before: s[2], insert: ['UPDATE "b" SET "x" = 1'] }])).toBe(
      DRIZZLE.replace('-- migration-lint-ignore', 'UPDATE "b" SET "x" = 1;--> statement-breakpoint\n-- migration-lint-ignore'),
    );
    expect(fixed(DRIZZLE, (s) => [{ before: s[0], insert: ['CREATE TYPE "e" AS ENUM(\'a\')'] }])).toBe(`CREATE TYPE "e" AS ENUM('a');--> statement-breakpoint\n${DRIZZLE}`);
  });

  it('statements sharing a chunk (breakpoints: false) are edited line by line, without markers', () => {
    const text = 'ALTER TABLE "b" ADD COLUMN "x" text;\nALTER TABLE "b" DROP COLUMN "y";\nSELECT 1;\n';
    expect(fixed(text, (s) => [{ remove: s[1] }])).toBe('ALTER TABLE "b" ADD COLUMN "x" text;\nSELECT 1;\n');
    expect(fixed(text, (s) => [{ replace: s[0], with: ['SELECT 2', 'SELECT 3'] }])).toBe('SELECT 2;\nSELECT 3;\nALTER TABLE "b" DROP COLUMN "y";\nSELECT 1;\n');
    expect(fixed(text, (s) => [{ before: s[2], insert: ['SELECT 0'] }])).toBe('ALTER TABLE "b" ADD COLUMN "x" text;\nALTER TABLE "b" DROP COLUMN "y";\nSELECT 0;\nSELECT 1;\n');
  });

  it('keeps CRLF line endings; a statement inside a DO block cannot be edited; overlapping edits are a mistake', () => {
    const crlf = DRIZZLE.replaceAll('\n', '\r\n');
    expect(fixed(crlf, (s) => [{ replace: s[1], with: ['SELECT 1', 'SELECT 2'] }])).toBe(crlf.replace('ALTER TABLE "b" ADD COLUMN "full_name" text;', 'SELECT 1;--> statement-breakpoint\r\nSELECT 2;'));
    expect(() => fixed('DO $$ BEGIN CREATE TYPE "e" AS ENUM(\'a\'); END $$;', (s) => [{ remove: s[1] }])).toThrow(/top-level/);
    expect(() => fixed(DRIZZLE, (s) => [{ replace: s[1], with: ['SELECT 1'] }, { at: { start: s[1].location.start, end: s[1].location.start + 3 }, text: 'x' }])).toThrow(/overlapping/);
  });

  it('applyEdits checks positions and overlaps; overlaps() says which edits cannot go together', () => {
    const text = 'ab\ncd\n';
    const e = (line: number, column: number, endLine: number, endColumn: number, t: string): Edit => ({ file: 'f', line, column, endLine, endColumn, text: t });
    expect(applyEdits(text, [e(2, 1, 2, 2, 'X'), e(1, 3, 1, 3, '!')])).toBe('ab!\nXd\n');
    expect(() => applyEdits(text, [e(3, 5, 3, 5, 'x')])).toThrow(/outside/);
    expect(() => applyEdits(text, [e(1, 1, 1, 3, 'x'), e(1, 2, 1, 2, 'y')])).toThrow(/overlapping/);
    expect(overlaps(e(1, 1, 1, 3, ''), e(1, 3, 1, 3, 'x'))).toBe(false); // touching
    expect(overlaps(e(1, 3, 1, 3, 'a'), e(1, 3, 1, 3, 'b'))).toBe(true); // two insertions at one point: order unknown
    expect(overlaps(e(1, 1, 2, 1, ''), e(1, 2, 1, 2, 'x'))).toBe(true);
    expect(textEdit('f', 'a\r\nb', 3, 4, 'x\ny')).toEqual(e(2, 1, 2, 2, 'x\r\ny'));
  });
});

describe('unified diffs', () => {
  it('hunks with context, line numbers, and the missing final newline as git shows it', () => {
    const before = 'a\nb\nc\nd\ne\nf\ng\nh\ni';
    const after = 'a\nb\nC\nd\ne\nf\ng\nh\ni\nj';
    expect(unifiedDiff('drizzle/0001_x.sql', before, after, { context: 1 })).toBe(
      ['--- a/drizzle/0001_x.sql', '+++ b/drizzle/0001_x.sql', '@@ -2,3 +2,3 @@', ' b', '-c', '+C', ' d', '@@ -8,2 +8,3 @@', ' h', '-i', '\\ No newline at end of file', '+i', '+j', '\\ No newline at end of file', ''].join('\n'),
    );
    expect(unifiedDiff('f', 'same', 'same')).toBe('');
    expect(diffHunks('', 'x\n')).toEqual(['@@ -0,0 +1,1 @@', '+x']);
  });

  it('repository text is shown safely: control characters escaped, no line starts with "::"', () => {
    const out = unifiedDiff('evil\u001b[31m.sql', 'a\n', '::error::x\u0007\u009b\n');
    expect(out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(out).toContain('evil\\x1b[31m.sql');
    expect(out.split('\n').some((l) => l.startsWith('::'))).toBe(false);
    expect(terminalSafe('a\tb\u2028')).toBe('a\tb\\u2028');
  });

  it('the hunks rebuild the new text from the old (random texts)', () => {
    const line = fc.constantFrom('a', 'b', 'c', 'd', '');
    fc.assert(
      fc.property(fc.array(line, { maxLength: 30 }), fc.array(line, { maxLength: 30 }), (a, b) => {
        const before = a.join('\n') + '\n';
        const after = b.join('\n') + '\n';
        expect(patch(before, diffHunks(before, after, { context: 2 }))).toBe(after);
      }),
      { numRuns: 300 },
    );
  });

  it('a one-line change in a large file is quick', () => {
    const big = Array.from({ length: 200_000 }, (_, i) => `line ${i}`).join('\n');
    const started = performance.now();
    const hunks = diffHunks(big, big.replace('line 100000\n', 'line 100000\nnew\n'));
    expect(hunks).toEqual(['@@ -99999,6 +99999,7 @@', ' line 99998', ' line 99999', ' line 100000', '+new', ' line 100001', ' line 100002', ' line 100003']);
    expect(performance.now() - started).toBeLessThan(3000); // a guard against quadratic time (minutes), on a shared machine
  });
});

/** Apply hunks to a text (what `patch` does), to check them. */
function patch(text: string, hunks: string[]): string {
  const old = text.split('\n').slice(0, -1);
  const out: string[] = [];
  let at = 0;
  for (const h of hunks) {
    const m = /^@@ -(\d+),(\d+) \+\d+,\d+ @@$/.exec(h);
    if (m) {
      const start = Number(m[2]) === 0 ? Number(m[1]) : Number(m[1]) - 1;
      while (at < start) out.push(old[at++]);
      continue;
    }
    if (h.startsWith('+')) out.push(h.slice(1));
    else if (h.startsWith('-')) at++;
    else if (h.startsWith(' ')) {
      out.push(old[at++]);
    }
  }
  while (at < old.length) out.push(old[at++]);
  return out.join('\n') + '\n';
}
