import type { VerifyResult, MigrationResult, StatementResult } from './run.js';
import { modeName } from './trace.js';
import { escapeStrings, inertJson, outputLines } from '../formatters/safe-text.js';
import { count } from '../formatters/count.js';

export interface FormatOptions {
  color: boolean;
  /** Show lock tables for applied migrations too (default: true). */
  locks?: boolean;
}

const ms = (n: number) => (n >= 10_000 ? `${(n / 1000).toFixed(1)} s` : `${Math.round(n)} ms`);

function painter(color: boolean) {
  const wrap = (open: number, close: number) => (s: string) => (color ? `\u001b[${open}m${s}\u001b[${close}m` : s);
  return { red: wrap(31, 39), green: wrap(32, 39), yellow: wrap(33, 39), dim: wrap(2, 22), bold: wrap(1, 22) };
}

/** Locks a statement took, grouped per relation: `public.orders ACCESS EXCLUSIVE, SHARE`. */
export function lockSummary(s: StatementResult): string {
  const by = new Map<string, string[]>();
  for (const l of s.locks ?? []) by.set(l.relation, [...(by.get(l.relation) ?? []), modeName(l.mode)]);
  return [...by].map(([rel, modes]) => `${rel} ${modes.join(', ')}`).join('; ');
}

function lockTable(m: MigrationResult, c: ReturnType<typeof painter>): string[] {
  const rows = m.statements.filter((s) => (s.locks?.length ?? 0) > 0 || (s.rewrites?.length ?? 0) > 0);
  if (rows.length === 0) return [];
  const out = [c.dim('    locks and rewrites (per statement; modes the transaction already held are not repeated):')];
  for (const s of rows) {
    const where = `${s.line}:${s.column}`.padEnd(7);
    const rewrite = s.rewrites?.length ? c.yellow(`  rewrites ${s.rewrites.join(', ')}`) : '';
    out.push(`    ${c.dim(where)} ${lockSummary(s) || '-'}${rewrite}`);
  }
  return out;
}

/** `1 statement ran before the failure; 7 after it were checked (…)`: what ran, in the order migrate() would meet it. */
function rolledBackSummary(statements: StatementResult[]): string {
  const after = statements.filter((s) => s.afterFailure).length;
  const before = statements.length - after;
  const parts = [];
  if (before) parts.push(`${count(before, 'statement')} ran before the failure`);
  if (after) parts.push(`${after} after it ${after === 1 ? 'was' : 'were'} checked (migrate() stops at the first failure and never runs ${after === 1 ? 'it' : 'them'})`);
  return parts.join('; ');
}

export function formatVerifyPretty(raw: VerifyResult, options: FormatOptions): string {
  // Its strings (files, tags, statements, PostgreSQL's messages) are data: printed escaped.
  const result = escapeStrings(raw);
  const c = painter(options.color);
  const out: string[] = [];
  const review = result.migrations.filter((m) => m.phase === 'review');
  out.push(c.bold(`migration-lint verify`) + c.dim(` · ${result.engine} · ${result.transaction === 'batch' ? 'migrations under review in one transaction (as migrate())' : 'one transaction per migration'} · reviewing ${result.reviewReason}`));
  out.push('');
  const contextFailed = result.migrations.filter((m) => m.phase === 'context' && m.status === 'failed');
  for (const m of contextFailed) {
    const f = m.statements.filter((s) => s.failure);
    out.push(`${c.yellow('!')} ${m.file} ${c.dim('(context, not under review)')}: ${count(f.length, 'statement')} failed and were skipped: ${f.map((s) => `${s.line}:${s.column} ${s.failure!.message}`).join('; ')}`);
  }
  if (contextFailed.length) out.push('');
  for (const m of review) {
    const icon = m.status === 'applied' ? c.green('✔') : m.status === 'failed' ? c.red('✖') : c.yellow('?');
    const label = m.status === 'applied' ? `applied (${count(m.statements.length, 'statement')}, ${ms(m.ms)})` : m.status === 'failed' ? c.red('failed') : c.yellow(m.statements.length ? 'not checked: fails only on objects an earlier failure left missing' : 'not checked');
    out.push(`${icon} ${c.bold(m.file)}  ${label}`);
    if (m.seeded?.length) out.push(c.dim(`    seeded before it: ${m.seeded.filter((t) => t.rows > 0).map((t) => `${t.table} (${t.rows})`).join(', ') || 'nothing'}`));
    for (const s of m.statements) {
      if (s.status === 'skipped') out.push(c.yellow(`  ${s.line}:${s.column}  skipped  ${s.summary}: ${s.because}`));
      if (s.status === 'not-run') {
        out.push(`  ${s.line}:${s.column}  ${c.yellow('not run')}  ${s.because}`);
        out.push(c.dim(`    > ${s.summary}`));
      }
      if (!s.failure) continue;
      const f = s.failure;
      const at = f.at ?? { line: f.line, column: f.column };
      const tag = s.status === 'unchecked' ? c.yellow('not checked') : c.red('error');
      out.push(`  ${at.line}:${at.column}  ${tag}  ${f.message}${f.code ? c.dim(`  [${f.code}]`) : ''}`);
      out.push(c.dim(`    > ${s.summary}`));
      out.push(c.dim(`    statement ${f.statement + 1}, chunk ${f.chunk + 1}${s.because ? `; ${s.because}, so this may only be its consequence` : ''}`));
      if (f.detail) out.push(`    detail: ${f.detail}`);
      if (f.hint) out.push(`    hint: ${f.hint}`);
      if (f.dataDependent) out.push(c.dim('    fails on the seeded rows: production fails the same way when its rows are like them (see "seeded" below)'));
    }
    const rolledBack = m.statements.filter((s) => s.status === 'rolled-back');
    if (rolledBack.length) out.push(c.dim(`    rolled back: ${rolledBackSummary(rolledBack)}; the next migrations run against the state before this one`));
    if (options.locks !== false && m.status === 'applied') for (const line of lockTable(m, c)) out.push(line);
  }
  const seededTables = result.seed.tables;
  if (result.seed.file) out.push('', `seed file ${result.seed.file.path}: ${result.seed.file.error ? c.red(`failed: ${result.seed.file.error.message}`) : 'applied'}`);
  if (seededTables.length) {
    const rows = seededTables.reduce((a, t) => a + t.rows, 0);
    out.push('', `seeded ${seededTables.filter((t) => t.rows > 0).length} of ${count(seededTables.length, 'table')} with ${count(rows, 'row')}`);
    for (const t of seededTables.filter((t) => t.problem)) out.push(`  ${t.rows === 0 ? c.yellow('could not seed') : c.dim('partly seeded')} ${t.table}${t.rows ? ` (${t.rows} of ${t.attempted} rows)` : ''}: ${t.problem}${t.code ? c.dim(` [${t.code}]`) : ''}`);
  }
  const failed = review.filter((m) => m.status === 'failed');
  const unchecked = review.filter((m) => m.status === 'unchecked');
  if (unchecked.length) out.push('', `${c.yellow('not checked')}: ${unchecked.map((m) => m.tag).join(', ')}${result.aborted ? '' : ' (they fail only because an earlier migration failed; fix that one first)'}`);
  if (result.aborted) out.push('', c.red(`stopped: ${result.aborted}`));
  if (failed.length && result.transaction === 'batch' && review.length > 1) {
    out.push('', `In drizzle's migrate() these ${review.length} migrations run in one transaction when they are all pending: the first failure (${failed[0].tag}) rolls all of them back. verify rolled back only the failed migration each time, to check the others.`);
  }
  out.push('', c.dim(`time: ${result.phases.map((p) => `${p.name} ${ms(p.ms)}`).join(' · ')}`));
  const s = result.summary;
  const line = `${s.failed} of ${count(s.review, 'migration')} failed, ${s.applied} applied${s.unchecked ? `, ${s.unchecked} not checked` : ''}${s.notRun ? `, ${count(s.notRun, 'statement')} not run` : ''}${s.contextFailed ? `, ${count(s.contextFailed, 'context migration')} with failures` : ''}`;
  out.push(s.failed || result.aborted ? c.red(`✖ ${line}`) : c.green(`✔ ${line}`));
  return outputLines(out);
}

export function formatVerifyJson(result: VerifyResult): string {
  return inertJson(JSON.stringify(result, (key, value) => (typeof value === 'number' && (key === 'ms') ? Math.round(value * 10) / 10 : value), 2)) + '\n';
}
