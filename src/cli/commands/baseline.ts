import { sha256 } from '../../engine/hash.js';
import { quoteIdent } from '../../schema/model.js';
import { UsageError } from '../../runner/errors.js';
import { maskSecrets, openConnection, readMigrationRows, redactUrl } from '../../runner/database.js';
import type { Streams } from '../../cli.js';
import { parseFlags } from '../args.js';
import { errorLines, escapeControls, escapedLines, outputLines, safeLine } from '../../formatters/safe-text.js';
import { count } from '../../formatters/count.js';

const HELP = `Usage: migration-lint baseline --database-url URL [folder] [-c drizzle.config.ts] [--to TAG] [--apply]

Mark the journal's migrations (all, or up to and including --to TAG) as applied in drizzle's
bookkeeping table, the way drizzle-orm's migrator records them: hash = sha256 of the file text,
created_at = the journal \`when\` (never now(), which would make migrate() skip later entries).
Prints the SQL; --apply runs it in one transaction after checking the table's current rows.
Rows already present (same when and hash) are left alone.
`;


export default async function baseline(argv: string[], io: Streams): Promise<number> {
  const parsed = parseFlags(argv, { config: { type: 'string', short: 'c' }, 'database-url': { type: 'string' }, to: { type: 'string' }, apply: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, 'migration-lint baseline --help');
  const v = parsed.values;
  if (v.help) {
    io.stdout.write(HELP);
    return 0;
  }
  const url = v['database-url'];
  if (!url) throw new UsageError('baseline needs --database-url postgres://… (it reads the current rows first)');
  const { loadHistory } = await import('../../verify/load.js');
  const history = await loadHistory({ cwd: process.cwd(), paths: parsed.positionals, ...(v.config !== undefined ? { config: v.config } : {}) });
  let entries = history.migrations;
  if (v.to !== undefined) {
    const at = entries.findIndex((m) => m.tag === v.to);
    if (at < 0) throw new UsageError(`--to ${v.to}: not a migration of this history`, `tags: ${entries.slice(0, 3).map((m) => m.tag).join(', ')}…`);
    entries = entries.slice(0, at + 1);
  }
  const missingWhen = entries.find((m) => m.when === undefined);
  if (missingWhen) throw new UsageError(`${missingWhen.file}: no journal \`when\`; baseline needs drizzle's journal (meta/_journal.json)`);
  const { schema, table } = history.migrationsTable;
  const qualified = `${quoteIdent(schema)}.${quoteIdent(table)}`;
  const facts = await readMigrationRows(url, schema, table);
  const rows = facts.rows;
  const planned: { tag: string; hash: string; when: number }[] = [];
  const conflicts: string[] = [];
  for (const m of entries) {
    const hash = sha256(m.text);
    const same = rows.filter((r) => r.createdAt === m.when);
    if (same.some((r) => r.hash === hash)) continue;
    if (same.length) conflicts.push(`${m.tag}: a row with created_at ${m.when} exists with another hash (${same[0].hash.slice(0, 12)}…): the file changed after it was applied`);
    else planned.push({ tag: m.tag, hash, when: m.when! });
  }
  const newest = rows.length ? rows.reduce((max, r) => Math.max(max, r.createdAt), -Infinity) : undefined;
  const whens = new Set(history.migrations.map((m) => m.when));
  for (const r of rows) if (!whens.has(r.createdAt)) conflicts.push(`row id ${r.id} (created_at ${r.createdAt}) matches no journal entry; fix or delete it first`);
  const sql = [
    `-- migration-lint baseline: ${planned.length} of ${count(entries.length, 'migration')} to mark as applied in ${qualified} (${redactUrl(url)})`,
    'BEGIN;',
    `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)};`,
    `CREATE TABLE IF NOT EXISTS ${qualified} (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint);`,
    ...planned.map((p) => `INSERT INTO ${qualified} ("hash", "created_at") VALUES ('${p.hash}', ${p.when}); -- ${escapeControls(p.tag)}`),
    'COMMIT;',
  ];
  for (const c of conflicts) io.stderr.write(errorLines(c));
  const last = entries[entries.length - 1];
  if (newest !== undefined && last && newest > last.when!) io.stderr.write(errorLines(`the table already records created_at ${newest}, newer than ${last.tag}; migrate() decides by the newest row only`));
  if (!v.apply) {
    // Data in it is escaped (a tag in a comment cannot add a line of SQL); the lines are made inert.
    io.stdout.write(outputLines(sql.flatMap(escapedLines)));
    return conflicts.length ? 1 : 0;
  }
  if (conflicts.length) {
    io.stderr.write('migration-lint: nothing applied: resolve the rows above first\n');
    return 1;
  }
  const client = await openConnection(url, '--database-url');
  try {
    await client.query('BEGIN');
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${qualified} (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint)`);
    await client.query(`LOCK TABLE ${qualified} IN EXCLUSIVE MODE`);
    const now = await client.query(`SELECT id, hash, created_at FROM ${qualified} ORDER BY id`);
    const same = now.rows.length === rows.length && now.rows.every((r, i) => Number(r.id) === rows[i].id && String(r.hash) === rows[i].hash && Number(r.created_at) === rows[i].createdAt);
    if (!same) throw new Error(`${qualified} changed while baseline ran; run it again`);
    for (const p of planned) await client.query(`INSERT INTO ${qualified} ("hash", "created_at") VALUES ($1, $2)`, [p.hash, p.when]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    io.stderr.write(errorLines(`baseline failed, nothing applied: ${maskSecrets((error as Error).message, url)}`));
    return 2;
  } finally {
    await client.end().catch(() => undefined);
  }
  io.stdout.write(`${safeLine(`${qualified}: marked ${count(planned.length, 'migration')} as applied${planned.length ? ` (${planned[0].tag} … ${planned[planned.length - 1].tag})` : ''}`)}\n`);
  return 0;
}
