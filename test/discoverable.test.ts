import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { closestIds } from '../src/engine/did-you-mean.js';
import { ruleList } from '../src/rules/index.js';

const temp = mkdtempSync(join(tmpdir(), 'ml-discoverable-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

describe('what a new user finds', () => {
  it('--help lists every command: rules, explain, verify, lock, baseline, init', () => {
    const help = runCli(['--help']).stdout;
    for (const command of ['rules', 'explain <rule>', 'verify', 'lock', 'baseline --database-url URL', 'init']) expect(help).toContain(`  migration-lint ${command} `);
    expect(help).toContain('--output-file FILE');
    for (const command of ['verify', 'lock', 'baseline', 'init']) expect(runCli([command, '--help']).stdout).toMatch(new RegExp(`^Usage: migration-lint ${command}`));
  });

  it('`rules`: the columns line up under their headers', () => {
    const lines = runCli(['rules']).stdout.split('\n\n')[0].split('\n');
    const header = lines[0];
    const at = (name: string) => header.indexOf(name);
    for (const line of lines.slice(1)) {
      expect(line[at('category') - 1]).toBe(' ');
      expect(line[at('category')]).not.toBe(' ');
      expect(line.slice(at('default'), at('description')).trim()).toMatch(/^(off|warn|error)$/);
      expect(line[at('description')]).not.toBe(' ');
      expect(line[at('description') - 1]).toBe(' ');
    }
  });

  it('"did you mean" for an unknown rule in --rule and in a suppression comment', () => {
    const flag = runCli(['examples/shop/drizzle', '--rule', 'drop-colum=off']);
    expect([flag.code, flag.stderr.split('\n')[0]]).toEqual([2, 'migration-lint: --rule: unknown rule "drop-colum" (did you mean drop-column?)']);
    const dir = join(temp, 'suppress');
    writeFileSync(join(temp, 'x.sql'), '-- migration-lint-ignore concurently-in-transaction: built before deploy\nCREATE INDEX CONCURRENTLY "i" ON "t" ("x");');
    const r = runCli([join(temp, 'x.sql'), '--format', 'json'], { cwd: temp });
    const finding = (JSON.parse(r.stdout) as { findings: { rule: string; message: string }[] }).findings.find((f) => f.rule === 'suppression-comment')!;
    expect(finding.message).toBe('migration-lint-ignore names "concurently-in-transaction", which is not a migration-lint rule (did you mean concurrently-in-transaction?).');
    void dir;
  });

  it('closestIds: typos, swapped letters, a missing word; nothing for something else entirely', () => {
    const ids = ruleList.map((r) => r.id);
    expect(closestIds('hash-drfit', ids)).toEqual(['hash-drift']);
    expect(closestIds('concurrently', ids)).toEqual(['concurrently-in-transaction']);
    expect(closestIds('not-null-no-default', ids)).toContain('not-null-without-default');
    expect(closestIds('banana', ids)).toEqual([]);
  });

  it('--output-file FILE: the whole report in the file, nothing on stdout, the exit code of the lint; a run that fails leaves no file', () => {
    const file = join(temp, 'report.sarif');
    const r = runCli(['examples/shop/drizzle', '--format', 'sarif', '--output-file', file]);
    expect([r.code, r.stdout, r.stderr]).toEqual([1, '', '']);
    const sarif = JSON.parse(readFileSync(file, 'utf8'));
    expect(sarif.runs[0].results.length).toBeGreaterThan(0);
    expect(runCli(['examples/shop/drizzle', '--format', 'json', '-o', file]).code).toBe(1);
    expect(JSON.parse(readFileSync(file, 'utf8')).summary.migrations).toBe(6);
    const failed = join(temp, 'failed.json');
    const broken = runCli([join(temp, 'no-such-folder'), '--format', 'json', '--output-file', failed]);
    expect(broken.code).toBe(2);
    expect(existsSync(failed)).toBe(false);
    const nowhere = runCli(['examples/shop/drizzle', '--output-file', join(temp, 'missing-dir', 'r.txt')]);
    expect([nowhere.code, nowhere.stderr]).toEqual([2, `migration-lint: --output-file ${join(temp, 'missing-dir', 'r.txt')}: cannot write there (ENOENT)\n`]);
  });

  it('a single removed enum value: "still holds it", not "one of them"', () => {
    const r = runCli(['examples/shop/drizzle', '--format', 'json']);
    const finding = (JSON.parse(r.stdout) as { findings: { rule: string; message: string }[] }).findings.find((f) => f.rule === 'enum-recreate')!;
    expect(finding.message).toContain("without 'refunded': the migration fails with `invalid input value for enum` if any row of orders.status still holds it.");
  });

  it('counts of one in the singular: "review (1 migration)", "context (1 migration)", "seeded 1 of 1 table", "1 warning exceeds"', () => {
    writeFileSync(join(temp, 'one.sql'), 'CREATE TABLE "t" ("id" integer);');
    writeFileSync(join(temp, 'two.sql'), 'CREATE TABLE "u" ("id" integer);');
    writeFileSync(join(temp, 'migration-lint.config.json'), JSON.stringify({ startAfter: 'one' }));
    const r = runCli(['verify', '--no-color', 'one.sql', 'two.sql'], { cwd: temp, timeout: 120_000 });
    rmSync(join(temp, 'migration-lint.config.json'));
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toMatch(/ · context \(1 migration\) .* · review \(1 migration\) /);
    expect(r.stdout).toMatch(/^seeded 1 of 1 table with \d+ rows$/m);
    // --max-warnings: one warning over the limit.
    const folder = join(temp, 'one-warning');
    mkdirSync(folder);
    writeFileSync(join(folder, 'V1__orders.sql'), 'CREATE TABLE "orders" ("id" int);');
    writeFileSync(join(folder, 'V2__orders_index.sql'), 'CREATE INDEX "orders_id_idx" ON "orders" ("id");');
    const warned = runCli([folder, '--max-warnings', '0', '--format', 'compact']);
    expect([warned.code, warned.stderr]).toEqual([1, 'migration-lint: 1 warning exceeds --max-warnings 0\n']);
  }, 120_000);
});
