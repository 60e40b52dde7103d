import { createHash } from 'node:crypto';
import { readMigrationRows, type MigrationRow } from '../runner/database.js';
import type { LoadedHistory } from './load.js';

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
  const facts = await readMigrationRows(url, history.migrationsTable.schema, history.migrationsTable.table);
  const newest = facts.rows.length ? Math.max(...facts.rows.map((r) => r.createdAt)) : undefined;
  const byWhen = new Map<number, MigrationRow[]>();
  for (const r of facts.rows) byWhen.set(r.createdAt, [...(byWhen.get(r.createdAt) ?? []), r]);
  const hashes = new Map<string, string>();
  const entries: DriftEntry[] = history.migrations.map((m) => {
    const hash = createHash('sha256').update(m.text).digest('hex');
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

export function formatDriftPretty(report: DriftReport, color: boolean): string {
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
  return out.join('\n') + '\n';
}
