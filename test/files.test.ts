import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readableBy } from '../src/runner/files.js';
import { BIN, runCli, type CliRun } from './helpers/cli.js';

/**
 * Only regular files inside the project are read. Everything in a repository is untrusted, and git
 * carries symbolic links: a migration, journal, snapshot, drizzle config or schema file that is a
 * link out of the project, a FIFO or a device is refused by name before it is opened (a finding
 * for a migration, and the rest is linted; else one line, exit 2), and its content is never shown.
 */
const temp = mkdtempSync(join(tmpdir(), 'ml-files-'));
afterAll(() => {
  // Folders made unreadable for the permission tests must be readable again to be removed.
  spawnSync('chmod', ['-R', 'u+rwX', temp]);
  rmSync(temp, { recursive: true, force: true });
});

const SECRET = 'TOKEN=ml-secret-4f9a';
/** A file outside every project the tests make. */
const secretFile = join(temp, 'secret.env');
writeFileSync(secretFile, `${SECRET}\nSELECT 1;\n`);

let n = 0;
/** A copy of the example project (no git: the project is the working directory). */
function shop(): string {
  const dir = join(temp, 'projects', `p${n++}`);
  cpSync('examples/shop', dir, { recursive: true });
  return dir;
}

function replaceWith(path: string, make: (path: string) => void): void {
  rmSync(path, { force: true });
  make(path);
}

const fifo = (path: string) => execFileSync('mkfifo', [path]);
const link = (target: string) => (path: string) => symlinkSync(target, path);

/** The CLI, bounded: a FIFO or /dev/zero once made it hang or grow to 16 GB. */
function lint(args: string[], cwd: string, env: Record<string, string> = {}): CliRun {
  const started = Date.now();
  const r = runCli(args, { cwd, env: { ML_TEST_SECRET: SECRET, ...env }, timeout: 30_000 });
  expect(Date.now() - started, 'finished in bounded time').toBeLessThan(30_000);
  for (const text of [r.stdout, r.stderr]) {
    expect(text).not.toContain(SECRET);
    expect(text).not.toMatch(/\n\s+at /);
  }
  return r;
}

function findings(r: CliRun): { rule: string; file: string; message: string; migration: string }[] {
  return JSON.parse(r.stdout).findings;
}

function oneLine(r: CliRun, pattern: RegExp): void {
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr.split('\n')[0]).toMatch(pattern);
  expect(r.stderr.trim().split('\n').length).toBeLessThanOrEqual(2); // the line, and perhaps a hint
}

const MIGRATION = 'drizzle/0002_product_sku.sql';

/** A migrations folder outside every project the tests make. */
const outsideFolder = join(temp, 'outside-drizzle');
cpSync('examples/shop/drizzle', outsideFolder, { recursive: true });

describe('a migration that is not a regular file inside the project is a finding, and the rest is linted', () => {
  const cases: [string, (path: string) => void, RegExp][] = [
    ['a link to a file outside the project (../../secret.env)', link(secretFile), /a symbolic link to a file outside the project/],
    ['a link to /proc/self/environ (the CI\'s tokens)', link('/proc/self/environ'), /a symbolic link to a file outside the project/],
    ['a link to /dev/zero (grew to 16 GB before)', link('/dev/zero'), /a symbolic link to a file outside the project/],
    ['a FIFO (hung before)', fifo, /a FIFO \(named pipe\), not a regular file/],
    ['a folder', (path) => mkdirSync(path), /a folder, not a regular file/],
  ];
  for (const [name, make, reason] of cases) {
    it(name, () => {
      const dir = shop();
      replaceWith(join(dir, MIGRATION), make);
      const r = lint(['--format', 'json'], dir);
      expect(r.code).toBe(1);
      const refused = findings(r).filter((f) => f.migration === '0002_product_sku');
      expect(refused.map((f) => [f.rule, f.file])).toEqual([['journal-files', MIGRATION]]);
      expect(refused[0].message).toMatch(reason);
      expect(refused[0].message).toContain(`${MIGRATION} is not read`);
      // The other five are linted: their findings are there.
      expect(JSON.parse(r.stdout).summary.migrations).toBe(5);
      expect(findings(r).some((f) => f.migration === '0003_drop_refunded_status' && f.rule === 'enum-recreate')).toBe(true);
      // Pretty output, too, names the link and shows nothing of what it points to.
      const pretty = lint([], dir);
      expect(pretty.stdout).toContain(`${MIGRATION} is not read`);
    });
  }

  it('a link to another file inside the project is read as that file', () => {
    const dir = shop();
    const path = join(dir, MIGRATION);
    writeFileSync(join(dir, 'sku.sql'), readFileSync(path));
    replaceWith(path, link('../sku.sql'));
    const r = lint(['--format', 'json'], dir);
    expect(findings(r).filter((f) => f.migration === '0002_product_sku').map((f) => f.rule)).toEqual(['cast-without-using', 'not-null-without-default']);
  });

  it('loose SQL files named on the command line: the same', () => {
    const dir = join(temp, 'loose');
    mkdirSync(dir);
    writeFileSync(join(dir, '1_ok.sql'), 'CREATE TABLE "t" ("a" integer);\n');
    symlinkSync('/proc/self/environ', join(dir, '2_env.sql'));
    const r = lint([join(dir, '1_ok.sql'), join(dir, '2_env.sql'), '--format', 'json'], temp);
    expect(findings(r).map((f) => [f.rule, f.migration])).toEqual([['journal-files', '2_env']]);
  });
});

describe('any other file that is not a regular file inside the project: one line naming it, exit 2, never its content', () => {
  const cases: [string, string, (path: string) => void, RegExp][] = [
    ['the journal, a link outside', 'drizzle/meta/_journal.json', link(secretFile), /^migration-lint: drizzle\/meta\/_journal\.json: not read: a symbolic link to a file outside the project/],
    ['a snapshot, a link to /dev/urandom (hung before)', 'drizzle/meta/0005_snapshot.json', link('/dev/urandom'), /^migration-lint: drizzle\/meta\/0005_snapshot\.json: not read: a symbolic link to a file outside the project/],
    ['a snapshot, a FIFO (hung before)', 'drizzle/meta/0003_snapshot.json', fifo, /^migration-lint: drizzle\/meta\/0003_snapshot\.json: not read: a FIFO \(named pipe\), not a regular file/],
    ['drizzle.config.ts, a FIFO (hung before)', 'drizzle.config.ts', fifo, /^migration-lint: .*drizzle\.config\.ts: not read: a FIFO \(named pipe\), not a regular file/],
    ['drizzle.config.ts, a link outside', 'drizzle.config.ts', link(secretFile), /^migration-lint: .*drizzle\.config\.ts: not read: a symbolic link to a file outside the project/],
    ['the schema file drizzle.config names, a link outside', 'src/db/schema.ts', link(secretFile), /^migration-lint: src\/db\/schema\.ts: not read: a symbolic link to a file outside the project/],
    ['the migrations folder, a link out of the project', 'drizzle', (path) => symlinkSync(outsideFolder, path), /^migration-lint: drizzle: not read: a folder outside the project/],
  ];
  for (const [name, file, make, pattern] of cases) {
    it(name, () => {
      const dir = shop();
      if (file === 'drizzle') rmSync(join(dir, file), { recursive: true });
      replaceWith(join(dir, file), make);
      oneLine(lint(['--format', 'json'], dir), pattern);
    });
  }

  it('--config /dev/zero, and --config a FIFO (hung before)', () => {
    const dir = shop();
    oneLine(lint(['--config', '/dev/zero'], dir), /^migration-lint: \/dev\/zero: not read: a device, not a regular file/);
    fifo(join(dir, 'pipe.ts'));
    oneLine(lint(['--config', 'pipe.ts'], dir), /^migration-lint: pipe\.ts: not read: a FIFO \(named pipe\), not a regular file/);
  });

  it('verify and lock refuse the same files', () => {
    const dir = shop();
    replaceWith(join(dir, 'drizzle/meta/_journal.json'), link(secretFile));
    oneLine(lint(['verify'], dir), /drizzle\/meta\/_journal\.json: not read: a symbolic link to a file outside the project/);
    oneLine(lint(['lock'], dir), /drizzle\/meta\/_journal\.json: not read: a symbolic link to a file outside the project/);
  });
});

describe('the size limit: maxFileSizeMb (64 MB by default)', () => {
  it('a migration over the limit is a finding that says how to raise it; the rest is linted; raising it reads it', () => {
    const dir = shop();
    writeFileSync(join(dir, MIGRATION), `${readFileSync(join(dir, MIGRATION), 'utf8')}\n-- ${'x'.repeat(20_000)}\n`);
    writeFileSync(join(dir, 'migration-lint.config.json'), JSON.stringify({ maxFileSizeMb: 0.015 }));
    const r = lint(['--format', 'json'], dir);
    const refused = findings(r).filter((f) => f.migration === '0002_product_sku');
    expect(refused.map((f) => f.rule)).toEqual(['journal-files']);
    const size = readFileSync(join(dir, MIGRATION)).length.toLocaleString('en-US');
    expect(refused[0].message).toContain(`is not read: ${size} bytes, larger than the 15,728 bytes migration-lint reads of a file (raise "maxFileSizeMb" in migration-lint.config.json`);
    writeFileSync(join(dir, 'migration-lint.config.json'), JSON.stringify({ maxFileSizeMb: 1 }));
    expect(findings(lint(['--format', 'json'], dir)).filter((f) => f.migration === '0002_product_sku').map((f) => f.rule)).toEqual(['cast-without-using', 'not-null-without-default']);
  });

  it('a snapshot over the limit: one line, exit 2, naming it and the key', () => {
    const dir = shop();
    writeFileSync(join(dir, 'migration-lint.config.json'), JSON.stringify({ maxFileSizeMb: 0.005 }));
    const r = lint(['--format', 'json'], dir);
    oneLine(r, /^migration-lint: drizzle\/meta\/\d{4}_snapshot\.json: not read: .* larger than the .* migration-lint reads of a file \(raise "maxFileSizeMb" in migration-lint\.config\.json/);
  });

  it('the key is validated', () => {
    const dir = shop();
    writeFileSync(join(dir, 'migration-lint.config.json'), JSON.stringify({ maxFileSizeMb: -1 }));
    oneLine(lint([], dir), /^migration-lint: migration-lint\.config\.json: "maxFileSizeMb": /);
  });
});

/**
 * Permissions: the tests run as root here, and root reads anything, so the CLI is run as the
 * unprivileged user `nobody` (spawn's uid/gid) on a project it may read, but for one folder or file.
 */
const asNobody = process.getuid?.() === 0;
if (!asNobody) process.stdout.write('files.test.ts: the permission tests need root (to run the CLI as nobody); skipped\n');
describe.skipIf(!asNobody)('an unreadable meta/ folder or snapshot is an error, never a silent fallback', () => {
  function runAsNobody(args: string[], cwd: string): CliRun {
    const env = { ...process.env, NO_COLOR: '1' } as NodeJS.ProcessEnv;
    delete env.FORCE_COLOR;
    const r = spawnSync(process.execPath, [BIN, ...args], { cwd, env, encoding: 'utf8', timeout: 30_000, uid: 65534, gid: 65534 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  }
  /** A project nobody may read, in folders nobody may enter. */
  function readableShop(): string {
    const dir = shop();
    for (let d = dir; d !== '/' && d.startsWith(temp); d = join(d, '..')) chmodSync(d, 0o755);
    spawnSync('chmod', ['-R', 'a+rX', dir]);
    return dir;
  }

  it('meta/ that cannot be read: exit 2 naming it (was: linted as loose SQL files, exit 1 without the journal rules)', () => {
    const dir = readableShop();
    expect(runAsNobody(['--format', 'json'], dir).code).toBe(1); // readable: linted as before
    chmodSync(join(dir, 'drizzle/meta'), 0o000);
    oneLine(runAsNobody(['--format', 'json'], dir), /^migration-lint: drizzle\/meta\/_journal\.json: cannot read \(EACCES\)/);
  });

  it('a snapshot that cannot be read: exit 2 naming it (was: a snapshot-fork finding about a missing id)', () => {
    const dir = readableShop();
    chmodSync(join(dir, 'drizzle/meta/0003_snapshot.json'), 0o000);
    oneLine(runAsNobody(['--format', 'json'], dir), /^migration-lint: drizzle\/meta\/0003_snapshot\.json: cannot read \(EACCES\)/);
  });

  it('a migration that cannot be read (owned by another user, no read bit for others): exit 2 naming it, before any finding', () => {
    const dir = readableShop();
    chmodSync(join(dir, 'drizzle/0002_product_sku.sql'), 0o600);
    for (const format of ['json', 'pretty']) {
      const run = runAsNobody(['--format', format], dir);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/^migration-lint: drizzle\/0002_product_sku\.sql: cannot read \(EACCES\)/);
    }
  });
});

describe('readableBy: what a stat alone proves about reading a file', () => {
  it.each([
    { who: 'root, any mode', stat: { uid: 1000, mode: 0o100000 }, uid: 0, readable: true },
    { who: 'the owner, with the read bit', stat: { uid: 1000, mode: 0o100400 }, uid: 1000, readable: true },
    { who: 'the owner, without it', stat: { uid: 1000, mode: 0o100244 }, uid: 1000, readable: false },
    { who: 'another user, world-readable (an ACL entry may still deny: ask the system)', stat: { uid: 1000, mode: 0o100644 }, uid: 1001, readable: false },
    { who: 'no user ids (Windows)', stat: { uid: 0, mode: 0o100644 }, uid: undefined, readable: false },
  ])('$who: $readable', ({ stat, uid, readable }) => {
    expect(readableBy(stat, uid)).toBe(readable);
  });
});
