import { sha256 } from '../engine/hash.js';
import { count } from '../formatters/count.js';
import { quoteIdent } from '../schema/model.js';
import { readFileSync } from 'node:fs';
import { LineIndex } from '../engine/source.js';
import type { ParsedMigration, Statement } from '../engine/types.js';
import { toPgError, isServerError, type Engine, type PgError } from './engine.js';
import type { LoadedHistory } from './load.js';
import { notRunReason, restriction } from './sandbox.js';
import { newTableListing, seedTables, type SeedTable } from './seed.js';
import type { StepOptions } from './step.js';
import type { LockEntry } from './trace.js';

export type TransactionMode = 'batch' | 'each';

export interface VerifyOptions {
  /** `batch` (default): all migrations under review in one transaction, as drizzle's migrate() runs pending migrations, with savepoints; `each`: one transaction per migration. */
  transaction?: TransactionMode;
  /** Insert representative rows before the migrations under review (default true). */
  seed?: boolean;
  /** The user's own rows, run before the automatic seeding. */
  seedFile?: string;
  /** Record locks and rewrites per statement (default true). */
  trace?: boolean;
  /** Called before each statement is sent, with where it is (`drizzle/0003_x.sql:4:1 ALTER TABLE …`). */
  progress?: (activity: string) => void;
}

export interface Failure {
  migration: string;
  file: string;
  /** 0-based statement index in the migration (top-level statements, in file order). */
  statement: number;
  /** 0-based `--> statement-breakpoint` chunk. */
  chunk: number;
  line: number;
  column: number;
  /** Where PostgreSQL points inside the statement, when it reports a position. */
  at?: { line: number; column: number };
  sql: string;
  message: string;
  code?: string;
  hint?: string;
  detail?: string;
  /** The error depends on the rows (SQLSTATE class 22 or 23 on seeded data): production fails when its rows look like these. */
  dataDependent?: boolean;
}

export interface StatementResult {
  index: number;
  chunk: number;
  line: number;
  column: number;
  /** First line of the statement, shortened. */
  summary: string;
  /**
   * rolled-back: ran and succeeded, then undone with its failed migration; skipped: transaction
   * control (BEGIN/COMMIT…), which verify does not send (it owns the transaction); not-run: not sent
   * (see `because`).
   */
  status: 'applied' | 'failed' | 'unchecked' | 'rolled-back' | 'not-run' | 'skipped';
  /** For `rolled-back`: after the migration's first failure, where migrate() stops: verify ran it only to check it. */
  afterFailure?: boolean;
  ms: number;
  locks?: LockEntry[];
  rewrites?: string[];
  failure?: Failure;
  /** For `unchecked`: the earlier failure it depends on. */
  because?: string;
}

export interface MigrationResult {
  tag: string;
  file: string;
  /** `context`: before the migrations under review (replayed, not judged); `review`: under review. */
  phase: 'context' | 'review';
  /** applied; failed (a statement failed on its own); unchecked (failed only on objects an earlier failure did not create). */
  status: 'applied' | 'failed' | 'unchecked';
  ms: number;
  statements: StatementResult[];
  /** Seeding done just before this migration. */
  seeded?: SeedTable[];
}

export interface VerifyResult {
  engine: string;
  transaction: TransactionMode;
  reviewFrom: number;
  reviewReason: string;
  migrations: MigrationResult[];
  seed: { tables: SeedTable[]; file?: { path: string; error?: PgError } };
  phases: { name: string; ms: number }[];
  /** Migrations under review by outcome; `notRun`: statements of theirs verify did not send (see StatementResult.because). */
  summary: { applied: number; failed: number; unchecked: number; contextFailed: number; review: number; notRun: number };
  /** Set when the engine itself broke (connection lost…): the run stopped. */
  aborted?: string;
}

/** SQLSTATEs of "does not exist" errors: a later failure of this kind may only echo an earlier one. */
const UNDEFINED = new Set(['42P01', '42703', '42704', '42883', '3F000', '42P02', '42710', '42P07']);

interface Unit {
  index: number;
  chunk: number;
  start: number;
  sql: string;
  kind?: string;
  statement?: Statement;
  /** The statements of its DO block. */
  nested: Statement[];
}

/** The statements as the migrator sends them: top-level statements (and unparsable pieces), in file order. */
function units(m: ParsedMigration): Unit[] {
  const out: Unit[] = m.statements
    .filter((s) => s.origin === 'top-level')
    .map((s) => ({ index: 0, chunk: s.chunk, start: s.location.start, sql: s.sql, kind: s.kind, statement: s, nested: m.statements.filter((n) => n.doBlock?.parent === s.index) }));
  for (const f of m.parseFailures) if (f.sql.trim() && !f.message.includes('byte order mark')) out.push({ index: 0, chunk: f.chunk, start: f.location.start, sql: f.sql, nested: [] });
  out.sort((a, b) => a.start - b.start);
  out.forEach((u, i) => (u.index = i));
  return out;
}

function summaryOf(sql: string): string {
  const line = sql.replace(/^(\s*--[^\n]*\n)+/, '').trim().split('\n')[0] ?? '';
  return line.length > 100 ? `${line.slice(0, 97)}…` : line;
}

/** Names in a "does not exist" message: `relation "x"`, `column a.workspace_id`, `type "public.x"`. */
function quotedNames(message: string): string[] {
  const names = [...message.matchAll(/"([^"]+)"/g)].map((m) => m[1]);
  for (const m of message.matchAll(/\b(?:column|relation|type|function|schema|constraint|index)\s+([\w.$]+)/g)) names.push(m[1]);
  return [...new Set(names.flatMap((n) => [n, n.split('.').pop()!]))].filter((n) => n.length > 1);
}

/**
 * Apply the history the way drizzle-orm's migrator does — journal order, the file split on
 * `--> statement-breakpoint` (each chunk's statements sent in order), bookkeeping rows of
 * (sha256 of the file, journal `when`) — and record, per statement, failures (PostgreSQL's
 * message, SQLSTATE, hint, file:line), locks and rewrites.
 *
 * Migrations before `reviewFrom` are context: each in its own transaction, a failing statement
 * skipped (they ran in production somehow). Then the tables are seeded, and the migrations under
 * review run — in `batch` mode in ONE transaction like migrate(), each migration in a savepoint
 * (and each statement in a nested one) so a failure is attributed and rolled back, and the next
 * migrations run against the state before the failed one.
 */
export async function runHistory(engine: Engine, history: LoadedHistory, options: VerifyOptions = {}): Promise<VerifyResult> {
  const mode = options.transaction ?? 'batch';
  const trace = options.trace !== false;
  const phases: { name: string; ms: number }[] = [];
  const timed = async <T>(name: string, f: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await f();
    } finally {
      const existing = phases.find((p) => p.name === name);
      if (existing) existing.ms += performance.now() - t0;
      else phases.push({ name, ms: performance.now() - t0 });
    }
  };
  const { schema, table } = history.migrationsTable;
  const bookkeeping = `${quoteIdent(schema)}.${quoteIdent(table)}`;
  const results: MigrationResult[] = [];
  const seeded = new Set<number>();
  const listing = newTableListing();
  const seedReport: VerifyResult['seed'] = { tables: [] };
  /** Failed (or not sent) statements so far (text), to tell a consequence from a failure of its own. */
  const failedSql: { tag: string; index: number; sql: string; notRun?: boolean }[] = [];
  let aborted: string | undefined;

  await timed('bookkeeping table', async () => {
    await engine.exec(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
    await engine.exec(`CREATE TABLE IF NOT EXISTS ${bookkeeping} (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint)`);
  });
  const excludeTable = `${schema}.${table}`;

  /** How the trace starts a migration under review (see StepOptions.trace): after the first, in batch mode, from what it knows. */
  let traceStart: 'fresh' | 'continue' | 'rewind' = 'fresh';
  /**
   * Since the state traceStart continues from, the bookkeeping INSERT may have taken locks: the
   * first row of the transaction takes them on drizzle's table, its index and its sequence, and
   * later rows take none unless a migration did something to that table.
   */
  let bookkeepingLocks = false;
  let bookkeepingRows = false;

  const applyMigration = async (m: ParsedMigration, phase: 'context' | 'review', inBatch: boolean, unchanged = false): Promise<MigrationResult> => {
    const t0 = performance.now();
    const lines = new LineIndex(m.text);
    const list = units(m);
    const statements: StatementResult[] = [];
    const deferred: Unit[] = [];
    if (inBatch) await engine.exec('SAVEPOINT migration_lint_migration');
    else await engine.exec('BEGIN');
    // Locks and rewrites of the migrations under review, from the state at the migration's start.
    let traced: StepOptions['trace'] = trace && phase === 'review' ? traceStart : undefined;
    let ownFailure = false;
    let anyFailure = false;
    for (const u of list) {
      const pos = lines.position(u.start);
      const base: StatementResult = { index: u.index, chunk: u.chunk, line: pos.line, column: pos.column, summary: summaryOf(u.sql), status: 'applied', ms: 0 };
      if (u.kind === 'TransactionStmt') {
        // In migrate() a COMMIT here ends drizzle's transaction early; verify keeps its own and says so.
        base.status = 'skipped';
        base.because = 'transaction control: in migrate() it ends or nests drizzle\'s transaction (the statements after a COMMIT run outside it); verify does not send it';
        statements.push(base);
        continue;
      }
      const limited = u.statement ? restriction(u.statement, u.nested) : undefined;
      if (limited && (limited.scope === 'client' || !limited.pglite || engine.kind === 'postgres')) {
        base.status = 'not-run';
        base.because = notRunReason(limited);
        statements.push(base);
        failedSql.push({ tag: m.tag, index: u.index, sql: u.sql, notRun: true });
        continue;
      }
      const activity = `${m.file}:${pos.line}:${pos.column} ${base.summary}`;
      engine.activity = activity;
      options.progress?.(activity);
      const s0 = performance.now();
      const outcome = await engine.step(u.sql, { savepoint: 'migration_lint_statement', ...(traced ? { trace: traced, ...(unchanged && traced !== 'diff' ? { unchanged } : {}) } : {}) });
      base.ms = outcome.ms ?? performance.now() - s0;
      if (traced) traced = 'diff';
      if (!outcome.error) {
        if (outcome.locks) base.locks = outcome.locks;
        if (outcome.rewrites) base.rewrites = outcome.rewrites;
      } else {
        const e = outcome.error;
        if (phase === 'context' && e.code === '25001') {
          // Context migrations ran in production somehow: run CONCURRENTLY builds after the commit.
          deferred.push(u);
          statements.push(base);
          continue;
        }
        const failure: Failure = {
          migration: m.tag,
          file: m.file,
          statement: u.index,
          chunk: u.chunk,
          line: pos.line,
          column: pos.column,
          sql: u.sql.trim(),
          message: e.message,
          ...(e.code ? { code: e.code } : {}),
          ...(e.hint ? { hint: e.hint } : {}),
          ...(e.detail ? { detail: e.detail } : {}),
          ...(e.code && /^2[23]/.test(e.code) ? { dataDependent: true } : {}),
        };
        if (e.position !== undefined) {
          const at = lines.position(u.start + e.position - 1);
          failure.at = { line: at.line, column: at.column };
        }
        const cause = e.code && UNDEFINED.has(e.code) ? failedSql.find((f) => quotedNames(e.message).some((n) => new RegExp(`(^|[^\\w$])"?${n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"?($|[^\\w$])`, 'i').test(f.sql))) : undefined;
        base.failure = failure;
        if (cause) {
          base.status = 'unchecked';
          base.because = `${cause.tag} statement ${cause.index + 1} ${cause.notRun ? 'was not run' : 'failed'}`;
        } else {
          base.status = 'failed';
          ownFailure = true;
        }
        anyFailure = true;
        failedSql.push({ tag: m.tag, index: u.index, sql: u.sql });
      }
      statements.push(base);
    }
    const failedMigration = anyFailure && phase === 'review';
    // The bookkeeping row and the end of the migration's (sub)transaction, in one call (a hex hash and a number: no quoting to get wrong).
    const end = failedMigration
      ? inBatch ? 'ROLLBACK TO SAVEPOINT migration_lint_migration; RELEASE SAVEPOINT migration_lint_migration' : 'ROLLBACK'
      : `INSERT INTO ${bookkeeping} (hash, created_at) VALUES ('${sha256(m.text)}', ${Number.isSafeInteger(m.when) ? m.when : Date.now()}); ${inBatch ? 'RELEASE SAVEPOINT migration_lint_migration' : 'COMMIT'}`;
    await engine.exec(end);
    if (phase === 'review') {
      traceStart = !inBatch ? 'fresh' : failedMigration ? 'rewind' : 'continue';
      bookkeepingLocks = !failedMigration && (!bookkeepingRows || m.text.toLowerCase().includes(table.toLowerCase()));
      if (!failedMigration) bookkeepingRows = true;
    }
    for (const u of deferred) {
      try {
        await engine.exec(u.sql, { user: true });
      } catch {
        /* context: best effort */
      }
    }
    if (failedMigration) {
      const first = statements.findIndex((s) => s.status === 'failed' || s.status === 'unchecked');
      statements.forEach((s, i) => {
        if (s.status !== 'applied') return;
        s.status = 'rolled-back';
        if (i > first) s.afterFailure = true;
      });
    }
    return { tag: m.tag, file: m.file, phase, status: !anyFailure ? 'applied' : ownFailure || phase === 'context' ? 'failed' : 'unchecked', ms: performance.now() - t0, statements };
  };

  const seedNow = async (inTransaction: boolean): Promise<SeedTable[]> =>
    timed('seed', async () => {
      engine.activity = 'seeding the tables';
      if (!inTransaction) await engine.exec('BEGIN');
      const outcome = await seedTables(engine, seeded, excludeTable, listing);
      if (!inTransaction) await engine.exec('COMMIT');
      for (const table of outcome.tables) seedReport.tables.push(table);
      return outcome.tables;
    });

  try {
    const context = history.migrations.slice(0, history.reviewFrom);
    await timed(`context (${count(context.length, 'migration')})`, async () => {
      for (const m of context) results.push(await applyMigration(m, 'context', false));
    });
    if (options.seedFile) {
      await timed('seed', async () => {
        const text = readFileSync(options.seedFile!, 'utf8');
        try {
          await engine.exec(text, { user: true });
          seedReport.file = { path: options.seedFile! };
        } catch (error) {
          if (!isServerError(error)) throw error;
          seedReport.file = { path: options.seedFile!, error: toPgError(error) };
        }
      });
    }
    const review = history.migrations.slice(history.reviewFrom);
    const seed = options.seed !== false;
    if (seed && review.length > 0) await seedNow(false);
    await timed(`review (${count(review.length, 'migration')})`, async () => {
      if (mode === 'batch' && review.length > 0) await engine.exec('BEGIN');
      for (const [i, m] of review.entries()) {
        // Tables created by earlier migrations under review get rows too: each migration meets populated tables.
        const fresh = seed && i > 0 ? await seedNow(mode === 'batch') : [];
        const r = await applyMigration(m, 'review', mode === 'batch', fresh.length === 0 && !bookkeepingLocks);
        if (fresh.length) r.seeded = fresh;
        results.push(r);
      }
      if (mode === 'batch' && review.length > 0) await engine.exec('ROLLBACK');
    });
  } catch (error) {
    if (isServerError(error)) throw error;
    aborted = (error as Error).message;
  }
  const inReview = results.filter((r) => r.phase === 'review');
  for (const m of history.migrations.slice(results.length)) {
    results.push({ tag: m.tag, file: m.file, phase: results.length < history.reviewFrom ? 'context' : 'review', status: 'unchecked', ms: 0, statements: [] });
  }
  return {
    engine: engine.description,
    transaction: mode,
    reviewFrom: history.reviewFrom,
    reviewReason: history.reviewReason,
    migrations: results,
    seed: seedReport,
    phases,
    summary: {
      review: history.migrations.length - history.reviewFrom,
      applied: inReview.filter((r) => r.status === 'applied').length,
      failed: inReview.filter((r) => r.status === 'failed').length,
      unchecked: results.filter((r) => r.phase === 'review' && r.status === 'unchecked').length,
      contextFailed: results.filter((r) => r.phase === 'context' && r.status === 'failed').length,
      notRun: inReview.reduce((n, r) => n + r.statements.filter((s) => s.status === 'not-run').length, 0),
    },
    ...(aborted ? { aborted } : {}),
  };
}
