import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineRule } from '../src/engine/define-rule.js';
import { runEngine } from '../src/engine/linter.js';
import { loadParser, parseMigration } from '../src/engine/parse.js';
import type { Severity } from '../src/engine/types.js';
import { runCli } from './helpers/cli.js';

/**
 * One root cause, one finding (src/engine/groups.ts): the reports of a rule that share a group in
 * one migration become one finding at the first one's place, the others its related locations;
 * every output format shows them.
 */
const probe = defineRule({
  id: 'probe',
  meta: {
    description: 'test rule',
    category: 'locking',
    defaultSeverity: 'error',
    messages: { one: 'one {name}', many: '{count} of them ({items}) on {all:table}{all:note}' },
    help: { many: 'do:\n{all:sql}' },
  },
  check({ statement, report }) {
    if (statement.kind !== 'IndexStmt') return;
    const name: string = statement.ast.idxname;
    const table: string = statement.ast.relation.relname;
    const lowered: Severity | undefined = name.includes('low') ? 'warn' : undefined;
    report({
      messageId: 'one',
      data: { name, table, note: name.includes('unique') ? ' (unique)' : '', sql: `build ${name};` },
      help: `build ${name};`,
      ...(lowered ? { severity: lowered } : {}),
      group: { key: table === 'solo' ? 'solo' : 'all', messageId: 'many', item: name },
    });
  },
});

beforeAll(() => loadParser());

function run(sql: string) {
  const migration = parseMigration({ tag: '0000_m', file: '0000_m.sql', text: sql });
  return runEngine({ migrations: [migration], rules: [probe], settings: { pgVersion: 16, rules: {} } }).findings;
}

describe('groups (engine)', () => {
  it('merge into the first report: count, items, {all:…} distinct and non-empty, help a line each, the rest as related locations', () => {
    const findings = run('CREATE INDEX "a" ON "t" ("x");\nCREATE INDEX "b_unique" ON "u" ("x");\nCREATE INDEX "c" ON "t" ("y");\nCREATE INDEX "d" ON "solo" ("x");');
    expect(findings.map((f) => [f.messageId, f.line, f.message, f.help, f.related?.map((r) => [r.line, r.message])])).toEqual([
      ['many', 1, '3 of them (a, b_unique, c) on t, u (unique)', 'do:\nbuild a;\nbuild b_unique;\nbuild c;', [[2, 'b_unique'], [3, 'c']]],
      ['one', 4, 'one d', 'build d;', undefined],
    ]);
    expect(findings[0].statement).toBe('CREATE INDEX "a" ON "t" ("x");');
  });

  it('a merged finding is a warning only when every member was lowered to one', () => {
    expect(run('CREATE INDEX "low1" ON "t" ("x");\nCREATE INDEX "low2" ON "t" ("y");').map((f) => f.severity)).toEqual(['warn']);
    expect(run('CREATE INDEX "low1" ON "t" ("x");\nCREATE INDEX "high" ON "t" ("y");').map((f) => f.severity)).toEqual(['error']);
  });

  it('groups never span migrations', () => {
    const migrations = ['CREATE INDEX "a" ON "t" ("x");', 'CREATE INDEX "b" ON "t" ("x");'].map((text, i) => parseMigration({ tag: `000${i}_m`, file: `000${i}_m.sql`, text }));
    const { findings } = runEngine({ migrations, rules: [probe], settings: { pgVersion: 16, rules: {} } });
    expect(findings.map((f) => `${f.migration}:${f.messageId}`)).toEqual(['0000_m:one', '0001_m:one']);
  });

  it('a lowered severity survives a rule set to error (a foreign key on a column just added cannot fail)', async () => {
    const { ruleList } = await import('../src/rules/index.js');
    const migrations = ['CREATE TABLE "users" ("id" serial PRIMARY KEY);\nCREATE TABLE "posts" ("id" serial PRIMARY KEY);', 'ALTER TABLE "posts" ADD COLUMN "editor_id" integer;\nALTER TABLE "posts" ADD CONSTRAINT "posts_editor_fk" FOREIGN KEY ("editor_id") REFERENCES "users"("id");'].map((text, i) =>
      parseMigration({ tag: `000${i}_m`, file: `000${i}_m.sql`, text }),
    );
    const { findings } = runEngine({ migrations, rules: ruleList, settings: { pgVersion: 16, rules: { 'foreign-key-not-valid': 'error' } } });
    expect(findings.filter((f) => f.rule === 'foreign-key-not-valid').map((f) => `${f.messageId}:${f.severity}`)).toEqual(['newColumn:warn']);
  });
});

describe('related locations in every format (real binary)', () => {
  const require = createRequire(import.meta.url);
  const temp = mkdtempSync(join(tmpdir(), 'ml-groups-'));
  afterAll(() => rmSync(temp, { recursive: true, force: true }));
  // The young-tables fixture with the window off: two SET NOT NULLs (lines 1, 2) and two indexes (4, 5) in one migration.
  const folder = resolve('fixtures/projects/young-tables/drizzle');
  const file = join(folder, '0003_indexes_and_constraints.sql');
  writeFileSync(join(temp, 'migration-lint.config.json'), JSON.stringify({ recentTableDays: 0 }));
  const cli = (format: string) => runCli([folder, '--format', format], { cwd: temp });

  it('json: `related`, an array on every finding', () => {
    const doc = JSON.parse(cli('json').stdout);
    expect(doc.version).toBe(1);
    const index = doc.findings.find((f: { rule: string }) => f.rule === 'index-not-concurrent');
    expect(index.related).toEqual([{ file, line: 5, column: 1, endLine: 5, endColumn: index.related[0].endColumn, message: '"orders_created_at_idx" on "orders"' }]);
    expect(doc.findings.every((f: { related: unknown }) => Array.isArray(f.related))).toBe(true);
  });

  it('sarif: relatedLocations, valid SARIF 2.1.0', () => {
    const log = JSON.parse(cli('sarif').stdout);
    const Ajv = require('ajv');
    const ajv = new Ajv({ allErrors: true, schemaId: 'auto', jsonPointers: true });
    try {
      ajv.addMetaSchema(require('ajv/lib/refs/json-schema-draft-04.json'));
    } catch {
      // already known
    }
    expect(ajv.validate(require('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), log)).toBe(true);
    const result = log.runs[0].results.find((r: { ruleId: string }) => r.ruleId === 'set-not-null');
    expect(result.relatedLocations).toEqual([{ id: 1, physicalLocation: { artifactLocation: { uri: file }, region: { startLine: 2, startColumn: 35, endLine: 2, endColumn: 43 } }, message: { text: '"orders"."status"' } }]);
  });

  it('pretty, compact, github and gitlab name the other places', () => {
    expect(cli('pretty').stdout).toContain('    also 5:1  "orders_created_at_idx" on "orders"');
    expect(cli('compact').stdout).toMatch(/:4:1: warn index-not-concurrent This migration builds 2 indexes .* \(also at 5:1\)\n/);
    expect(cli('github').stdout).toContain('%0A%0AAlso at: line 5 ("orders_created_at_idx" on "orders")');
    const gitlab = JSON.parse(cli('gitlab').stdout);
    expect(gitlab.find((i: { check_name: string }) => i.check_name === 'index-not-concurrent').description).toMatch(/\(also at 5:1\)$/);
  });
});
