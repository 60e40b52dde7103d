import { describe, expect, it } from 'vitest';
import rule from '../../src/rules/suppression-comment.js';
import concurrently from '../../src/rules/concurrently-in-transaction.js';
import { loadParser, parseMigration } from '../../src/engine/parse.js';
import { runEngine } from '../../src/engine/linter.js';

/** Suppressions need the suppressed rule too: run both and look at what is left. */
async function run(sql: string) {
  await loadParser();
  const { findings } = runEngine({
    migrations: [parseMigration({ tag: '0000_x', file: '0000_x.sql', text: sql })],
    rules: [rule, concurrently],
    settings: { pgVersion: 16, rules: {} },
  });
  return findings.map((f) => `${f.rule}/${f.messageId}@${f.line}`);
}

const BAD = 'CREATE INDEX CONCURRENTLY "i" ON "t" ("a");';

describe('suppression-comment and inline suppressions', () => {
  const cases: { name: string; sql: string; expected: string[] }[] = [
    { name: 'next-statement suppression with a reason hides the finding', sql: `-- migration-lint-ignore concurrently-in-transaction: run by psql outside migrate()\n${BAD}`, expected: [] },
    { name: 'it covers only the next statement', sql: `-- migration-lint-ignore concurrently-in-transaction: first one only\n${BAD}\n${BAD}`, expected: ['concurrently-in-transaction/inTransaction@3'] },
    { name: 'file-wide suppression', sql: `-- migration-lint-ignore-file concurrently-in-transaction: whole file runs with psql\n${BAD}\n${BAD}`, expected: [] },
    { name: 'several rules, comma separated', sql: `-- migration-lint-ignore parse-error, concurrently-in-transaction: reviewed\n${BAD}`, expected: ['suppression-comment/unknownRule@1'] },
    { name: 'no reason: suppresses nothing, and is reported', sql: `-- migration-lint-ignore concurrently-in-transaction\n${BAD}`, expected: ['suppression-comment/missingReason@1', 'concurrently-in-transaction/inTransaction@2'] },
    { name: 'unknown rule id', sql: `-- migration-lint-ignore concurently-in-transaction: typo\n${BAD}`, expected: ['suppression-comment/unknownRule@1', 'concurrently-in-transaction/inTransaction@2'] },
    { name: 'a suppression that suppresses nothing is a warning', sql: `-- migration-lint-ignore concurrently-in-transaction: stale\nCREATE INDEX "i" ON "t" ("a");`, expected: ['suppression-comment/unused@1'] },
    { name: 'the marker inside a string is not a directive', sql: `SELECT '-- migration-lint-ignore concurrently-in-transaction: no';\n${BAD}`, expected: ['concurrently-in-transaction/inTransaction@2'] },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const got = await run(c.sql);
      expect(got.sort()).toEqual([...c.expected].sort());
    });
  }

  it('an unused suppression is a warning, the others errors', async () => {
    await loadParser();
    const { findings } = runEngine({
      migrations: [parseMigration({ tag: 't', file: 't.sql', text: `-- migration-lint-ignore concurrently-in-transaction: stale\nSELECT 1;\n-- migration-lint-ignore nope: x\nSELECT 2;` })],
      rules: [rule, concurrently],
      settings: { pgVersion: 16, rules: {} },
    });
    expect(findings.map((f) => [f.messageId, f.severity])).toEqual([
      ['unused', 'warn'],
      ['unknownRule', 'error'],
    ]);
  });
});
