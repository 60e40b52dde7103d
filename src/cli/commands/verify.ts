import { resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { UsageError } from '../../runner/errors.js';
import { parseFlags } from '../args.js';
import { maskSecrets, redactUrl } from '../../runner/database.js';
import type { Streams } from '../../cli.js';
import { errorLines, inertJson, safeLine } from '../../formatters/safe-text.js';

const HELP = `Usage: migration-lint verify [folder | files…] [options]

Apply the migration history to a real PostgreSQL — embedded PGlite by default (on its own thread,
no server), or a throwaway database on a server with --database-url — the way drizzle-orm's migrate()
does, and report every statement that fails (file:line, PostgreSQL's message, SQLSTATE, hint),
the tables it could not seed, and the locks and rewrites of every statement.
Files of a migrations folder named on the command line are reviewed; the migrations before them
are replayed as context, and those after them are not run.

Options:
  -c, --config FILE         drizzle config (default ./drizzle.config.*): its \`out\` folder
  --since REF               review the migrations added or changed since REF; earlier ones are context
  -f, --format NAME         pretty (default) or json
  --database-url URL        run on this server in a throwaway database (CREATE DATABASE
                            migration_lint_verify_<random>, dropped at the end, also on failure
                            and Ctrl-C); never writes to an existing database
  --against URL             read-only: compare the database's __drizzle_migrations with the journal
                            (skipped entries, unknown rows, changed files); runs no migration
  --schema                  with --against: compare the live schema (pg_catalog, read-only) with the
                            newest snapshot instead, object by object; exit 1 when they differ
  --seed FILE               SQL with your own rows, run before the automatic seeding
  --no-seed                 do not insert representative rows before the migrations under review
  --transaction MODE        batch (default: the migrations under review in one transaction, as
                            migrate() runs pending migrations) or each (one per migration)
  --no-trace                skip the lock and rewrite trace (faster on long histories)
  --statement-timeout TIME  a statement running longer fails ("timed out after 3 s") and verify
                            goes on with the next one (default 120s; 500ms, 30s, 5m)
  --memory-limit SIZE       the engine may use this much memory; past it the statement fails
                            and verify goes on (default 2GB; 512MB, 4GB)
  --progress                print each statement on stderr as it starts
  --color, --no-color
  -h, --help

Exit codes: 0 every migration under review applied, 1 failures, 2 usage or engine error.
`;

export default async function verify(argv: string[], io: Streams): Promise<number> {
  const parsed = parseFlags(
    argv,
    {
      config: { type: 'string', short: 'c' },
      since: { type: 'string' },
      format: { type: 'string', short: 'f', default: 'pretty' },
      'database-url': { type: 'string' },
      against: { type: 'string' },
      schema: { type: 'boolean' },
      seed: { type: 'string' },
      'no-seed': { type: 'boolean' },
      transaction: { type: 'string', default: 'batch' },
      'no-trace': { type: 'boolean' },
      'statement-timeout': { type: 'string', default: '120s' },
      'memory-limit': { type: 'string', default: '2GB' },
      progress: { type: 'boolean' },
      color: { type: 'boolean' },
      'no-color': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    'migration-lint verify --help',
  );
  const v = parsed.values;
  if (v.help) {
    io.stdout.write(HELP);
    return 0;
  }
  if (v.format !== 'pretty' && v.format !== 'json') throw new UsageError(`--format ${v.format}: verify prints pretty or json`);
  if (v.transaction !== 'batch' && v.transaction !== 'each') throw new UsageError(`--transaction ${v.transaction}: expected batch or each`);
  if (v.against !== undefined && v['database-url'] !== undefined) throw new UsageError('--against (read-only drift check) and --database-url (throwaway database) cannot be combined');
  if (v.schema && v.against === undefined) throw new UsageError('--schema compares a live database with the newest snapshot: pass --against postgres://…');
  const statementTimeoutMs = parseDuration(v['statement-timeout'], '--statement-timeout');
  const memoryLimitMb = parseSize(v['memory-limit'], '--memory-limit');
  const cwd = process.cwd();
  if (v.seed !== undefined && !existsSync(resolve(cwd, v.seed))) throw new UsageError(`--seed ${v.seed}: file not found`);
  const color = v['no-color'] ? false : v.color ?? (process.env.NO_COLOR ? false : process.env.FORCE_COLOR !== undefined ? process.env.FORCE_COLOR !== '0' : io.stdout.isTTY === true);

  const t0 = performance.now();
  const { loadHistory } = await import('../../verify/load.js');
  const load = (onTexts?: Parameters<typeof loadHistory>[0]['onTexts']) =>
    loadHistory({ cwd, paths: parsed.positionals, ...(v.config !== undefined ? { config: v.config } : {}), ...(v.since !== undefined ? { since: v.since } : {}), ...(onTexts ? { onTexts } : {}) });

  if (v.against !== undefined) {
    const history = await load();
    const drift = await import('../../verify/drift.js');
    if (v.schema) {
      const report = await drift.checkSchemaDrift(v.against, history);
      io.stdout.write(v.format === 'json' ? inertJson(JSON.stringify(report, null, 2)) + '\n' : drift.formatSchemaDriftPretty(report, color));
      return report.problems > 0 ? 1 : 0;
    }
    const report = await drift.checkDrift(v.against, history);
    io.stdout.write(v.format === 'json' ? inertJson(JSON.stringify(report, null, 2)) + '\n' : drift.formatDriftPretty(report, color));
    return report.problems > 0 ? 1 : 0;
  }

  const { createThrowawayDatabase, extensionsUsed, EngineError } = await import('../../verify/engine.js');
  const { EngineHost } = await import('../../verify/host.js');
  const { runHistory } = await import('../../verify/run.js');
  const { formatVerifyPretty, formatVerifyJson } = await import('../../verify/format.js');
  const notes: string[] = [];
  let throwaway: Awaited<ReturnType<typeof createThrowawayDatabase>> | undefined;
  let host: InstanceType<typeof EngineHost> | undefined;
  // The engine runs on its own thread (verify/host.ts), so a signal is handled whatever a migration
  // does: the engine is stopped, the throwaway database dropped, and the run ends with 130/143.
  let interrupted: NodeJS.Signals | undefined;
  const exitCode = (signal: NodeJS.Signals) => (signal === 'SIGINT' ? 130 : 143);
  const interrupt = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = signal;
    const running = host?.activity;
    io.stderr.write(errorLines(`${signal}: stopping verify${running ? ` while running ${running}` : ''}${throwaway ? '; dropping the throwaway database' : ''}`));
    host?.stop(`interrupted by ${signal}${running ? ` while running ${running}` : ''}`);
    // Stopping the engine's thread (Node joins it before the process ends) or a server that does not
    // answer the DROP must not keep the process: past 1 s (1.5 s with a database to drop) it ends by the signal itself, with the
    // default action, which shells and CI report as the same 130/143.
    setTimeout(() => {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    }, throwaway ? 1_500 : 1_000).unref();
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  const release = async () => {
    await host?.close();
    await throwaway?.drop();
    process.removeListener('SIGINT', interrupt);
    process.removeListener('SIGTERM', interrupt);
  };
  const limits = { statementTimeoutMs, memoryLimitMb };
  let history: Awaited<ReturnType<typeof loadHistory>>;
  try {
    // PGlite starts on its thread while the history is parsed here.
    history = await load(v['database-url'] === undefined ? (texts, config) => (host = new EngineHost({ kind: 'pglite', extensions: extensionsUsed(texts, config.extensions ?? []) }, limits)) : undefined);
  } catch (error) {
    host?.stop('verify did not start');
    await release();
    throw error;
  }
  const loadMs = performance.now() - t0;
  const t1 = performance.now();
  try {
    if (v['database-url'] !== undefined && !interrupted) {
      throwaway = await createThrowawayDatabase(v['database-url'], { extensions: extensionsUsed(history.migrations.map((m) => m.text)) });
      notes.push(...throwaway.notes);
      if (!interrupted) host = new EngineHost({ kind: 'postgres', url: throwaway.url, shownUrl: throwaway.shownUrl, statementTimeoutMs }, limits);
    }
    await host?.ready;
  } catch (error) {
    await release();
    if (interrupted) return exitCode(interrupted);
    if (error instanceof EngineError) {
      io.stderr.write(errorLines(error.message, error.hint));
      return 2;
    }
    throw error;
  }
  if (interrupted || !host) {
    await release();
    return exitCode(interrupted ?? 'SIGTERM');
  }
  if (host.missing.length) notes.push(`PGlite does not bundle the extension(s) ${host.missing.join(', ')}: statements that need them cannot be checked here; use --database-url with a server that has them`);
  const startMs = performance.now() - t1;
  let result;
  try {
    result = await runHistory(host, history, {
      transaction: v.transaction,
      seed: !v['no-seed'],
      ...(v.seed !== undefined ? { seedFile: resolve(cwd, v.seed) } : {}),
      trace: !v['no-trace'],
      ...(v.progress ? { progress: (activity: string) => io.stderr.write(errorLines(`running ${activity}`)) } : {}),
    });
  } catch (error) {
    await release();
    io.stderr.write(errorLines(`verify stopped: ${v['database-url'] ? maskSecrets((error as Error).message, v['database-url']) : (error as Error).message}`));
    return 2;
  }
  const t2 = performance.now();
  await release();
  result.phases.push({ name: host.kind === 'postgres' ? 'drop database' : 'close engine', ms: performance.now() - t2 });
  // PGlite started beside load + parse: its own start time, and what the run waited for it after parsing.
  const start = host.kind === 'pglite' ? [{ name: 'start PGlite (beside load + parse)', ms: host.startMs }, { name: 'wait for PGlite', ms: startMs }] : [{ name: `start PostgreSQL (${redactUrl(v['database-url']!)})`, ms: startMs }];
  result.phases.unshift({ name: 'load + parse', ms: loadMs }, ...start);
  const output = v.format === 'json' ? formatVerifyJson({ ...result, ...(notes.length ? { notes } : {}) } as never) : formatVerifyPretty(result, { color }) + notes.map((n) => `note: ${safeLine(n)}\n`).join('');
  io.stdout.write(output);
  if (interrupted) return exitCode(interrupted);
  if (result.aborted) return 2;
  return result.summary.failed > 0 || result.summary.unchecked > 0 ? 1 : 0;
}

/** `120s`, `500ms`, `5m`, `2` (seconds) → milliseconds. */
export function parseDuration(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|min)?$/i.exec(text.trim());
  const value = m ? Number(m[1]) * ({ ms: 1, s: 1000, m: 60_000, min: 60_000 } as Record<string, number>)[(m[2] ?? 's').toLowerCase()] : NaN;
  if (!(value >= 1) || !Number.isFinite(value)) throw new UsageError(`${flag} ${text}: expected a duration such as 500ms, 30s or 5m`);
  return Math.round(value);
}

/** `2GB`, `512MB`, `512` (MB) → megabytes. */
export function parseSize(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(mb|m|gb|g)?$/i.exec(text.trim());
  const value = m ? Number(m[1]) * (/^g/i.test(m[2] ?? '') ? 1024 : 1) : NaN;
  if (!(value >= 64) || !Number.isFinite(value)) throw new UsageError(`${flag} ${text}: expected a size of at least 64MB, such as 512MB or 2GB`);
  return Math.round(value);
}
