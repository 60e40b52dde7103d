import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN } from './helpers/cli.js';
import { addMigration } from './helpers/history.js';

const temp = mkdtempSync(join(tmpdir(), 'ml-integrations-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));
const ENV = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t', NO_COLOR: '1' };
const BAD = 'CREATE INDEX CONCURRENTLY "users_email_idx" ON "users" USING btree ("email");';
const GOOD = 'ALTER TABLE "users" ADD COLUMN "nickname" text;';

/** A git repository holding a drizzle project (the safe fixture history), committed. */
function project(name: string): { dir: string; git: (...args: string[]) => string } {
  const dir = join(temp, name);
  cpSync('fixtures/projects/safe', dir, { recursive: true });
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8', env: ENV });
  git('init', '-q', '-b', 'main');
  git('add', '.');
  git('commit', '-qm', 'base', '--no-verify');
  return { dir, git };
}


function commit(dir: string, message: string) {
  const add = spawnSync('git', ['add', '.'], { cwd: dir, env: ENV });
  expect(add.status).toBe(0);
  return spawnSync('git', ['commit', '-qm', message], { cwd: dir, env: ENV, encoding: 'utf8' });
}

describe('pre-commit', () => {
  it('a plain git hook: a bad migration is refused with the finding printed, a good one is accepted', () => {
    const { dir } = project('git-hook');
    const hook = join(dir, '.git/hooks/pre-commit');
    writeFileSync(hook, `#!/bin/sh\nexec "${process.execPath}" "${BIN}" --staged\n`);
    chmodSync(hook, 0o755);

    addMigration(join(dir, 'drizzle'), '0004_email_index', BAD);
    const refused = commit(dir, 'bad');
    expect(refused.status).not.toBe(0);
    expect(refused.stdout + refused.stderr).toContain('concurrently-in-transaction');
    expect(refused.stdout + refused.stderr).toContain('drizzle/0004_email_index.sql');

    writeFileSync(join(dir, 'drizzle/0004_email_index.sql'), GOOD);
    const accepted = commit(dir, 'good');
    expect(accepted.status, accepted.stdout + accepted.stderr).toBe(0);
  });

  it.skipIf(spawnSync('pre-commit', ['--version']).status !== 0)('the pre-commit framework (repo: local hook), as documented in the README', () => {
    const { dir, git } = project('pre-commit');
    writeFileSync(
      join(dir, '.pre-commit-config.yaml'),
      [
        'repos:',
        '  - repo: local',
        '    hooks:',
        '      - id: migration-lint',
        '        name: migration-lint',
        `        entry: ${process.execPath} ${BIN} --staged`,
        '        language: system',
        '        pass_filenames: false',
        "        files: '(\\.sql|_journal\\.json|_snapshot\\.json)$'",
        '',
      ].join('\n'),
    );
    git('add', '.pre-commit-config.yaml');
    git('commit', '-qm', 'hook config', '--no-verify');
    execFileSync('pre-commit', ['install'], { cwd: dir, env: { ...ENV, PRE_COMMIT_HOME: join(temp, 'pc-home') } });
    addMigration(join(dir, 'drizzle'), '0004_email_index', BAD);
    const env = { ...ENV, PRE_COMMIT_HOME: join(temp, 'pc-home') };
    spawnSync('git', ['add', '.'], { cwd: dir, env });
    const refused = spawnSync('git', ['commit', '-qm', 'bad'], { cwd: dir, env, encoding: 'utf8' });
    expect(refused.status).not.toBe(0);
    expect(refused.stdout + refused.stderr).toContain('concurrently-in-transaction');
    writeFileSync(join(dir, 'drizzle/0004_email_index.sql'), GOOD);
    spawnSync('git', ['add', '.'], { cwd: dir, env });
    const accepted = spawnSync('git', ['commit', '-qm', 'good'], { cwd: dir, env, encoding: 'utf8' });
    expect(accepted.status, accepted.stdout + accepted.stderr).toBe(0);
  });

  it('.pre-commit-hooks.yaml declares the hook for remote use', () => {
    const yaml = readFileSync('.pre-commit-hooks.yaml', 'utf8');
    expect(yaml).toContain('id: migration-lint');
    expect(yaml).toContain('entry: migration-lint --staged');
    expect(yaml).toContain('pass_filenames: false');
  });
});

describe('GitHub Action (scripts/action/lint.sh in a simulated Actions environment)', () => {
  it('lints only the pull request migrations against GITHUB_BASE_REF, fetched from origin; annotations, step summary, SARIF', () => {
    // origin: a bare repository holding main; the checkout has only the PR branch (like a shallow PR checkout).
    const { dir: seed } = project('seed');
    const origin = join(temp, 'origin.git');
    execFileSync('git', ['clone', '-q', '--bare', seed, origin], { env: ENV });
    const work = join(temp, 'checkout');
    execFileSync('git', ['clone', '-q', '--single-branch', '--branch', 'main', `file://${origin}`, work], { env: ENV });
    const git = (...args: string[]) => execFileSync('git', args, { cwd: work, encoding: 'utf8', env: ENV });
    git('checkout', '-qb', 'pr');
    git('update-ref', '-d', 'refs/remotes/origin/main'); // the base is not in this clone yet
    addMigration(join(work, 'drizzle'), '0004_email_index', BAD);
    git('add', '.');
    git('commit', '-qm', 'pr');

    const summary = join(temp, 'step-summary.md');
    const output = join(temp, 'github-output');
    const run = spawnSync('bash', [resolve('scripts/action/lint.sh')], {
      cwd: work,
      encoding: 'utf8',
      env: { ...ENV, GITHUB_ACTIONS: 'true', GITHUB_BASE_REF: 'main', GITHUB_STEP_SUMMARY: summary, GITHUB_OUTPUT: output, RUNNER_TEMP: temp, ML_BIN: BIN, INPUT_SARIF: 'true', INPUT_ARGS: '--max-warnings 10' },
    });
    expect(run.status).toBe(1);
    // Errors only: the test migration copies the previous snapshot (like `generate --custom`), so snapshot-drift warns too.
    const annotations = run.stdout.split('\n').filter((l) => l.startsWith('::error'));
    expect(annotations).toHaveLength(1);
    expect(annotations[0]).toMatch(/^::error file=drizzle\/0004_email_index\.sql,line=1,.*title=concurrently-in-transaction::/);
    expect(readFileSync(summary, 'utf8')).toContain('| ❌ error | `drizzle/0004_email_index.sql:1` |');
    const sarifFile = /sarif-file=(.*)/.exec(readFileSync(output, 'utf8'))![1];
    expect(existsSync(sarifFile)).toBe(true);
    const results = JSON.parse(readFileSync(sarifFile, 'utf8')).runs[0].results;
    expect(results.filter((r: { level: string }) => r.level === 'error').map((r: { ruleId: string }) => r.ruleId)).toEqual(['concurrently-in-transaction']);
  });

  it('action.yml runs those scripts with the inputs', () => {
    const yaml = readFileSync('action.yml', 'utf8');
    expect(yaml).toContain('using: composite');
    expect(yaml).toContain('bash "$GITHUB_ACTION_PATH/scripts/action/install.sh"');
    expect(yaml).toContain('bash "$GITHUB_ACTION_PATH/scripts/action/lint.sh"');
    expect(yaml).toContain('github/codeql-action/upload-sarif');
  });
});
