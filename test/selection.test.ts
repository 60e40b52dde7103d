import { execFileSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { addMigration } from './helpers/history.js';

/** A git repository holding the safe example history, committed on `main`. */
const temp = mkdtempSync(join(tmpdir(), 'ml-selection-'));
const repo = join(temp, 'app');
const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });
const BAD = 'ALTER TABLE "users" ADD COLUMN "nickname" text;--> statement-breakpoint\nCREATE INDEX CONCURRENTLY "users_nickname_idx" ON "users" USING btree ("nickname");';

beforeAll(() => {
  cpSync('fixtures/projects/safe', repo, { recursive: true });
  git('init', '-q', '-b', 'main');
  git('add', '.');
  git('commit', '-qm', 'base');
});
afterAll(() => rmSync(temp, { recursive: true, force: true }));


/** The errors only: the helper's migrations copy the previous snapshot like `generate --custom`, so snapshot-drift rightly warns. */
const json = (r: { stdout: string }) => {
  const doc = JSON.parse(r.stdout) as { findings: { rule: string; migration: string; severity: string }[]; summary: { migrations: number } };
  return { ...doc, findings: doc.findings.filter((f) => f.severity === 'error') };
};

describe('which migrations are reported on', () => {
  it('--since REF: only migrations added or changed since REF; the rest is context', () => {
    git('checkout', '-qb', 'feature');
    addMigration(join(repo, 'drizzle'), '0004_nickname', BAD);
    git('add', '.');
    git('commit', '-qm', 'nickname');
    const r = runCli(['--since', 'main', '--format', 'json'], { cwd: repo });
    expect(r.code).toBe(1);
    const doc = json(r);
    expect(doc.summary.migrations).toBe(1);
    expect(doc.findings.map((f) => f.migration)).toEqual(['0004_nickname']);
    // Nothing changed since HEAD: nothing reported, exit 0.
    const none = runCli(['--since', 'HEAD', '--format', 'json'], { cwd: repo });
    expect([none.code, json(none).summary.migrations]).toEqual([0, 0]);
  });

  it('in GitHub Actions, the pull request base comes from GITHUB_BASE_REF (origin/<base>)', () => {
    git('update-ref', 'refs/remotes/origin/main', 'main');
    const r = runCli(['--format', 'json'], { cwd: repo, env: { GITHUB_ACTIONS: 'true', GITHUB_BASE_REF: 'main' } });
    expect(json(r).findings.map((f) => f.migration)).toEqual(['0004_nickname']);
  });

  it('an unknown base says what to add to the workflow', () => {
    const r = runCli(['--since', 'origin/nope'], { cwd: repo });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--since origin\/nope: no such revision in this clone/);
    expect(r.stderr).toMatch(/fetch-depth: 0/);
  });

  it('--staged: the staged content is linted, not the working tree', () => {
    git('checkout', '-q', 'main');
    git('branch', '-qD', 'feature');
    addMigration(join(repo, 'drizzle'), '0004_staged', 'ALTER TABLE "users" ADD COLUMN "nickname" text;');
    git('add', '.');
    // The working copy now has a mistake the index does not: it must not count.
    appendFileSync(join(repo, 'drizzle/0004_staged.sql'), '--> statement-breakpoint\nVACUUM "users";');
    const clean = runCli(['--staged', '--format', 'json'], { cwd: repo });
    expect([clean.code, json(clean).summary.migrations, json(clean).findings]).toEqual([0, 1, []]);
    git('add', '.');
    const bad = runCli(['--staged', '--format', 'json'], { cwd: repo });
    expect(bad.code).toBe(1);
    expect(json(bad).findings.map((f) => `${f.rule}@${f.migration}`)).toEqual(['concurrently-in-transaction@0004_staged']);
  });

  it('--staged with no migration staged reports nothing (a commit of other files is not slowed down by history)', () => {
    git('commit', '-qm', 'staged');
    writeFileSync(join(repo, 'README.md'), 'hi');
    git('add', 'README.md');
    const r = runCli(['--staged', '--format', 'json'], { cwd: repo, env: { MIGRATION_LINT_TIMINGS: '1' } });
    expect([r.code, json(r).summary.migrations]).toEqual([0, 0]);
    // Nothing was read, parsed or linted: the run stopped after the git calls, before even the drizzle config.
    expect(r.stderr).toContain('nothing staged is a migration or deploy-path file (git)');
    expect(r.stderr).not.toMatch(/^\s+config /m);
    expect(r.stderr).not.toContain('read migrations');
    expect(r.stderr).not.toContain('engine');
    // A file of the migrations folder staged (not a migration): the folder is looked at, nothing is linted.
    writeFileSync(join(repo, 'drizzle/notes.json'), '{}');
    git('add', 'drizzle/notes.json');
    const folder = runCli(['--staged', '--format', 'json'], { cwd: repo, env: { MIGRATION_LINT_TIMINGS: '1' } });
    expect([folder.code, json(folder).summary.migrations]).toEqual([0, 0]);
    expect(folder.stderr).toContain('selection (git)');
    git('rm', '-q', '--cached', 'drizzle/notes.json');
    rmSync(join(repo, 'drizzle/notes.json'));
  });

  it('--staged outside a git repository is a usage error', () => {
    const outside = join(temp, 'not-a-repo');
    cpSync('fixtures/projects/safe/drizzle', outside, { recursive: true });
    const r = runCli(['--staged', outside], { cwd: tmpdir() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--staged needs a git repository/);
  });
});

describe('--staged finds the right repository and paths (its git calls start before the linter loads)', () => {
  const base = mkdtempSync(join(tmpdir(), 'ml-staged-paths-'));
  afterAll(() => rmSync(base, { recursive: true, force: true }));
  const gitIn = (cwd: string, ...args: string[]) =>
    execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });
  const newRepo = (dir: string, folder: string) => {
    cpSync('fixtures/projects/safe/drizzle', join(dir, folder), { recursive: true });
    gitIn(dir, 'init', '-q', '-b', 'main');
    gitIn(dir, 'add', '.');
    gitIn(dir, 'commit', '-qm', 'base');
  };
  const migrations = (r: { stdout: string }) => (JSON.parse(r.stdout) as { findings: { migration: string; severity: string; rule: string }[] }).findings.filter((f) => f.severity === 'error').map((f) => `${f.rule}@${f.migration}`);

  it('a folder whose name has spaces and non-ASCII letters (git would quote it without -z)', () => {
    const dir = join(base, 'plain');
    newRepo(dir, 'db/mïgrations dir');
    addMigration(join(dir, 'db/mïgrations dir'), '0004_spaced', BAD);
    gitIn(dir, 'add', '.');
    const r = runCli(['--staged', 'db/mïgrations dir', '--format', 'json'], { cwd: dir });
    expect([r.code, migrations(r)]).toEqual([1, ['concurrently-in-transaction@0004_spaced']]);
  });

  it('from a subdirectory, for a folder outside it', () => {
    const dir = join(base, 'sub');
    newRepo(dir, 'drizzle');
    mkdirSync(join(dir, 'src'));
    addMigration(join(dir, 'drizzle'), '0004_from_sub', BAD);
    gitIn(dir, 'add', '.');
    const r = runCli(['--staged', '../drizzle', '--format', 'json'], { cwd: join(dir, 'src') });
    expect([r.code, migrations(r)]).toEqual([1, ['concurrently-in-transaction@0004_from_sub']]);
  });

  it('the journal and snapshots are read from the index too, not from a working copy edited after `git add`', () => {
    const dir = join(base, 'index');
    newRepo(dir, 'drizzle');
    addMigration(join(dir, 'drizzle'), '0004_indexed', 'ALTER TABLE "users" ADD COLUMN "nickname" text;');
    gitIn(dir, 'add', '.');
    const staged = runCli(['--staged', 'drizzle', '--format', 'json'], { cwd: dir });
    expect([staged.code, migrations(staged)]).toEqual([0, []]);
    // Unstaged edits that break the chain and the journal: the commit does not contain them.
    const snapshotFile = join(dir, 'drizzle/meta/0004_snapshot.json');
    writeFileSync(snapshotFile, readFileSync(snapshotFile, 'utf8').replace(/"prevId": "[^"]*"/, '"prevId": "11111111-1111-1111-1111-111111111111"'));
    const journalFile = join(dir, 'drizzle/meta/_journal.json');
    const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: unknown[] };
    writeFileSync(journalFile, JSON.stringify({ ...journal, entries: journal.entries.slice(0, -1) }, null, 2));
    const again = runCli(['--staged', 'drizzle', '--format', 'json'], { cwd: dir });
    expect([again.code, migrations(again)]).toEqual([0, []]);
    // The same edits staged are reported.
    gitIn(dir, 'add', '.');
    const broken = runCli(['--staged', 'drizzle', '--format', 'json'], { cwd: dir });
    expect(broken.code).toBe(1);
  });

  it('a nested repository (a submodule, a clone inside the project): its own index, not the outer one', () => {
    const outer = join(base, 'outer');
    newRepo(outer, 'drizzle');
    const inner = join(outer, 'vendor/app');
    mkdirSync(inner, { recursive: true });
    newRepo(inner, 'drizzle');
    addMigration(join(inner, 'drizzle'), '0004_inner', BAD);
    gitIn(inner, 'add', '.');
    const r = runCli(['--staged', 'vendor/app/drizzle', '--format', 'json'], { cwd: outer });
    expect([r.code, migrations(r)]).toEqual([1, ['concurrently-in-transaction@0004_inner']]);
    // The outer repository has nothing staged: its own folder reports nothing.
    const own = runCli(['--staged', 'drizzle', '--format', 'json'], { cwd: outer });
    expect([own.code, migrations(own)]).toEqual([0, []]);
  });
});

describe('parseStatus: one `git status` gives what the two `git diff` calls give', () => {
  /** A fresh repository (removed after `body`), and git run in it. */
  function inRepository(body: (dir: string, g: (...args: string[]) => string) => void): void {
    const dir = mkdtempSync(join(tmpdir(), 'ml-status-'));
    try {
      const g = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });
      g('init', '-q', '-b', 'main');
      body(dir, g);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('adds, edits, renames, deletions, partly staged files and names with spaces', async () => {
    const { parseStatus } = await import('../src/runner/staged-query.js');
    inRepository((dir, g) => {
      for (const f of ['keep.sql', 'edit.sql', 'rename me.sql', 'gone.sql', 'both.sql']) writeFileSync(join(dir, f), `SELECT '${f}';\n`.repeat(20));
      g('add', '.');
      g('commit', '-qm', 'base');
      writeFileSync(join(dir, 'new file.sql'), 'SELECT 1;\n');
      g('add', 'new file.sql');
      appendFileSync(join(dir, 'edit.sql'), 'SELECT 2;\n'); // unstaged only
      g('mv', 'rename me.sql', 'renamed.sql');
      g('rm', '-q', 'gone.sql');
      appendFileSync(join(dir, 'both.sql'), 'SELECT 3;\n');
      g('add', 'both.sql');
      appendFileSync(join(dir, 'both.sql'), 'SELECT 4;\n'); // staged, then edited again
      const list = (...args: string[]) => g(...args, '--name-only', '-z').split('\0').filter(Boolean).sort();
      const parsed = parseStatus(g('status', '--porcelain=v2', '-z', '--untracked-files=no', '--ignored=no'));
      expect({ staged: parsed.staged.sort(), unstaged: parsed.unstaged.sort() }).toEqual({ staged: list('diff', '--cached', '--diff-filter=ACMR'), unstaged: list('diff') });
      expect(parsed.staged).toEqual(['both.sql', 'new file.sql', 'renamed.sql']);
    });
  });

  it('what is not in the commit (untracked and ignored, a folder of them as one) is what `git ls-files --others --directory` lists', async () => {
    const { parseStatus } = await import('../src/runner/staged-query.js');
    inRepository((dir, g) => {
      mkdirSync(join(dir, 'drizzle', 'meta'), { recursive: true });
      mkdirSync(join(dir, 'node_modules', 'x'), { recursive: true });
      mkdirSync(join(dir, 'new folder', 'meta'), { recursive: true });
      writeFileSync(join(dir, '.gitignore'), 'node_modules\n*.log\n');
      writeFileSync(join(dir, 'drizzle', '0000_a.sql'), 'SELECT 1;\n');
      writeFileSync(join(dir, 'drizzle', 'meta', '_journal.json'), '{}\n');
      g('add', '.');
      g('commit', '-qm', 'base');
      writeFileSync(join(dir, 'drizzle', '0001_b.sql'), 'SELECT 2;\n'); // untracked file in a tracked folder
      writeFileSync(join(dir, 'drizzle', 'meta', '0001_snapshot.json'), '{}\n');
      writeFileSync(join(dir, 'drizzle', 'debug.log'), 'x\n'); // ignored
      writeFileSync(join(dir, 'node_modules', 'x', 'index.js'), ''); // an ignored folder
      writeFileSync(join(dir, 'new folder', 'meta', '_journal.json'), '{}\n'); // a folder git tracks nothing in
      writeFileSync(join(dir, 'drizzle', '0002_c.sql'), 'SELECT 3;\n');
      g('add', 'drizzle/0002_c.sql');
      const parsed = parseStatus(g('status', '--porcelain=v2', '--branch', '-z', '--untracked-files=normal', '--ignored=matching', '--', '.'));
      const others = g('ls-files', '--others', '--directory', '--full-name', '-z', '--', '.').split('\0').filter(Boolean);
      expect(parsed.untracked.sort()).toEqual(others.sort());
      expect(parsed.untracked.sort()).toEqual(['drizzle/0001_b.sql', 'drizzle/debug.log', 'drizzle/meta/0001_snapshot.json', 'new folder/', 'node_modules/']);
      expect(parsed.staged).toEqual(['drizzle/0002_c.sql']);
    });
  });
});

describe('topLevel: the repository root as `git rev-parse --show-toplevel` says it, without a git process', () => {
  it('at the root, in a subfolder, through a symbolic link, in a worktree and a nested repository; git decides when it may think otherwise', async () => {
    const { topLevel } = await import('../src/runner/staged-query.js');
    const base = realpathSync(mkdtempSync(join(tmpdir(), 'ml-toplevel-')));
    try {
      const env = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' };
      const g = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', env });
      const gitSays = (cwd: string) => {
        try {
          return g(cwd, 'rev-parse', '--show-toplevel').trim();
        } catch {
          return undefined;
        }
      };
      const repo = join(base, 'repo');
      mkdirSync(join(repo, 'drizzle', 'meta'), { recursive: true });
      g(repo, 'init', '-q', '-b', 'main');
      writeFileSync(join(repo, 'a.sql'), 'SELECT 1;\n');
      g(repo, 'add', '.');
      g(repo, 'commit', '-qm', 'base');
      g(repo, 'worktree', 'add', '-q', join(base, 'tree'));
      mkdirSync(join(repo, 'vendor', 'inner'), { recursive: true });
      g(join(repo, 'vendor', 'inner'), 'init', '-q');
      symlinkSync(repo, join(base, 'link'));
      mkdirSync(join(base, 'plain', 'sub'), { recursive: true });
      mkdirSync(join(base, 'fake', '.git'), { recursive: true }); // a `.git` folder git does not take
      mkdirSync(join(base, 'fake', 'sub'));
      for (const dir of [repo, join(repo, 'drizzle', 'meta'), join(base, 'link', 'drizzle'), join(base, 'tree'), join(repo, 'vendor', 'inner'), join(repo, 'vendor')]) {
        expect({ dir, top: topLevel(dir, {}) }).toEqual({ dir, top: gitSays(dir) });
      }
      // Where it cannot tell as git would, it says so (git is asked).
      expect(topLevel(join(base, 'fake', 'sub'), {})).toBeUndefined();
      expect(topLevel(join(base, 'plain', 'sub'), {})).toBeUndefined();
      expect(topLevel(repo, { GIT_DIR: join(repo, '.git') })).toBeUndefined();
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});

describe('topLevel on a hostile checkout', () => {
  it('a `.git` that is a FIFO is not read (the hook would wait forever for a writer): git is asked, and --staged says there is no repository', () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'ml-toplevel-fifo-')));
    try {
      mkdirSync(join(dir, 'drizzle'));
      execFileSync('mkfifo', [join(dir, '.git')]);
      const started = Date.now();
      const r = runCli(['--staged', 'drizzle'], { cwd: dir, timeout: 20_000, env: { GIT_CEILING_DIRECTORIES: undefined } });
      expect({ code: r.code, stderr: r.stderr.split('\n')[0] }).toEqual({ code: 2, stderr: expect.stringContaining('--staged needs a git repository') });
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
