import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { defineRule, lint, loadParser, parseMigration, runEngine, type MigrationInfo } from '../src/index.js';
import type { Finding } from '../src/engine/types.js';
import concurrently from '../src/rules/concurrently-in-transaction.js';
import suppression from '../src/rules/suppression-comment.js';

/**
 * Findings handed on as they become final (`onFindings`), so a long history's report is written
 * while it is made and never held: the files that are not migrations first, then each
 * migration's, in history order, suppression comments applied, and the same findings, in the
 * same order, as a run that returns them all.
 */
beforeAll(() => loadParser());

const BAD = 'CREATE INDEX CONCURRENTLY "i" ON "t" ("a");';

describe('engine: findings in pieces', () => {
  it('non-migration files first, then each migration once it is checked; history findings wait for their migration and its suppressions', () => {
    const texts = [BAD, `-- migration-lint-ignore-file history-probe: the file was reviewed\n${BAD}`, 'SELECT 1;'];
    const inputs = texts.map((text, i) => ({ tag: `000${i}_m`, file: `000${i}_m.sql`, text, idx: i, when: i }));
    const statementsSeen: number[] = [];
    const historyProbe = defineRule({
      id: 'history-probe',
      meta: { description: 'test probe', category: 'integrity', defaultSeverity: 'error', messages: { x: 'x {n}' } },
      checkHistory({ history, report }) {
        // History rules run before any migration is parsed.
        statementsSeen.push(...history.map((m: MigrationInfo) => m.statements.length));
        report({ messageId: 'x', data: { n: 'journal' }, file: 'meta/_journal.json', line: 3, migration: '' });
        for (const m of history) report({ messageId: 'x', data: { n: m.tag }, file: m.file, line: 1, migration: m.tag });
      },
    });
    const pieces: string[][] = [];
    const placeholders = inputs.map((input) => ({ ...input, statements: [], parseFailures: [], chunkCount: 0 }));
    const { findings } = runEngine({
      migrations: placeholders,
      load: (i) => parseMigration(inputs[i]),
      rules: [historyProbe, concurrently, suppression],
      settings: { pgVersion: 16, rules: {} },
      onFindings: (batch) => pieces.push(batch.map((f) => `${f.file}:${f.line} ${f.rule}`)),
    });
    expect(statementsSeen).toEqual([0, 0, 0]);
    expect(findings).toEqual([]);
    expect(pieces).toEqual([
      ['meta/_journal.json:3 history-probe'],
      ['0000_m.sql:1 history-probe', '0000_m.sql:1 concurrently-in-transaction'],
      // The file-wide suppression covers the history rule's finding: it is used, so not reported.
      ['0001_m.sql:2 concurrently-in-transaction'],
      ['0002_m.sql:1 history-probe'],
    ]);
  });
});

describe('lint({ onFindings }): the same report, in pieces', () => {
  const projects = ['features', 'schemas', 'renames', 'v1-folders', 'safe'];
  for (const project of projects) {
    it(project, async () => {
      const cwd = `fixtures/projects/${project}`;
      const whole = await lint({ cwd, ...(project === 'v1-folders' ? { paths: ['drizzle'] } : {}) });
      const pieces: Finding[][] = [];
      const texts = new Map<string, string>();
      const streamed = await lint({
        cwd,
        ...(project === 'v1-folders' ? { paths: ['drizzle'] } : {}),
        onFindings: (batch, sources) => {
          pieces.push(batch);
          for (const [file, text] of sources) texts.set(file, text);
        },
      });
      expect(pieces.flat()).toEqual(whole.findings);
      expect(streamed.findings).toEqual([]);
      expect(streamed.sources.size).toBe(0);
      expect(streamed.summary).toEqual(whole.summary);
      // Each file's findings come in one piece, with the text of the migration they are on.
      const files = pieces.flatMap((batch) => [...new Set(batch.map((f) => f.file))]);
      expect(new Set(files).size).toBe(files.length);
      expect(texts).toEqual(new Map([...whole.sources].filter(([file]) => files.includes(file))));
      // Report order: files that are not migrations, then the migrations in history order (sources are in that order).
      const positions = files.map((file) => (whole.sources.has(file) ? [...whole.sources.keys()].indexOf(file) : -1));
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
    });
  }
});

describe('pretty output in pieces: the same text as the whole report', () => {
  it('file by file, with code frames and the summary line counting migrations and other files', async () => {
    const { formatPretty, prettyWriter } = await import('../src/formatters/pretty.js');
    const whole = await lint({ cwd: 'fixtures/projects/schemas' });
    expect(new Set(whole.findings.map((f) => f.file)).size).toBeGreaterThan(2);
    for (const color of [false, true]) {
      const writer = prettyWriter(color);
      let text = '';
      await lint({ cwd: 'fixtures/projects/schemas', onFindings: (batch, sources) => (text += writer.add(batch, sources)) });
      expect({ color, text: text + writer.end(whole.summary) }).toEqual({ color, text: formatPretty(whole.findings, whole.summary, { color, sources: whole.sources }) });
    }
  });
});

describe('edge cases of a streamed report', () => {
  const temp = mkdtempSync(join(tmpdir(), 'ml-streaming-'));
  afterAll(() => rmSync(temp, { recursive: true, force: true }));
  const copy = (name: string) => {
    const dir = join(temp, name);
    cpSync('examples/shop/drizzle', dir, { recursive: true });
    return dir;
  };

  it('a file the journal lists twice: its findings together, where a sort by last position puts them', async () => {
    const dir = copy('twice');
    const journalFile = join(dir, 'meta/_journal.json');
    const journal = JSON.parse(readFileSync(journalFile, 'utf8'));
    journal.entries.push({ ...journal.entries[1], idx: journal.entries.length });
    writeFileSync(journalFile, JSON.stringify(journal, null, 2));
    const whole = await lint({ paths: [dir] });
    const pieces: Finding[][] = [];
    await lint({ paths: [dir], onFindings: (batch) => pieces.push(batch) });
    // journal-order suggests a `when` of now: the clock moved between the two runs.
    const clockless = (list: Finding[]) => list.map((f) => ({ ...f, help: f.help?.replace(/e\.g\. \d+/, 'e.g. <now>') }));
    expect(clockless(pieces.flat())).toEqual(clockless(whole.findings));
    const files = pieces.flatMap((batch) => [...new Set(batch.map((f) => f.file))]);
    expect(new Set(files).size).toBe(files.length);
    // The order of one sort of every finding: files that are not migrations first, then by each file's last place in the history.
    const last = new Map(whole.project.migrations.map((m, i) => [m.file, i]));
    const text = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
    const sorted = [...whole.findings].sort((a, b) => (last.get(a.file) ?? -1) - (last.get(b.file) ?? -1) || text(a.file, b.file) || a.line - b.line || a.column - b.column || text(a.rule, b.rule));
    expect(whole.findings).toEqual(sorted);
    expect(whole.findings.some((f) => f.rule === 'journal-files')).toBe(true);
  });

  it('a migration that is a folder is a finding, and the rest is streamed (it stopped the run before: cannot read, EISDIR)', () => {
    // A run that stops half-way leaves -f json empty: test/fail-closed.test.ts.
    const dir = copy('unreadable');
    rmSync(join(dir, '0003_drop_refunded_status.sql'));
    mkdirSync(join(dir, '0003_drop_refunded_status.sql'));
    for (const format of ['json', 'pretty']) {
      const run = runCli([dir, '--format', format]);
      expect({ format, code: run.code, stderr: run.stderr }).toEqual({ format, code: 1, stderr: '' });
      expect(run.stdout).toContain('0003_drop_refunded_status.sql is not read: a folder, not a regular file');
    }
  });
});

describe('the CLI writes a pipe through', () => {
  it('a piece written while the lint runs blocks until the reader takes it, instead of waiting in memory', async () => {
    // Node writes pipes asynchronously: without blocking, 5 MB written to a pipe nobody reads for a
    // second and a half would return at once and sit in memory (the lint's loop never lets it drain).
    const output = pathToFileURL(resolve('dist/cli/output.js')).href;
    const script = `import { reportOutput } from ${JSON.stringify(output)};
      const started = Date.now();
      reportOutput({ stdout: process.stdout, stderr: process.stderr }).now('x'.repeat(5e6));
      process.stderr.write(String(Date.now() - started));`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.pause();
    // The child starts, then writes; unblocked, the write returns in ~20 ms.
    await new Promise((r) => setTimeout(r, 1500));
    let bytes = 0;
    child.stdout.on('data', (d: Buffer) => (bytes += d.length));
    child.stdout.resume();
    expect(await new Promise((r) => child.on('close', r))).toBe(0);
    expect(bytes).toBe(5e6);
    expect(Number(stderr)).toBeGreaterThanOrEqual(500);
  });

  it('a reader that went away ends the report quietly, whichever error says so (EPIPE on a pipe, ECONNRESET on a socket pair); another write error is not hidden', async () => {
    const { reportOutput } = await import('../src/cli/output.js');
    for (const [code, quiet] of [['EPIPE', true], ['ECONNRESET', true], ['EIO', false]] as const) {
      const listeners: ((e: NodeJS.ErrnoException) => void)[] = [];
      const written: string[] = [];
      const stdout = {
        write(piece: string) {
          written.push(piece);
          // The reader is gone after the first piece.
          if (written.length === 1) for (const l of listeners) l(Object.assign(new Error(`write ${code}`), { code }));
          return true;
        },
        on(event: string, listener: (e: NodeJS.ErrnoException) => void) {
          if (event === 'error') listeners.push(listener);
        },
      };
      const rest = reportOutput({ stdout, stderr: { write: () => true } }).rest(['a', 'b', 'c']);
      if (quiet) await expect(rest).resolves.toBeUndefined();
      else await expect(rest).rejects.toThrow(`write ${code}`);
      expect([code, written]).toEqual([code, ['a']]);
    }
  });
});
