import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadParser, parseMigration } from '../src/engine/parse.js';
import { runEngine } from '../src/engine/linter.js';
import { lint } from '../src/index.js';
import { formatSkips } from '../src/cli/main.js';
import { ruleList } from '../src/rules/index.js';
import { runCli } from './helpers/cli.js';
import { addMigration } from './helpers/history.js';

/**
 * Young tables (src/engine/table-age.ts): lock and scan findings on a table created a few days
 * before, or in the change under review, are left out, and `--explain-skips` says which and why.
 * The rules' own cases are in test/rules/*.test.ts (`days`, `underReview`).
 */
const FIXTURE = 'fixtures/projects/young-tables/drizzle';

beforeAll(() => loadParser());

describe('young-tables fixture (real drizzle-kit: bills created 2 hours before, renamed since; orders 30 days before)', () => {
  it('reports the locks on "orders" and leaves out those on "bills", saying why', async () => {
    const result = await lint({ paths: [FIXTURE], explainSkips: true });
    expect(result.findings.map((f) => `${f.rule}@${f.migration}:${f.line}`)).toEqual(['set-not-null@0003_indexes_and_constraints:2', 'index-not-concurrent@0003_indexes_and_constraints:5']);
    expect(result.skips?.map((s) => `${s.rule}@${s.line}`)).toEqual(['set-not-null@1', 'foreign-key-not-valid@3', 'index-not-concurrent@4', 'unique-constraint-lock@6']);
    for (const s of result.skips ?? []) {
      expect(s.reason).toBe('"bills" is young: it was created in 0001_invoices (as "invoices"), 2 hours before this migration (young tables are small: recentTableDays is 14)');
      expect(s.message).toContain('"bills"');
    }
  });

  it('recentTableDays 0 turns the window off: everything is reported', async () => {
    const result = await lint({ paths: [FIXTURE], lintConfig: { recentTableDays: 0 }, explainSkips: true });
    // Six statements, four rules: the two SET NOT NULLs and the two indexes are one finding each (related locations).
    expect(result.findings.filter((f) => f.migration === '0003_indexes_and_constraints').map((f) => `${f.rule}@${f.line}+${(f.related ?? []).map((r) => r.line).join(',')}`)).toEqual([
      'set-not-null@1+2',
      'foreign-key-not-valid@3+',
      'index-not-concurrent@4+5',
      'unique-constraint-lock@6+',
    ]);
    expect(result.skips).toEqual([]);
  });

  it('a run without explainSkips keeps no skips', async () => {
    expect((await lint({ paths: [FIXTURE] })).skips).toBeUndefined();
  });

  it('CLI: --explain-skips writes them to stderr; the report on stdout is unchanged', () => {
    const plain = runCli([FIXTURE, '--format', 'json']);
    const explained = runCli([FIXTURE, '--format', 'json', '--explain-skips']);
    expect(explained.stdout).toBe(plain.stdout);
    expect(explained.code).toBe(plain.code);
    expect(explained.stderr).toContain(`skipped ${FIXTURE}/0003_indexes_and_constraints.sql:4:1 index-not-concurrent: "bills" is young: it was created in 0001_invoices`);
    expect(explained.stderr).toContain('  would have said: CREATE INDEX "bills_created_at_idx" on existing table "bills"');
    expect(explained.stderr).toMatch(/migration-lint: 4 findings left out\n$/);
    expect(plain.stderr).toBe('');
  });
});

describe('--explain-skips output', () => {
  it('escapes control characters from the repository, and every line starts with "skipped", two spaces or "migration-lint:"', () => {
    const text = formatSkips([{ rule: 'index-not-concurrent', file: 'a\x1b[31m.sql', line: 1, column: 1, migration: 'a', message: 'CREATE INDEX on "t\n::error::x"', reason: '"t\r" is young' }]);
    expect(text).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f]/);
    for (const line of text.trimEnd().split('\n')) expect(line).toMatch(/^(skipped |  would have said: |migration-lint: )/);
    expect(text).toContain('a\\x1b[31m.sql');
    // The same escaping as every other output (formatters/safe-text.ts): bidi controls, and no ##[ command.
    const hostile = formatSkips([{ rule: 'index-not-concurrent', file: 'a.sql', line: 1, column: 1, migration: 'a', message: 'CREATE INDEX on "t\u202e ##[add-mask]x"', reason: '"t\u2028" is young' }]);
    expect(hostile).toContain('"t\\u202e #\\x23[add-mask]x"');
    expect(hostile).toContain('"t\\u2028" is young');
    expect(hostile).not.toMatch(/[\u202e\u2028]|##\[/);
    expect(formatSkips([])).toBe('migration-lint: no finding left out\n');
  });
});

describe('a suppression comment for a finding left out is not "unused"', () => {
  it('the comment may sit in a migration already applied, which cannot be edited', async () => {
    const day = 86_400_000;
    const migrations = [
      'CREATE TABLE "posts" ("id" serial PRIMARY KEY, "title" text);',
      '-- migration-lint-ignore index-not-concurrent: small table\nCREATE INDEX "posts_title_idx" ON "posts" ("title");',
    ].map((text, i) => parseMigration({ tag: `000${i}_m`, file: `000${i}_m.sql`, text, when: i * day }));
    const { findings } = runEngine({ migrations, rules: ruleList, settings: { pgVersion: 16, rules: {} } });
    expect(findings.map((f) => f.rule)).toEqual([]);
  });
});

describe('--since: the tables the change creates are young in its later migrations', () => {
  const temp = mkdtempSync(join(tmpdir(), 'ml-young-'));
  const repo = join(temp, 'app');
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });
  afterAll(() => rmSync(temp, { recursive: true, force: true }));

  it('an index on a table of the pull request is left out; one on a table of the base branch is reported', () => {
    cpSync('fixtures/projects/safe', repo, { recursive: true });
    git('init', '-q', '-b', 'main');
    git('add', '.');
    git('commit', '-qm', 'base');
    git('checkout', '-qb', 'feature');
    addMigration(join(repo, 'drizzle'), '0004_invoices', 'CREATE TABLE "invoices" ("id" serial PRIMARY KEY NOT NULL, "number" text);');
    addMigration(join(repo, 'drizzle'), '0005_indexes', 'CREATE INDEX "invoices_number_idx" ON "invoices" ("number");--> statement-breakpoint\nCREATE INDEX "users_created_at_idx" ON "users" ("created_at");');
    git('add', '.');
    git('commit', '-qm', 'invoices');
    const r = runCli(['--since', 'main', '--format', 'json', '--explain-skips', '--rule', 'snapshot-drift=off'], { cwd: repo });
    const doc = JSON.parse(r.stdout) as { findings: { rule: string; line: number }[] };
    expect(doc.findings.map((f) => `${f.rule}@${f.line}`)).toEqual(['index-not-concurrent@2']);
    expect(r.stderr).toContain('index-not-concurrent: "invoices" is young: it is created in 0004_invoices, part of the change under review');
  });
});
