import { sha256 } from '../engine/hash.js';
import { parseExpression } from '../engine/parse.js';
import { readMigrationRows, type MigrationRow } from '../runner/database.js';
import { UsageError } from '../runner/errors.js';
import { compareSchemas, type SchemaDifference } from '../schema/compare.js';
import { exprText } from '../schema/expr.js';
import type { Expr, Index, SchemaState, Table } from '../schema/model.js';
import { snapshotState } from '../schema/snapshot-diff.js';
import { typeFromAst } from '../schema/typename.js';
import type { LoadedHistory } from './load.js';
import { escapeStrings, outputLines } from '../formatters/safe-text.js';

export interface DriftEntry {
  tag: string;
  file: string;
  when?: number;
  hash: string;
  /** applied: a row has its `when`; pending: the migrator will run it; skipped: no row, but `when` ≤ the newest created_at, so migrate() never runs it; changed: applied, and the file's hash differs from the row's. */
  status: 'applied' | 'pending' | 'skipped' | 'changed';
  row?: MigrationRow;
}

export interface DriftReport {
  url: string;
  table: string;
  tableExists: boolean;
  /** The newest created_at: migrate() runs only entries whose `when` is greater. */
  newest?: number;
  entries: DriftEntry[];
  /** Rows whose created_at matches no journal `when` (the hash may name the file it came from). */
  unknownRows: (MigrationRow & { hashMatches?: string })[];
  problems: number;
}

/**
 * `verify --against URL`: compare drizzle's bookkeeping rows with the journal, read-only (a READ
 * ONLY transaction, SELECT only, rolled back). Decisions mirror drizzle-orm's migrator: it reads
 * the newest created_at once and runs every entry whose `when` is greater; the hash is never read.
 */
export async function checkDrift(url: string, history: LoadedHistory): Promise<DriftReport> {
  const facts = await readMigrationRows(url, history.migrationsTable.schema, history.migrationsTable.table, '--against');
  const newest = facts.rows.length ? facts.rows.reduce((max, r) => Math.max(max, r.createdAt), -Infinity) : undefined;
  const byWhen = new Map<number, MigrationRow[]>();
  for (const r of facts.rows) byWhen.set(r.createdAt, [...(byWhen.get(r.createdAt) ?? []), r]);
  const hashes = new Map<string, string>();
  const entries: DriftEntry[] = history.migrations.map((m) => {
    const hash = sha256(m.text);
    hashes.set(hash, m.tag);
    const rows = m.when !== undefined ? byWhen.get(m.when) ?? [] : facts.rows.filter((r) => r.hash === hash);
    const row = rows.find((r) => r.hash === hash) ?? rows[0];
    let status: DriftEntry['status'];
    if (row) status = row.hash === hash ? 'applied' : 'changed';
    else if (newest !== undefined && (m.when === undefined || m.when <= newest)) status = 'skipped';
    else status = 'pending';
    return { tag: m.tag, file: m.file, ...(m.when !== undefined ? { when: m.when } : {}), hash, status, ...(row ? { row } : {}) };
  });
  const whens = new Set(history.migrations.map((m) => m.when));
  const unknownRows = facts.rows.filter((r) => !whens.has(r.createdAt)).map((r) => ({ ...r, ...(hashes.has(r.hash) ? { hashMatches: hashes.get(r.hash)! } : {}) }));
  const problems = entries.filter((e) => e.status === 'skipped' || e.status === 'changed').length + unknownRows.length;
  return { url: facts.url, table: facts.table, tableExists: facts.tableExists, ...(newest !== undefined ? { newest } : {}), entries, unknownRows, problems };
}

export function formatDriftPretty(raw: DriftReport, color: boolean): string {
  const report = escapeStrings(raw); // file names and tags are data
  const paint = (code: number) => (s: string) => (color ? `\u001b[${code}m${s}\u001b[39m` : s);
  const red = paint(31);
  const yellow = paint(33);
  const green = paint(32);
  const out = [`migration-lint verify --against ${report.url} (read-only): ${report.table}${report.tableExists ? `, ${report.entries.filter((e) => e.row).length} of ${report.entries.length} journal entries recorded` : ' does not exist (nothing applied yet)'}`, ''];
  for (const e of report.entries) {
    switch (e.status) {
      case 'skipped':
        out.push(`${red('✖')} ${e.file}: never applied, and migrate() will skip it forever: its when ${e.when ?? '?'} is not after the newest created_at ${report.newest} (apply its SQL by hand and insert its row, or give it a newer when)`);
        break;
      case 'changed':
        out.push(`${red('✖')} ${e.file}: changed after it was applied (row id ${e.row!.id} has hash ${e.row!.hash.slice(0, 12)}…, the file is ${e.hash.slice(0, 12)}…); the database keeps the old version`);
        break;
      case 'pending':
        out.push(`${yellow('•')} ${e.file}: pending (migrate() will run it)`);
        break;
      default:
        out.push(`${green('✔')} ${e.file}: applied`);
    }
  }
  for (const r of report.unknownRows) {
    out.push(`${red('✖')} row id ${r.id} (created_at ${r.createdAt}, hash ${r.hash.slice(0, 12)}…) matches no journal entry${r.hashMatches ? `; its hash is the file of ${r.hashMatches}: inserted with a wrong created_at (now()?), which makes migrate() skip every entry up to it` : ''}`);
  }
  out.push('', report.problems ? red(`✖ ${report.problems} problem${report.problems === 1 ? '' : 's'}`) : green('✔ the database agrees with the journal'));
  return outputLines(out);
}

// ---------------------------------------------------------------------------------------------
// `verify --against URL --schema`: the live schema against the newest snapshot.

/** What `--schema` does not compare (the model or the snapshot does not carry it). */
export const SCHEMA_NOT_COMPARED = [
  'sequence options (increment, start, cache, min/max)',
  'view and materialized view definitions (only their existence and kind)',
  'index method, operator classes and NULLS order (columns, DESC, uniqueness and predicate are compared)',
  'NOT VALID on constraints, FORCE ROW LEVEL SECURITY',
  'functions, triggers, extensions, domains and composite types, grants, comments',
];

export interface SchemaDriftReport {
  url: string;
  server: string;
  /** The snapshot compared with: the newest of the history. */
  snapshot: { tag: string; file: string };
  /** Object kinds and fields left out of the comparison. */
  notCompared: string[];
  /** Differences, left = snapshot, right = database (same shape as compareSchemas). */
  differences: SchemaDifference[];
  problems: number;
}

/**
 * Introspect the database read-only and compare it with the newest snapshot of the history.
 * Expressions are compared after dropping casts to text/varchar on both sides: PostgreSQL stores
 * `'a'::text` and `(slug)::text` where drizzle writes `'a'` and `slug`.
 */
export async function checkSchemaDrift(url: string, history: LoadedHistory): Promise<SchemaDriftReport> {
  const withSnapshot = [...history.project.migrations].reverse().find((m) => m.snapshot);
  if (!withSnapshot) throw new UsageError('--schema compares the database with the newest snapshot, and this history has none', 'pass the drizzle folder (with meta/*_snapshot.json)');
  let snapshotJson: unknown;
  try {
    snapshotJson = JSON.parse(history.project.files.read(withSnapshot.snapshot!));
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`${withSnapshot.snapshot}: unreadable snapshot (${(error as Error).message})`);
  }
  const built = snapshotState(snapshotJson);
  if ('reason' in built) throw new UsageError(`${withSnapshot.snapshot}: ${built.reason}`);
  const { introspectUrl } = await import('./introspect.js');
  const live = await introspectUrl(url, { migrationsTable: history.migrationsTable });
  const differences = compareSchemas(normaliseExpressions(built.state), normaliseExpressions(live.state), { left: 'snapshot', right: 'database' });
  return {
    url: live.url,
    server: live.server,
    snapshot: { tag: withSnapshot.tag, file: withSnapshot.file },
    notCompared: SCHEMA_NOT_COMPARED,
    differences,
    problems: differences.length,
  };
}

export function formatSchemaDriftPretty(raw: SchemaDriftReport, color: boolean): string {
  const report = escapeStrings(raw); // object names and expressions are data
  const paint = (code: number) => (s: string) => (color ? `\u001b[${code}m${s}\u001b[39m` : s);
  const red = paint(31);
  const green = paint(32);
  const dim = paint(90);
  const out = [`migration-lint verify --against ${report.url} --schema (read-only, PostgreSQL ${report.server}): the live schema vs ${report.snapshot.tag}'s snapshot`, ''];
  for (const d of report.differences) out.push(`${red('✖')} ${d.object} ${d.name}: ${d.detail}`);
  if (report.differences.length) out.push('');
  out.push(dim(`not compared: ${report.notCompared.join('; ')}`), '');
  out.push(report.problems ? red(`✖ ${report.problems} difference${report.problems === 1 ? '' : 's'} between the database and the snapshot`) : green('✔ the database schema agrees with the newest snapshot'));
  return outputLines(out);
}

/** A copy of the state whose expressions have casts to text/varchar removed (the inputs are not modified). */
export function normaliseExpressions(state: SchemaState): SchemaState {
  const e = (x: Expr | undefined): Expr | undefined => (x ? { ast: stripTextCasts(x.ast) } : undefined);
  const tables = new Map<string, Table>();
  for (const [k, t] of state.tables) {
    tables.set(k, {
      ...t,
      columns: new Map([...t.columns].map(([n, c]) => [n, withExprs(c, { default: e(c.default), generated: e(c.generated) })])),
      constraints: new Map([...t.constraints].map(([n, c]) => [n, withExprs(c, { check: e(c.check) })])),
      policies: new Map([...t.policies].map(([n, p]) => [n, withExprs(p, { using: e(p.using), withCheck: e(p.withCheck) })])),
    });
  }
  const indexes = new Map<string, Index>();
  for (const [k, i] of state.indexes) {
    indexes.set(k, withExprs({ ...i, columns: i.columns.map((c) => (c.isExpression ? { ...c, expression: normaliseExpressionText(c.expression) } : c)) }, { where: e(i.where) }));
  }
  return { ...state, tables, indexes };
}

function withExprs<T extends object>(object: T, exprs: Record<string, Expr | undefined>): T {
  const out = { ...object } as Record<string, unknown>;
  for (const [k, v] of Object.entries(exprs)) {
    if (v) out[k] = v;
    else delete out[k];
  }
  return out as T;
}

function normaliseExpressionText(text: string): string {
  const ast = parseExpression(text);
  return ast ? exprText(stripTextCasts(ast) as never) : text;
}

/** Copy-on-write removal of `::text` / `::varchar` (no modifiers, no array) casts. */
function stripTextCasts(node: any): any {
  if (Array.isArray(node)) {
    let out: any[] | undefined;
    node.forEach((item, i) => {
      const next = stripTextCasts(item);
      if (next !== item) (out ??= [...node])[i] = next;
    });
    return out ?? node;
  }
  if (node === null || typeof node !== 'object') return node;
  const cast = node.TypeCast;
  if (cast?.typeName && cast.arg) {
    let type;
    try {
      type = typeFromAst(cast.typeName);
    } catch {
      type = undefined;
    }
    if (type && type.builtin && (type.name === 'text' || type.name === 'varchar') && type.mods.length === 0 && type.arrayDims === 0) return stripTextCasts(cast.arg);
  }
  let out: any;
  for (const k of Object.keys(node)) {
    const next = stripTextCasts(node[k]);
    if (next !== node[k]) (out ??= { ...node })[k] = next;
  }
  return out ?? node;
}
