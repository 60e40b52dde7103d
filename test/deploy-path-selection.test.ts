import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { lint } from '../src/runner/lint.js';
import { runCli } from './helpers/cli.js';

/**
 * The deploy-path rules in --staged and --since runs: they run when the app's files changed, and
 * only then. Each case has a repository of its own (a process asks git for the staged files once).
 */
describe('deploy-path rules with --staged / --since', () => {
  let dir: string;
  const dirs: string[] = [];
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });
  const deployRules = async (options: { staged?: boolean; since?: string }, rule = 'migrate-without-lock') =>
    (await lint({ cwd: dir, ...options, env: {} })).findings.filter((f) => f.rule === rule).map((f) => f.file);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ml-deploy-'));
    cpSync('fixtures/projects/deploy-path/drizzle', join(dir, 'drizzle'), { recursive: true });
    cpSync('fixtures/projects/deploy-path/drizzle.config.ts', join(dir, 'drizzle.config.ts'));
    writeFileSync(join(dir, 'README.md'), 'app\n');
    cpSync('fixtures/projects/deploy-path/app/right/node-postgres-client.ts', join(dir, 'src/migrate.ts'));
    git('init', '-q', '-b', 'main');
    git('add', '.');
    git('commit', '-qm', 'base');
    dirs.push(dir);
  });
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('a commit of other files does not run them', async () => {
    writeFileSync(join(dir, 'README.md'), 'app, documented\n');
    git('add', 'README.md');
    expect(await deployRules({ staged: true })).toEqual([]);
  });

  it('a staged migrate script runs them on its staged content (not the working copy)', async () => {
    cpSync('fixtures/projects/deploy-path/app/wrong/node-postgres-no-lock.ts', join(dir, 'src/migrate.ts'));
    git('add', 'src/migrate.ts');
    // The working copy is fixed again, unstaged: the staged (broken) content is what is linted.
    cpSync('fixtures/projects/deploy-path/app/right/node-postgres-client.ts', join(dir, 'src/migrate.ts'));
    expect(await deployRules({ staged: true })).toEqual(['src/migrate.ts']);
  });

  it('the pre-commit hook (the real CLI): a staged migrate script is linted; a staged source file about something else takes the quick path', () => {
    writeFileSync(join(dir, 'src/format.ts'), 'export const money = (n: number) => n.toFixed(2);\n');
    git('add', 'src/format.ts');
    const other = runCli(['--staged'], { cwd: dir, env: { MIGRATION_LINT_TIMINGS: '1' } });
    expect(other.code).toBe(0);
    expect(other.stderr).toContain('the linter not loaded');
    cpSync('fixtures/projects/deploy-path/app/wrong/node-postgres-no-lock.ts', join(dir, 'src/migrate.ts'));
    git('add', 'src/migrate.ts');
    const r = runCli(['--staged', '--format', 'json'], { cwd: dir });
    expect(r.code).toBe(0); // a warning
    expect((JSON.parse(r.stdout) as { findings: { rule: string; file: string }[] }).findings.map((f) => [f.rule, f.file])).toEqual([['migrate-without-lock', 'src/migrate.ts']]);
    const pretty = runCli(['--staged'], { cwd: dir });
    expect(pretty.stdout).toContain('migrate-without-lock');
  });

  it('--since runs them when an app file changed since the base, and not otherwise', async () => {
    git('checkout', '-qb', 'feature');
    writeFileSync(join(dir, 'README.md'), 'app, documented again\n');
    git('commit', '-qam', 'docs');
    expect(await deployRules({ since: 'main' })).toEqual([]);
    cpSync('fixtures/projects/deploy-path/app/wrong/node-postgres-no-lock.ts', join(dir, 'src/boot.ts'));
    git('add', '.');
    git('commit', '-qm', 'boot migrates');
    expect(await deployRules({ since: 'main' })).toEqual(['src/boot.ts']);
  });

  it('--since: a change to drizzle.config.ts alone re-checks the unchanged migrate script against it', async () => {
    git('checkout', '-qb', 'feature');
    writeFileSync(join(dir, 'drizzle.config.ts'), "import { defineConfig } from 'drizzle-kit';\nexport default defineConfig({ dialect: 'postgresql', schema: './schema.ts', out: './drizzle', migrations: { table: 'app_migrations' } });\n");
    git('commit', '-qam', 'own bookkeeping table');
    expect(await deployRules({ since: 'main' }, 'migrator-config-mismatch')).toEqual(['src/migrate.ts']);
  });

  it('--staged: a staged Dockerfile alone runs them (bunx drizzle-kit migrate)', async () => {
    writeFileSync(join(dir, 'Dockerfile'), 'FROM oven/bun:1.3\nCMD ["bunx", "drizzle-kit", "migrate"]\n');
    git('add', 'Dockerfile');
    expect(await deployRules({ staged: true }, 'drizzle-kit-migrate-under-bun')).toEqual(['Dockerfile']);
  });
});
