import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';

/**
 * Identifiers, SQL, file names and PostgreSQL's messages come from the repository being linted
 * (a pull request from anyone): the real CLI prints them escaped, so they cannot run GitHub
 * Actions workflow commands, drive the terminal or render in the job summary.
 */
const temp = mkdtempSync(join(tmpdir(), 'ml-output-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

/** A column named to inject a workflow command, write the clipboard (OSC 52) and erase the lines above. */
const EVIL = 'a\n::error file=README.md::pwned\u001b]52;c;SGVsbG8=\u0007\u001b[2A\u001b[2K\u009b2J\u202e ##[add-mask]x ![i](https://evil.example/i.png)';
const COMMAND = /^[\s\u0085\u180e]*::|##\[/;
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;

function project(): string {
  const dir = join(temp, `p${Math.random().toString(36).slice(2)}`);
  mkdirSync(dir);
  writeFileSync(join(dir, '0000_a.sql'), 'CREATE TABLE "t" ("id" integer);\n');
  writeFileSync(join(dir, '0001_b.sql'), `ALTER TABLE "t" ADD COLUMN "${EVIL}" integer NOT NULL;\n`);
  return dir;
}

function badLines(text: string): string[] {
  return text.split('\n').filter((line) => COMMAND.test(line) || RAW_CONTROL.test(line));
}

describe('hostile identifiers in the report (real binary)', () => {
  const dir = project();
  const files = [join(dir, '0000_a.sql'), join(dir, '0001_b.sql')];

  for (const format of ['pretty', 'compact']) {
    it(`${format}: the name is shown escaped; no workflow command, no terminal control`, () => {
      const r = runCli([...files, '--format', format]);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('a\\n::error file=README.md::pwned\\x1b]52;c;SGVsbG8=\\x07\\x1b[2A\\x1b[2K\\x9b2J\\u202e #\\x23[add-mask]x');
      expect(badLines(r.stdout)).toEqual([]);
      expect(badLines(r.stderr)).toEqual([]); // a note that these files are linted without a folder
    });
  }

  it('github: an annotation per finding, no ESC; the step summary shows no image or link from the name', () => {
    const summary = join(temp, 'summary.md');
    const r = runCli([...files, '--format', 'github'], { env: { GITHUB_STEP_SUMMARY: summary } });
    const lines = r.stdout.split('\n').filter(Boolean);
    const findings = JSON.parse(runCli([...files, '--format', 'json']).stdout).findings;
    expect(lines.filter((l) => l.startsWith('::'))).toHaveLength(findings.length); // its own annotations only
    expect(lines.filter((l) => !l.startsWith('::')).flatMap(badLines)).toEqual([]);
    expect(r.stdout).not.toMatch(RAW_CONTROL);
    const md = readFileSync(summary, 'utf8');
    expect(md).not.toMatch(RAW_CONTROL);
    expect(md).toContain('\\!\\[i\\]\\(https\\://evil\\.example/i\\.png\\)');
  });

  it('json: the data is exact, and no line of the document is a command', () => {
    const r = runCli([...files, '--format', 'json']);
    const doc = JSON.parse(r.stdout);
    expect(doc.findings[0].message).toContain(EVIL);
    expect(badLines(r.stdout)).toEqual([]);
  });

  it('error lines on stderr: one line, escaped', () => {
    const r = runCli(['--config', `x\n::error::pwned\u001b[2A`], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('x\\n::error::pwned\\x1b[2A: cannot read the drizzle config');
    expect(badLines(r.stderr)).toEqual([]);
  });
});

describe('verify prints PostgreSQL messages and names escaped (PGlite)', () => {
  it('a failing statement whose table name is hostile', () => {
    const dir = join(temp, 'verify');
    mkdirSync(dir);
    writeFileSync(join(dir, '0000_a.sql'), `ALTER TABLE "${EVIL}" ADD COLUMN "x" integer;\n`);
    const r = runCli(['verify', join(dir, '0000_a.sql'), '--no-trace'], { timeout: 120_000 });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('relation "a\\n::error file=README.md::pwned\\x1b]52;c;SGVsbG8=\\x07');
    expect(badLines(r.stdout)).toEqual([]);
  }, 180_000);

  it('--progress names each statement on stderr escaped, as every other line', () => {
    const dir = join(temp, 'verify-progress');
    mkdirSync(dir);
    // The progress line shows the statement's first line: the name without its line break.
    writeFileSync(join(dir, '0000_a.sql'), `CREATE TABLE "${EVIL.replace('\n', ' ')}" ("x" integer);\n`);
    const r = runCli(['verify', join(dir, '0000_a.sql'), '--no-trace', '--no-seed', '--progress'], { timeout: 120_000 });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('migration-lint: running ');
    expect(r.stderr).toContain('CREATE TABLE "a ::error file=README.md::pwned\\x1b]52;c;SGVsbG8=\\x07\\x1b[2A\\x1b[2K\\x9b2J\\u202e #\\x23[add-mask]x');
    expect(badLines(r.stderr)).toEqual([]);
    expect(badLines(r.stdout)).toEqual([]);
  }, 180_000);
});
