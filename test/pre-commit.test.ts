import { execFileSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { addMigration, gitInit } from './helpers/history.js';

/**
 * The pre-commit hook (`--staged`) in temp git repositories holding a drizzle project: HEAD is
 * the base a commit is compared with.
 */
const temp = mkdtempSync(join(tmpdir(), 'ml-pre-commit-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

type Doc = { findings: { rule: string; migration: string; message: string; help: string | null; severity: string }[]; summary: { migrations: number } };
const json = (stdout: string) => JSON.parse(stdout) as Doc;

/** The example project committed in a repository of its own. */
function repo(name: string): { dir: string; git: (...args: string[]) => string } {
  const dir = join(temp, name);
  cpSync('fixtures/projects/safe', dir, { recursive: true });
  return { dir, git: gitInit(dir) };
}

/** --staged's findings of one rule, with the exit code. */
function stagedFindings(dir: string, rule: string): { code: number | null; found: Doc['findings'] } {
  const r = runCli(['--staged', '--format', 'json'], { cwd: dir });
  return { code: r.code, found: json(r.stdout).findings.filter((f) => f.rule === rule) };
}

/** One journal-files error on `migration`, with this message and help; a second run after `git add -A` passes. */
function expectUnstaged(dir: string, git: (...args: string[]) => string, migration: string, message: string, help: string): void {
  const { code, found } = stagedFindings(dir, 'journal-files');
  expect([code, found.map((f) => [f.migration, f.severity, f.message, f.help])]).toEqual([1, [[migration, 'error', message, help]]]);
  git('add', '-A');
  expect(runCli(['--staged'], { cwd: dir }).code).toBe(0);
}

describe('--staged compares with HEAD', () => {
  it('a staged edit to a migration committed at HEAD is hash-drift, without a lock file; the working tree is not what is checked', () => {
    const { dir, git } = repo('edit');
    const file = join(dir, 'drizzle/0001_profile_and_plan_columns.sql');
    appendFileSync(file, '--> statement-breakpoint\nALTER TABLE "users" ADD COLUMN "bio" text;');
    // Not staged yet: the commit does not change it.
    expect(runCli(['--staged'], { cwd: dir }).code).toBe(0);
    git('add', 'drizzle/0001_profile_and_plan_columns.sql');
    const r = runCli(['--staged', '--format', 'json'], { cwd: dir });
    expect(r.code).toBe(1);
    const drift = json(r.stdout).findings.filter((f) => f.rule === 'hash-drift');
    expect(drift.map((f) => [f.migration, f.severity])).toEqual([['0001_profile_and_plan_columns', 'error']]);
    expect(drift[0].message).toContain('0001_profile_and_plan_columns.sql changed after it was recorded (at git HEAD)');
    expect(drift[0].message).toContain('Statements added 1: "ALTER TABLE \\"users\\" ADD COLUMN \\"bio\\" text;"');
    expect(drift[0].help).toMatch(/git checkout [0-9a-f]{12} -- drizzle\/0001_profile_and_plan_columns\.sql/);
  });

  it('a migration added in this commit is new, not drift; edited again before committing, still new', () => {
    const { dir, git } = repo('new');
    addMigration(join(dir, 'drizzle'), '0004_bio', 'ALTER TABLE "users" ADD COLUMN "bio" text;');
    git('add', '-A');
    const first = runCli(['--staged', '--format', 'json'], { cwd: dir });
    expect(json(first.stdout).findings.filter((f) => f.rule === 'hash-drift')).toEqual([]);
    appendFileSync(join(dir, 'drizzle/0004_bio.sql'), '--> statement-breakpoint\nALTER TABLE "users" ADD COLUMN "bio2" text;');
    git('add', '-A');
    expect(json(runCli(['--staged', '--format', 'json'], { cwd: dir }).stdout).findings.filter((f) => f.rule === 'hash-drift')).toEqual([]);
  });

  it('a comment added to a committed migration: said to change no SQL (it still changes the hash)', () => {
    const { dir, git } = repo('comment');
    const file = join(dir, 'drizzle/0001_profile_and_plan_columns.sql');
    writeFileSync(file, `-- reviewed by the DBA\n${readFileSync(file, 'utf8')}`);
    git('add', '-A');
    const drift = json(runCli(['--staged', '--format', 'json'], { cwd: dir }).stdout).findings.filter((f) => f.rule === 'hash-drift');
    expect(drift).toHaveLength(1);
    expect(drift[0].message).toContain('Only comments or whitespace changed: the SQL it runs is the same, but the hash differs');
    expect(drift[0].message).not.toContain('Statements changed');
  });

  it('a new .sql staged without meta/: says the journal entry is not staged, and how to stage it', () => {
    const { dir, git } = repo('unstaged-meta');
    addMigration(join(dir, 'drizzle'), '0004_bio', 'ALTER TABLE "users" ADD COLUMN "bio" text;');
    git('add', 'drizzle/0004_bio.sql');
    expectUnstaged(
      dir,
      git,
      '0004_bio',
      "0004_bio.sql is staged, but its journal entry is not: meta/_journal.json has unstaged changes that list it, so this commit would hold a migration drizzle's migrate() never runs (and no snapshot for it).",
      'Stage the journal and snapshot drizzle-kit wrote with it: `git add drizzle/meta`.',
    );
  });

  it('the first migration staged, meta/ not tracked yet: the commit holds no journal, and says so', () => {
    const dir = join(temp, 'first');
    cpSync('fixtures/projects/safe', dir, { recursive: true });
    cpSync(join(dir, 'drizzle'), join(temp, 'first-drizzle'), { recursive: true });
    rmSync(join(dir, 'drizzle'), { recursive: true });
    const git = gitInit(dir);
    cpSync(join(temp, 'first-drizzle'), join(dir, 'drizzle'), { recursive: true });
    git('add', 'drizzle/0000_init.sql');
    expectUnstaged(
      dir,
      git,
      '0000_init',
      '0000_init.sql is staged, but meta/_journal.json is not (git does not track it yet): this commit would hold migrations without the journal drizzle\'s migrate() reads, and the deploy fails with "Can\'t find meta/_journal.json file".',
      'Stage the journal and snapshots drizzle-kit wrote with it: `git add drizzle/meta`.',
    );
  });

  it('the journal staged with a new entry, its .sql not: the commit holds an entry without its file', () => {
    const { dir, git } = repo('unstaged-sql');
    addMigration(join(dir, 'drizzle'), '0004_bio', 'ALTER TABLE "users" ADD COLUMN "bio" text;');
    git('add', 'drizzle/meta');
    expectUnstaged(
      dir,
      git,
      '0004_bio',
      'Journal entry 0004_bio is staged, but 0004_bio.sql is not (git does not track it yet): this commit would hold an entry without its file, and drizzle\'s migrate() throws "No file drizzle/0004_bio.sql found" and applies nothing.',
      'Stage the migration with its journal entry: `git add drizzle/0004_bio.sql`.',
    );
  });

  it('the .sql and its journal entry staged, the snapshot not (drizzle-kit 0.x and 1.0): said, with how to stage it', () => {
    const { dir, git } = repo('unstaged-snapshot');
    addMigration(join(dir, 'drizzle'), '0004_bio', 'ALTER TABLE "users" ADD COLUMN "bio" text;');
    git('add', 'drizzle/0004_bio.sql', 'drizzle/meta/_journal.json');
    expectUnstaged(
      dir,
      git,
      '0004_bio',
      "0004_bio.sql and its journal entry are staged, but meta/0004_snapshot.json is not (git does not track it yet): in the commit the migration has no snapshot, so the next `drizzle-kit generate` from it diffs against the one before and writes this migration's changes again.",
      'Stage the snapshot drizzle-kit wrote with it: `git add drizzle/meta`.',
    );
    // drizzle-kit 1.0: the snapshot beside migration.sql.
    const v1 = join(temp, 'v1-unstaged-snapshot');
    cpSync('fixtures/projects/v1-folders', v1, { recursive: true });
    const gitV1 = gitInit(v1);
    cpSync(join(v1, 'drizzle/20250106110000_archived_status'), join(v1, 'drizzle/20250107090000_more'), { recursive: true });
    writeFileSync(join(v1, 'drizzle/20250107090000_more/migration.sql'), 'ALTER TABLE "books" ADD COLUMN "subtitle" text;');
    gitV1('add', 'drizzle/20250107090000_more/migration.sql');
    const { found } = stagedFindings(v1, 'journal-files');
    expect(found.map((f) => [f.migration, f.message, f.help])).toEqual([
      [
        '20250107090000_more',
        "20250107090000_more/migration.sql is staged, but 20250107090000_more/snapshot.json is not (git does not track it yet): in the commit the migration has no snapshot, so the next `drizzle-kit generate` from it diffs against the one before and writes this migration's changes again.",
        'Stage the snapshot drizzle-kit wrote with it: `git add drizzle/20250107090000_more`.',
      ],
    ]);
  });

  it('an untracked .sql the commit does not hold is not reported', () => {
    const { dir, git } = repo('untracked-stray');
    writeFileSync(join(dir, 'drizzle/0009_stray.sql'), 'SELECT 1;');
    addMigration(join(dir, 'drizzle'), '0004_bio', 'ALTER TABLE "users" ADD COLUMN "bio" text;');
    git('add', 'drizzle/0004_bio.sql', 'drizzle/meta');
    const { code, found } = stagedFindings(dir, 'journal-files');
    expect([code, found]).toEqual([0, []]);
  });

  it('a file that is in no journal, staged or not, is still an orphan', () => {
    const { dir, git } = repo('orphan');
    writeFileSync(join(dir, 'drizzle/0009_stray.sql'), 'SELECT 1;');
    git('add', '-A');
    const found = json(runCli(['--staged', '--format', 'json'], { cwd: dir }).stdout).findings.filter((f) => f.rule === 'journal-files');
    expect(found.map((f) => f.message)).toEqual(["0009_stray.sql is not in meta/_journal.json: drizzle's migrate() never runs it, on any database."]);
  });
});

describe('a commit that stages no migration file', () => {
  it('is answered before the linter loads, with the report the full run prints', () => {
    const { dir, git } = repo('other-files');
    writeFileSync(join(dir, 'README.md'), 'hello\n');
    git('add', 'README.md');
    const quick = runCli(['--staged'], { cwd: dir, env: { MIGRATION_LINT_TIMINGS: '1' } });
    expect(quick.code).toBe(0);
    expect(quick.stderr).toContain('nothing staged is a migration or deploy-path file (git; the linter not loaded)');
    expect(quick.stderr).not.toContain('import lint modules');
    // The same bytes as the full run (a folder named: no shortcut), in every shape the shortcut answers.
    for (const [args, env] of [[[], {}], [['--color'], {}], [['--no-color'], {}], [[], { FORCE_COLOR: '1' }], [['--format', 'compact'], {}], [['--quiet'], {}]] as [string[], Record<string, string>][]) {
      const fast = runCli(['--staged', ...args], { cwd: dir, env });
      const full = runCli(['--staged', 'drizzle', ...args], { cwd: dir, env });
      expect([fast.code, fast.stdout, fast.stderr], args.join(' ')).toEqual([full.code, full.stdout, full.stderr]);
    }
    // Other formats take the full run.
    expect(JSON.parse(runCli(['--staged', '--format', 'json'], { cwd: dir }).stdout).summary.migrations).toBe(0);
  });
});

describe('the git processes a hook run starts', () => {
  it('the repository-wide staged list only when no folder is named (the shortcut that needs it); a folder named spares it', () => {
    const { dir, git } = repo('git-calls');
    writeFileSync(join(dir, 'README.md'), 'hello\n');
    git('add', 'README.md');
    // A `git` first on PATH that writes each call's arguments to a log, then runs the real one.
    const shim = join(temp, 'git-shim');
    const log = join(temp, 'git-calls.log');
    const real = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
    mkdirSync(shim, { recursive: true });
    writeFileSync(join(shim, 'git'), `#!/bin/sh\necho "$*" >> ${JSON.stringify(log)}\nexec ${JSON.stringify(real)} "$@"\n`, { mode: 0o755 });
    const calls = (args: string[], code = 0) => {
      writeFileSync(log, '');
      expect(runCli(args, { cwd: dir, env: { PATH: `${shim}:${process.env.PATH}` } }).code).toBe(code);
      return readFileSync(log, 'utf8').trim().split('\n');
    };
    const listAll = (lines: string[]) => lines.filter((l) => l.startsWith('diff --cached --name-only')).length;
    const statuses = (lines: string[]) => lines.filter((l) => l.startsWith('status')).length;
    expect(listAll(calls(['--staged']))).toBe(1);
    expect(listAll(calls(['--staged', 'drizzle']))).toBe(0);
    // Nothing the linter reads is staged: answered from that list, no `git status` at all (was: one, started beside it).
    expect(statuses(calls(['--staged']))).toBe(0);
    // A migration file staged: the status, once, after the list (not beside it: two git processes at once beside Node's start slowed each other).
    appendFileSync(join(dir, 'drizzle', '0000_init.sql'), '\n-- touched\n');
    git('add', 'drizzle');
    const withMigration = calls(['--staged'], 1); // an edit to a committed migration: hash-drift
    expect(statuses(withMigration)).toBe(1);
    expect(withMigration.findIndex((l) => l.startsWith('status'))).toBeGreaterThan(withMigration.findIndex((l) => l.startsWith('diff --cached --name-only')));
  });
});

describe('--staged in a project with no migrations folder yet', () => {
  it('exits 0: nothing in it can be staged (the README hook must not block every commit)', () => {
    const dir = join(temp, 'fresh');
    cpSync('fixtures/projects/safe', dir, { recursive: true });
    rmSync(join(dir, 'drizzle'), { recursive: true });
    const git = gitInit(dir);
    writeFileSync(join(dir, 'README.md'), 'hello\n');
    git('add', '-A');
    const r = runCli(['--staged'], { cwd: dir });
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toContain('no problems');
    // A .sql file staged elsewhere: the config is read, its folder is not there, nothing of it is staged.
    writeFileSync(join(dir, 'seed.sql'), 'SELECT 1;\n');
    git('add', 'seed.sql');
    const sql = runCli(['--staged'], { cwd: dir, env: { MIGRATION_LINT_TIMINGS: '1' } });
    expect(sql.code).toBe(0);
    expect(sql.stderr).toMatch(/^\s+config /m);
    // Without --staged the missing folder is still an error: a plain run has nothing to lint.
    expect(runCli([], { cwd: dir }).code).toBe(2);
  });
});
