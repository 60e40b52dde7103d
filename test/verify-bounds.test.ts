import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, runCli } from './helpers/cli.js';
import type { VerifyResult } from '../src/verify/run.js';

/**
 * verify stays in control of PGlite whatever a migration does (the engine runs on its own thread):
 * statements that never end time out and the run goes on from the state before them; a signal
 * ends the run at once; a statement that eats memory is stopped; COPY that needs the client's
 * data is not sent. Real engine, real CLI.
 */
const temp = mkdtempSync(join(tmpdir(), 'ml-verify-bounds-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

/** A folder of plain SQL migrations (name → statements, joined with drizzle's breakpoints); returns their paths. */
function history(name: string, migrations: Record<string, string[]>): string[] {
  const dir = join(temp, name);
  mkdirSync(dir, { recursive: true });
  return Object.entries(migrations).map(([file, statements]) => {
    writeFileSync(join(dir, file), statements.join('\n--> statement-breakpoint\n') + '\n');
    return join(dir, file);
  });
}

const statuses = (result: VerifyResult) => result.migrations.map((m) => [m.tag, m.status]);
const failures = (result: VerifyResult) => result.migrations.flatMap((m) => m.statements.filter((s) => s.failure).map((s) => [m.tag, s.failure!.line, s.failure!.code, s.failure!.message]));

describe('verify on PGlite: bounded and interruptible', { timeout: 300_000 }, () => {
  it('a statement that never ends times out at file:line, and verify goes on from the state before it', () => {
    const files = history('timeout', {
      '0000_init.sql': ['CREATE TABLE "t" ("id" integer);'],
      '0001_sleep.sql': ['INSERT INTO "t" VALUES (1);', 'SELECT pg_sleep(600);'],
      '0002_loop.sql': ['ALTER TABLE "t" ADD COLUMN "x" integer;', 'DO $$ BEGIN LOOP END LOOP; END $$;'],
      '0003_after.sql': ['ALTER TABLE "t" ADD COLUMN "y" integer;'],
    });
    const run = runCli(['verify', ...files, '--format', 'json', '--statement-timeout', '3s'], { timeout: 240_000 });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    const result = JSON.parse(run.stdout) as VerifyResult;
    // 0003 applies: "t", made by 0000 before the engine was restarted, is there after it.
    expect(statuses(result)).toEqual([
      ['0000_init', 'applied'],
      ['0001_sleep', 'failed'],
      ['0002_loop', 'failed'],
      ['0003_after', 'applied'],
    ]);
    expect(failures(result)).toEqual([
      ['0001_sleep', 3, '57014', 'timed out after 3 s (--statement-timeout)'],
      ['0002_loop', 3, '57014', 'timed out after 3 s (--statement-timeout)'],
    ]);
    expect(result.migrations[1].statements[1].failure!.detail).toMatch(/^verify restarted the embedded engine and replayed the \d+ call\(s\) before this statement/);
    // The INSERT before the timeout ran, and was rolled back with its migration.
    expect(result.migrations[1].statements[0].status).toBe('rolled-back');
  });

  it('COPY … FROM STDIN and FROM PROGRAM are not sent, and the engine stays healthy for what follows', () => {
    const files = history('copy', {
      '0000_init.sql': ['CREATE TABLE "t" ("id" integer);'],
      '0001_copy.sql': ['COPY "t" FROM STDIN;', "COPY \"t\" FROM PROGRAM 'id';", 'ALTER TABLE "nope" ADD COLUMN "x" integer;', "COPY \"t\" TO PROGRAM 'cat > /tmp/x';"],
      '0002_after.sql': ['ALTER TABLE "t" ADD COLUMN "y" integer;', 'ALTER TABLE "nope" ADD COLUMN "z" integer;'],
    });
    const run = runCli(['verify', ...files, '--format', 'json'], { timeout: 120_000 });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    const result = JSON.parse(run.stdout) as VerifyResult;
    const copy = result.migrations[1].statements;
    expect(copy.map((s) => [s.line, s.status])).toEqual([
      [1, 'not-run'],
      [3, 'not-run'],
      [5, 'failed'],
      [7, 'not-run'],
    ]);
    expect(copy[0].because).toBe('COPY … FROM STDIN needs data from the client: verify has none to send, so it cannot check it');
    expect(copy[1].because).toMatch(/^COPY … FROM PROGRAM \(runs a program on the server\): affects the whole server/);
    expect(copy[2].failure!.message).toBe('relation "nope" does not exist');
    // Later failures are PostgreSQL's messages, not a broken engine (ERRORDATA_STACK_SIZE exceeded).
    expect(failures(result)).toEqual([
      ['0001_copy', 5, '42P01', 'relation "nope" does not exist'],
      ['0002_after', 3, '42P01', 'relation "nope" does not exist'],
    ]);
    expect(result.summary.notRun).toBe(3);
  });

  it('a statement that takes more memory than --memory-limit is stopped, and verify goes on', () => {
    const files = history('memory', {
      '0000_init.sql': ['CREATE TABLE "t" ("id" integer);'],
      '0001_big.sql': ["CREATE TABLE \"big\" AS SELECT g, repeat('x', 1000) AS s FROM generate_series(1, 50000000) g;"],
      '0002_after.sql': ['ALTER TABLE "t" ADD COLUMN "y" integer;'],
    });
    const run = runCli(['verify', ...files, '--format', 'json', '--memory-limit', '700MB'], { timeout: 240_000 });
    expect(run.stderr).toBe('');
    const result = JSON.parse(run.stdout) as VerifyResult;
    expect(statuses(result)).toEqual([
      ['0000_init', 'applied'],
      ['0001_big', 'failed'],
      ['0002_after', 'applied'],
    ]);
    expect(failures(result)).toEqual([['0001_big', 1, '53200', 'stopped: the engine used more than 700 MB of memory (--memory-limit)']]);
  });

  for (const [signal, code] of [
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const) {
    it(`${signal} ends a run stuck in a statement within 2 s, exit ${code}, saying what was running, nothing left running`, async () => {
      const files = history(`signal-${signal}`, {
        '0000_init.sql': ['CREATE TABLE "t" ("id" integer);'],
        '0001_sleep.sql': ['INSERT INTO "t" VALUES (1);', 'SELECT pg_sleep(600);'],
      });
      const child = spawn(process.execPath, [BIN, 'verify', ...files, '--progress', '--no-color'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      let stdout = '';
      child.stdout.on('data', (d) => (stdout += d));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) => child.on('exit', (c, sig) => resolve({ code: c, signal: sig, at: performance.now() })));
      // Wait until the statement that never ends is running (PGlite's start can take seconds on a busy machine).
      await new Promise<void>((resolve, reject) => {
        child.stderr.on('data', (d) => {
          stderr += d;
          if (/running .*0001_sleep\.sql:3:1 SELECT pg_sleep\(600\)/.test(stderr)) resolve();
        });
        child.on('exit', () => reject(new Error(`exited before the statement ran: ${stderr}`)));
      });
      await new Promise((r) => setTimeout(r, 300)); // inside pg_sleep by now
      // 2 s on a machine that starts Node in 80 ms or less; a machine that is slower now (other jobs)
      // gets as many times more: stopping a thread and leaving the process is CPU work like any other.
      const bound = 2_000 * Math.max(1, (await nodeStartMs()) / 80);
      const sent = performance.now();
      child.kill(signal);
      const { code: exitCode, signal: endedBy, at } = await exited;
      // Exit code 130/143; or, when stopping the engine's thread takes longer than 1.5 s (a machine
      // this loaded), the process ends by the signal itself, which a shell reports as the same code.
      expect(exitCode === code || endedBy === signal).toBe(true);
      expect(at - sent).toBeLessThan(bound);
      expect(stderr).toContain(`migration-lint: ${signal}: stopping verify while running ${files[1]}:3:1 SELECT pg_sleep(600);`);
      expect(stdout).toMatch(/stopped: interrupted by SIG/);
      // Nothing left running: the engine is a thread of the CLI's process, which is gone, and it started no process.
      expect(() => process.kill(child.pid!, 0)).toThrow();
      expect(descendantsOf(child.pid!)).toEqual([]);
    });
  }
});

/** How long `node -e 0` takes here now (median of 3). */
async function nodeStartMs(): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    await new Promise((resolve) => spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' }).on('exit', resolve));
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[1];
}

/** Processes whose parent is `pid` (Linux /proc; elsewhere none can be listed). */
function descendantsOf(pid: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const e of entries) {
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(e));
    } catch {
      /* gone */
    }
  }
  return out;
}
