import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN } from './helpers/cli.js';
import { addMigration, gitInit } from './helpers/history.js';
import { installedCopy } from './helpers/installed.js';

/** `migration-lint init` in temp git repositories holding a drizzle project. */
const temp = mkdtempSync(join(tmpdir(), 'ml-init-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));
const ENV = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t', GIT_CONFIG_GLOBAL: '/dev/null', NO_COLOR: '1' };

function init(cwd: string, args: string[] = ['--yes'], input?: string) {
  const r = spawnSync(process.execPath, [BIN, 'init', ...args], { cwd, env: ENV, encoding: 'utf8', input: input ?? '' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The safe fixture project in a git repository (optionally in a subfolder: a monorepo package). */
function repo(name: string, setup: (root: string) => void = () => undefined, sub = ''): { root: string; dir: string } {
  const root = join(temp, name);
  const dir = join(root, sub);
  mkdirSync(dir, { recursive: true });
  cpSync('fixtures/projects/safe', dir, { recursive: true });
  setup(root);
  gitInit(root);
  return { root, dir };
}

const read = (file: string) => readFileSync(file, 'utf8');

describe('migration-lint init', () => {
  it('plain git: the config (startAfter the newest migration), an executable hook and a workflow; the hook refuses a bad commit; a second run changes nothing', () => {
    const { root } = repo('plain');
    const r = init(root);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(JSON.parse(read(join(root, 'migration-lint.config.json')))).toEqual({ startAfter: '0003_projects', rules: {} });
    const hook = join(root, '.git/hooks/pre-commit');
    expect(read(hook)).toContain('exec npx --no-install migration-lint --staged\n');
    expect(statSync(hook).mode & 0o111).not.toBe(0);
    const workflow = read(join(root, '.github/workflows/migration-lint.yml'));
    expect(workflow).toContain('fetch-depth: 0');
    expect(workflow).toContain('- run: npx --no-install migration-lint --since origin/${{ github.base_ref }}');
    expect(r.stdout).toContain('wrote .git/hooks/pre-commit');

    // The hook works: migration-lint installed in the project, a bad migration refused, a good one accepted.
    const { bin } = installedCopy(root);
    mkdirSync(join(root, 'node_modules/.bin'), { recursive: true });
    symlinkSync(bin, join(root, 'node_modules/.bin/migration-lint'));
    writeFileSync(join(root, '.gitignore'), 'node_modules/\n');
    addMigration(join(root, 'drizzle'), '0004_index', 'CREATE INDEX CONCURRENTLY "users_email_idx" ON "users" USING btree ("email");');
    execFileSync('git', ['add', '-A'], { cwd: root, env: ENV });
    const refused = spawnSync('git', ['commit', '-qm', 'bad'], { cwd: root, env: ENV, encoding: 'utf8' });
    expect(refused.status).not.toBe(0);
    expect(refused.stdout + refused.stderr).toContain('concurrently-in-transaction');
    writeFileSync(join(root, 'drizzle/0004_index.sql'), 'ALTER TABLE "users" ADD COLUMN "nickname" text;');
    execFileSync('git', ['add', '-A'], { cwd: root, env: ENV });
    const accepted = spawnSync('git', ['commit', '-qm', 'good'], { cwd: root, env: ENV, encoding: 'utf8' });
    expect(accepted.status, accepted.stdout + accepted.stderr).toBe(0);

    const before = [read(join(root, 'migration-lint.config.json')), read(hook), workflow];
    const again = init(root);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('Nothing to write.');
    expect(again.stdout).toContain('migration-lint.config.json: a migration-lint config is already there; left as it is');
    expect([read(join(root, 'migration-lint.config.json')), read(hook), read(join(root, '.github/workflows/migration-lint.yml'))]).toEqual(before);
  });

  it('asks before each file: y writes, n skips, a closed stdin writes nothing', () => {
    const { root } = repo('ask');
    const r = init(root, [], 'y\nn\n');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Create migration-lint.config.json: startAfter 0003_projects');
    expect(r.stdout).toContain('Write .git/hooks/pre-commit? [y/N] skipped .git/hooks/pre-commit');
    expect(r.stdout).toContain('no answer (stdin closed): .github/workflows/migration-lint.yml not written; pass --yes to write without asking');
    expect(existsSync(join(root, 'migration-lint.config.json'))).toBe(true);
    expect(existsSync(join(root, '.git/hooks/pre-commit'))).toBe(false);
    expect(existsSync(join(root, '.github/workflows/migration-lint.yml'))).toBe(false);
  });

  it('an existing plain git hook is never edited: the line to add is printed', () => {
    const { root } = repo('own-hook');
    writeFileSync(join(root, '.git/hooks/pre-commit'), '#!/bin/sh\nexec make check\n');
    const r = init(root);
    expect(read(join(root, '.git/hooks/pre-commit'))).toBe('#!/bin/sh\nexec make check\n');
    expect(r.stdout).toContain('a pre-commit hook is already there; migration-lint does not edit it');
    expect(r.stdout).toContain('│ npx --no-install migration-lint --staged');
  });

  it('husky: a line added to .husky/pre-commit, the rest kept', () => {
    const { root } = repo('husky', (r) => {
      mkdirSync(join(r, '.husky'));
      writeFileSync(join(r, '.husky/pre-commit'), 'npm test');
    });
    init(root);
    expect(read(join(root, '.husky/pre-commit'))).toBe('npm test\nnpx --no-install migration-lint --staged\n');
    expect(existsSync(join(root, '.git/hooks/pre-commit'))).toBe(false);
  });

  it('lefthook: a pre-commit section added; a file that has one is left alone, with the command to add printed', () => {
    const { root } = repo('lefthook', (r) => writeFileSync(join(r, 'lefthook.yml'), 'pre-push:\n  commands:\n    test:\n      run: npm test\n'));
    init(root);
    expect(read(join(root, 'lefthook.yml'))).toBe('pre-push:\n  commands:\n    test:\n      run: npm test\npre-commit:\n  commands:\n    migration-lint:\n      glob: "*.{sql,json}"\n      run: npx --no-install migration-lint --staged\n');
    const own = repo('lefthook-own', (r) => writeFileSync(join(r, 'lefthook.yml'), 'pre-commit:\n  commands:\n    lint:\n      run: npm run lint\n'));
    const r = init(own.root);
    expect(read(join(own.root, 'lefthook.yml'))).toBe('pre-commit:\n  commands:\n    lint:\n      run: npm run lint\n');
    expect(r.stdout).toContain('add this under pre-commit: commands: by hand');
  });

  it('pre-commit: a local hook added to repos (a valid config); repos not last: printed, not edited', () => {
    const { root } = repo('pre-commit', (r) => writeFileSync(join(r, '.pre-commit-config.yaml'), 'fail_fast: false\nrepos:\n  - repo: local\n    hooks:\n      - id: nothing\n        name: nothing\n        entry: "true"\n        language: system\n'));
    init(root);
    const yaml = read(join(root, '.pre-commit-config.yaml'));
    expect(yaml).toContain('\n  - repo: local\n    hooks:\n      - id: migration-lint\n        name: migration-lint\n        entry: npx --no-install migration-lint --staged\n        language: system\n        pass_filenames: false\n');
    if (spawnSync('pre-commit', ['--version']).status === 0) {
      const valid = spawnSync('pre-commit', ['validate-config', '.pre-commit-config.yaml'], { cwd: root, encoding: 'utf8' });
      expect(valid.status, valid.stdout + valid.stderr).toBe(0);
    }
    const last = repo('pre-commit-last', (r) => writeFileSync(join(r, '.pre-commit-config.yaml'), 'repos: []\nfail_fast: true\n'));
    const r = init(last.root);
    expect(read(join(last.root, '.pre-commit-config.yaml'))).toBe('repos: []\nfail_fast: true\n');
    expect(r.stdout).toContain('add this item to its repos: list by hand');
  });

  it('a monorepo package: the hook and the workflow run in its folder', () => {
    const { root, dir } = repo('mono', (r) => writeFileSync(join(r, 'package-lock.json'), '{}'), 'packages/db');
    init(dir);
    expect(read(join(root, '.git/hooks/pre-commit'))).toContain('cd packages/db || exit 1\nexec npx --no-install migration-lint --staged\n');
    const workflow = read(join(root, '.github/workflows/migration-lint.yml'));
    expect(workflow).toContain('- run: npm ci\n');
    expect(workflow).toContain('- run: npx --no-install migration-lint --since origin/${{ github.base_ref }}\n        working-directory: packages/db\n');
    expect(existsSync(join(dir, 'migration-lint.config.json'))).toBe(true);
  });

  it('outside a drizzle project: exit 2 saying where to run it', () => {
    const dir = join(temp, 'empty');
    mkdirSync(dir);
    const r = init(dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^migration-lint: init: no drizzle\.config\.\{ts,mts,js,mjs,cjs,json\} in .*\n  hint: run migration-lint init in the folder holding drizzle\.config\.ts\n$/);
  });
});
