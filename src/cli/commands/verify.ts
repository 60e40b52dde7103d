import { resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { UsageError } from '../../runner/errors.js';
import { parseFlags } from '../args.js';
import { redactUrl } from '../../runner/database.js';
import type { Streams } from '../../cli.js';

const HELP = `Usage: migration-lint verify [folder | files…] [options]

Apply the migration history to a real PostgreSQL — embedded PGlite by default (in-process, no
server), or a throwaway database on a server with --database-url — the way drizzle-orm's migrate()
does, and report every statement that fails (file:line, PostgreSQL's message, SQLSTATE, hint),
the tables it could not seed, and the locks and rewrites of every statement.

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
  const cwd = process.cwd();
  if (v.seed !== undefined && !existsSync(resolve(cwd, v.seed))) throw new UsageError(`--seed ${v.seed}: file not found`);
  const color = v['no-color'] ? false : v.color ?? (process.env.NO_COLOR ? false : process.env.FORCE_COLOR !== undefined ? process.env.FORCE_COLOR !== '0' : io.stdout.isTTY === true);

  const t0 = performance.now();
  const { loadHistory } = await import('../../verify/load.js');
  const history = await loadHistory({ cwd, paths: parsed.positionals, ...(v.config !== undefined ? { config: v.config } : {}), ...(v.since !== undefined ? { since: v.since } : {}) });
  const loadMs = performance.now() - t0;

  if (v.against !== undefined && v.schema) {
    const { checkSchemaDrift, formatSchemaDriftPretty } = await import('../../verify/drift.js');
    const report = await checkSchemaDrift(v.against, history);
    io.stdout.write(v.format === 'json' ? JSON.stringify(report, null, 2) + '\n' : formatSchemaDriftPretty(report, color));
    return report.problems > 0 ? 1 : 0;
  }

  if (v.against !== undefined) {
    const { checkDrift, formatDriftPretty } = await import('../../verify/drift.js');
    const report = await checkDrift(v.against, history);
    io.stdout.write(v.format === 'json' ? JSON.stringify(report, null, 2) + '\n' : formatDriftPretty(report, color));
    return report.problems > 0 ? 1 : 0;
  }

  const { startPglite, startPostgres, extensionsUsed, EngineError } = await import('../../verify/engine.js');
  const { runHistory } = await import('../../verify/run.js');
  const { formatVerifyPretty, formatVerifyJson } = await import('../../verify/format.js');
  const t1 = performance.now();
  let engine: Awaited<ReturnType<typeof startPostgres>> | undefined;
  const notes: string[] = [];
  // Installed before the throwaway database exists: a Ctrl-C while it is being created must still
  // drop it (the default action would kill the process and leave the database behind).
  let interrupted: NodeJS.Signals | undefined;
  const exitCode = (signal: NodeJS.Signals) => (signal === 'SIGINT' ? 130 : 143);
  const interrupt = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = signal;
    if (!engine) return; // dropped as soon as startPostgres returns, below
    io.stderr.write(`migration-lint: ${signal}: dropping the throwaway database\n`);
    void engine.close().finally(() => process.exit(exitCode(signal)));
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  const stopListening = () => {
    process.removeListener('SIGINT', interrupt);
    process.removeListener('SIGTERM', interrupt);
  };
  try {
    if (v['database-url'] !== undefined) engine = await startPostgres(v['database-url']);
    else {
      const started = await startPglite(extensionsUsed(history.migrations.map((m) => m.text), history.lintConfig.extensions ?? []));
      engine = started.engine;
      if (started.missing.length) notes.push(`PGlite does not bundle the extension(s) ${started.missing.join(', ')}: statements that need them cannot be checked here; use --database-url with a server that has them`);
    }
  } catch (error) {
    stopListening();
    if (error instanceof EngineError) {
      io.stderr.write(`migration-lint: ${error.message}\n${error.hint ? `  hint: ${error.hint}\n` : ''}`);
      return 2;
    }
    throw error;
  }
  if (interrupted) {
    io.stderr.write(`migration-lint: ${interrupted}: dropping the throwaway database\n`);
    await engine.close();
    stopListening();
    return exitCode(interrupted);
  }
  const startMs = performance.now() - t1;
  let result;
  try {
    result = await runHistory(engine, history, {
      transaction: v.transaction,
      seed: !v['no-seed'],
      ...(v.seed !== undefined ? { seedFile: resolve(cwd, v.seed) } : {}),
      trace: !v['no-trace'],
    });
  } catch (error) {
    io.stderr.write(`migration-lint: verify stopped: ${v['database-url'] ? (await import('../../verify/engine.js')).maskSecrets((error as Error).message, v['database-url']) : (error as Error).message}\n`);
    return 2;
  } finally {
    const t2 = performance.now();
    await engine.close();
    stopListening();
    if (result) result.phases.push({ name: engine.kind === 'postgres' ? 'drop database' : 'close engine', ms: performance.now() - t2 });
  }
  result.phases.unshift({ name: 'load + parse', ms: loadMs }, { name: `start ${engine.kind === 'pglite' ? 'PGlite' : `PostgreSQL (${redactUrl(v['database-url']!)})`}`, ms: startMs });
  const output = v.format === 'json' ? formatVerifyJson({ ...result, ...(notes.length ? { notes } : {}) } as never) : formatVerifyPretty(result, { color }) + notes.map((n) => `note: ${n}\n`).join('');
  io.stdout.write(output);
  if (result.aborted) return 2;
  return result.summary.failed > 0 || result.summary.unchecked > 0 ? 1 : 0;
}
