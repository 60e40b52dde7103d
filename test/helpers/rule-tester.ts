import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadParser, parseMigration } from '../../src/engine/parse.js';
import { runEngine } from '../../src/engine/linter.js';
import type { Edit, Finding, Rule, SeveritySetting } from '../../src/engine/types.js';
import { applyEdits } from '../../src/engine/fixes.js';
import { join } from 'node:path';
import { lint } from '../../src/runner/lint.js';
import { ruleList } from '../../src/rules/index.js';

/** An expected finding: messageId and line always; the rest when the case cares. */
export interface ExpectedFinding {
  messageId: string;
  line: number;
  column?: number;
  /** Substrings the message must contain (object names, consequences). */
  message?: string[];
  /** Substrings the help must contain (the filled-in SQL). */
  help?: string[];
  severity?: 'error' | 'warn';
  /**
   * The migration's text once the finding's `fix` is applied (null: the finding has no fix). Without
   * it, the case does not check fixes. Edits to other files (snapshots) are checked in their tests.
   */
  fix?: string | null;
  /** The migration's text once each suggestion is applied, in order. */
  suggestions?: string[];
  /** Lines of the finding's related locations (a group of one root cause), in order; default: none. */
  related?: number[];
}

export interface SqlCase {
  name: string;
  /** Earlier migrations (context only, never reported on). */
  setup?: string[];
  sql: string;
  /** Later migrations of the same batch (reported on too). */
  after?: string[];
  pgVersion?: number;
  /** Journal `when` of each migration (setup, sql, after), in days; without it, no migration has one. */
  days?: number[];
  /** The case's migrations (sql and after) are a change under review (`--since`, `--staged`). */
  underReview?: boolean;
  recentTableDays?: number;
  /** Severities of other rules (the rule under test is always on): for rules that leave a case to another one. */
  rules?: Record<string, SeveritySetting>;
}

export interface InvalidSqlCase extends SqlCase {
  errors: ExpectedFinding[];
}

/** A real drizzle-kit folder; findings are matched for one migration of it. */
export interface FixtureCase {
  name: string;
  folder: string;
  migration: string;
}

export interface InvalidFixtureCase extends FixtureCase {
  errors: ExpectedFinding[];
}

export interface RuleTests {
  valid: (SqlCase | FixtureCase)[];
  invalid: (InvalidSqlCase | InvalidFixtureCase)[];
}

/**
 * Lint SQL migrations in order; setup migrations are context. Only `rule` runs, unless
 * `withRegistry` asks for every registered rule at its default (findings are still those of `rule`):
 * rules that interact with others (suppressions) need that.
 */
export async function lintSql(rule: Rule, c: SqlCase, withRegistry = false): Promise<Finding[]> {
  await loadParser();
  const texts = [...(c.setup ?? []), c.sql, ...(c.after ?? [])];
  if (c.days && c.days.length !== texts.length) throw new Error(`case "${c.name}": days needs one value per migration (${texts.length})`);
  const migrations = texts.map((text, i) =>
    parseMigration({ tag: `${String(i).padStart(4, '0')}_case`, file: `${String(i).padStart(4, '0')}_case.sql`, text, ...(c.days ? { when: Date.UTC(2025, 0, 1) + c.days[i] * 86_400_000 } : {}) }),
  );
  const setupCount = c.setup?.length ?? 0;
  const { findings } = runEngine({
    migrations,
    rules: withRegistry ? [...ruleList.filter((r) => r.id !== rule.id), rule] : [rule],
    settings: { pgVersion: c.pgVersion ?? 16, rules: { ...c.rules, [rule.id]: rule.meta.defaultSeverity === 'off' ? 'warn' : rule.meta.defaultSeverity }, ...(c.recentTableDays !== undefined ? { recentTableDays: c.recentTableDays } : {}) },
    isSelected: (_, position) => position >= setupCount,
    underReview: c.underReview === true,
  });
  return findings.filter((f) => f.rule === rule.id || f.rule === 'internal-error');
}

async function lintFixture(rule: Rule, c: FixtureCase): Promise<Finding[]> {
  const result = await lint({ paths: [c.folder], rules: { [rule.id]: rule.meta.defaultSeverity === 'off' ? 'warn' : rule.meta.defaultSeverity } });
  return result.findings.filter((f) => (f.rule === rule.id || f.rule === 'internal-error') && f.migration === c.migration);
}

function isFixture(c: SqlCase | FixtureCase): c is FixtureCase {
  return 'folder' in c;
}

/**
 * ESLint-style rule tests as data: valid cases must produce no finding; invalid cases must
 * produce exactly the listed findings (messageId + line, and message/help fragments when given).
 */
export function testRule(rule: Rule, tests: RuleTests): void {
  const names = [...tests.valid, ...tests.invalid].map((c) => c.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) throw new Error(`duplicate test case name "${duplicate}"`);
  if (tests.invalid.length === 0) throw new Error(`rule ${rule.id} has no invalid case`);

  describe(rule.id, () => {
    describe('valid', () => {
      for (const c of tests.valid) {
        it(c.name, async () => {
          const findings = isFixture(c) ? await lintFixture(rule, c) : await lintSql(rule, c);
          expect(findings.map(show)).toEqual([]);
        });
      }
    });
    describe('invalid', () => {
      for (const c of tests.invalid) {
        it(c.name, async () => {
          const findings = isFixture(c) ? await lintFixture(rule, c) : await lintSql(rule, c);
          expect(findings.map((f) => `${f.messageId}@${f.line}`)).toEqual(c.errors.map((e) => `${e.messageId}@${e.line}`));
          c.errors.forEach((e, i) => {
            const f = findings[i];
            if (e.column !== undefined) expect(f.column).toBe(e.column);
            if (e.severity) expect(f.severity).toBe(e.severity);
            expect((f.related ?? []).map((r) => r.line)).toEqual(e.related ?? []);
            for (const part of e.message ?? []) expect(f.message).toContain(part);
            for (const part of e.help ?? []) expect(f.help ?? '').toContain(part);
            if (e.fix !== undefined) expect(f.fix ? fixed(c, f, f.fix.edits) : null).toBe(e.fix);
            if (e.suggestions !== undefined) expect((f.suggestions ?? []).map((s) => fixed(c, f, s.edits))).toEqual(e.suggestions);
          });
        });
      }
    });
  });
}

/** The text of the finding's migration with the edits made to it (edits of other files are left out). */
function fixed(c: SqlCase | FixtureCase, f: Finding, edits: readonly Edit[]): string {
  const text = isFixture(c) ? readFileSync(join(c.folder, `${c.migration}.sql`), 'utf8') : c.sql;
  return applyEdits(text, edits.filter((e) => e.file === f.file));
}

function show(f: Finding): string {
  return `${f.rule}/${f.messageId}@${f.file}:${f.line}: ${f.message}`;
}

export function readFixture(path: string): string {
  return readFileSync(path, 'utf8');
}
