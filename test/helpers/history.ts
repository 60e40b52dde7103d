import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { lint, type LintOptions } from '../../src/runner/lint.js';
import { rules } from '../../src/rules/index.js';
import type { Rule } from '../../src/engine/types.js';

/** History-rule tests: a real drizzle-kit folder copied to a temp dir, mutated, then linted. */
export function historyTester(rule: Rule, source = 'examples/shop/drizzle') {
  const temp = mkdtempSync(join(tmpdir(), `ml-${rule.id}-`));
  afterAll(() => rmSync(temp, { recursive: true, force: true }));
  // Until the rule is registered in src/rules/index.ts, pass it as an extra rule.
  const extraRules = rules[rule.id] ? [] : [rule];
  return {
    temp,
    folder(name: string, edit: (dir: string) => void = () => undefined): string {
      const dir = join(temp, name);
      cpSync(source, dir, { recursive: true });
      edit(dir);
      return dir;
    },
    async findings(dir: string, options: LintOptions = {}) {
      const result = await lint({ paths: [dir], extraRules, env: {}, ...options } as LintOptions);
      return result.findings
        .filter((f) => f.rule === rule.id)
        .map((f) => ({ messageId: f.messageId, migration: f.migration, line: f.line, severity: f.severity, file: f.file.replace(dir, '<dir>'), message: f.message, help: f.help, ...(f.fix ? { fix: f.fix } : {}) }));
    },
  };
}

export function editJournal(dir: string, change: (j: { entries: { idx: number; version?: string; when: number; tag: string; breakpoints: boolean }[] }) => void): void {
  const file = join(dir, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(file, 'utf8'));
  change(journal);
  writeFileSync(file, JSON.stringify(journal, null, 2));
}

export function editSnapshot(dir: string, prefix: string, change: (s: Record<string, unknown>) => void): void {
  const file = join(dir, 'meta', `${prefix}_snapshot.json`);
  const snapshot = JSON.parse(readFileSync(file, 'utf8'));
  change(snapshot);
  writeFileSync(file, JSON.stringify(snapshot, null, 2));
}

/** A throwaway git repository holding `dir`, with one commit on branch main. */
export function gitInit(dir: string): (...args: string[]) => string {
  const run = (...args: string[]) =>
    execFileSync('git', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e', GIT_CONFIG_GLOBAL: '/dev/null' } });
  run('init', '-q', '-b', 'main');
  run('config', 'core.autocrlf', 'false');
  run('add', '-A');
  run('commit', '-q', '-m', 'base');
  return run;
}

/**
 * Add a migration the way `drizzle-kit generate --custom` does: `<tag>.sql` with `sql`, a journal
 * entry after the last one (next idx, a later `when`), and a copy of the previous snapshot with a new
 * id whose prevId is the previous snapshot's id.
 * (Restored: the first version of this helper was overwritten by mistake; same signature.)
 */
export function addMigration(folder: string, tag: string, sql: string): void {
  writeFileSync(join(folder, `${tag}.sql`), sql);
  const journalFile = join(folder, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: { idx: number; version: string; when: number; tag: string; breakpoints: boolean }[] };
  const last = journal.entries[journal.entries.length - 1];
  journal.entries.push({ idx: last ? last.idx + 1 : 0, version: last?.version ?? '7', when: Math.max(Date.now(), (last?.when ?? 0) + 1), tag, breakpoints: true });
  writeFileSync(journalFile, JSON.stringify(journal, null, 2));
  if (!last) return;
  const previous = join(folder, 'meta', `${last.tag.split('_')[0]}_snapshot.json`);
  let snapshot: Record<string, unknown>;
  try {
    snapshot = JSON.parse(readFileSync(previous, 'utf8'));
  } catch {
    return;
  }
  const prevId = snapshot.id as string;
  const { id: _old, prevId: _prev, ...rest } = snapshot;
  void _old;
  void _prev;
  writeFileSync(join(folder, 'meta', `${tag.split('_')[0]}_snapshot.json`), JSON.stringify({ id: randomUUID(), prevId, ...rest }, null, 2));
}
