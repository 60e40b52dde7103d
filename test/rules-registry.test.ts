import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { rules } from '../src/rules/index.js';
import { HISTORY_RULES } from '../src/runner/history-facts.js';
import { lintSql } from './helpers/rule-tester.js';

/**
 * One rule = four names that must agree: src/rules/<id>.ts, its registry key, docs/rules/<id>.md
 * and test/rules/<id>.test.ts. Doc pages are checked against the rule's meta, and their SQL
 * examples are run through the rule (an `invalid` block must be reported, a `valid` one not).
 */
const ruleFiles = readdirSync('src/rules').filter((f) => f.endsWith('.ts') && f !== 'index.ts').map((f) => f.replace(/\.ts$/, ''));
const REQUIRED_HEADINGS = ['## Problem', '## Safe alternative', '## When not to use it'];

describe('rule registry', () => {
  it('registers every rule file under its file name, and nothing else', () => {
    expect(Object.keys(rules).sort()).toEqual([...ruleFiles].sort());
  });

  for (const id of ruleFiles) {
    describe(id, () => {
      const rule = rules[id];
      const docPath = `docs/rules/${id}.md`;

      it('has id = file name = registry key, and a docs URL derived from it', () => {
        expect(rule?.id).toBe(id);
        expect(rule.meta.docsUrl.endsWith(`/docs/rules/${id}.md`)).toBe(true);
      });

      it(`has a test file test/rules/${id}.test.ts`, () => {
        expect(existsSync(`test/rules/${id}.test.ts`), `missing test/rules/${id}.test.ts`).toBe(true);
      });

      it(`has a doc page ${docPath} whose front matter matches the rule's meta`, () => {
        expect(existsSync(docPath), `missing ${docPath}`).toBe(true);
        const doc = readFileSync(docPath, 'utf8');
        const front = /^---\n([\s\S]*?)\n---\n/.exec(doc)?.[1] ?? '';
        const field = (name: string) => new RegExp(`^${name}: (.*)$`, 'm').exec(front)?.[1];
        expect(field('id')).toBe(id);
        expect(field('category')).toBe(rule.meta.category);
        expect(field('severity')).toBe(rule.meta.defaultSeverity);
        expect(field('description')).toBe(rule.meta.description);
        expect(doc).toContain(`# ${id}\n`);
        let at = -1;
        for (const heading of REQUIRED_HEADINGS) {
          const next = doc.indexOf(`\n${heading}\n`);
          expect(next, `${docPath} lacks "${heading}"`).toBeGreaterThan(-1);
          expect(next, `${docPath}: "${heading}" is out of order`).toBeGreaterThan(at);
          at = next;
        }
      });

      const doc = existsSync(docPath) ? readFileSync(docPath, 'utf8') : '';
      const examples = [...doc.matchAll(/```sql (valid|invalid)\n([\s\S]*?)```/g)].map((m) => ({ kind: m[1], sql: m[2] }));
      // Integrity rules, and rules that read the folder's files or journal (the history facts),
      // judge what a SQL snippet cannot show.
      if ((rule?.check || rule?.checkMigration) && rule.meta.category !== 'integrity' && !HISTORY_RULES.includes(id)) {
        it('has at least one invalid SQL example in its doc', () => {
          expect(examples.some((e) => e.kind === 'invalid')).toBe(true);
        });
      }
      examples.forEach((example, i) => {
        it(`doc example ${i + 1} (${example.kind}) behaves as labelled`, async () => {
          // A `-- setup` section (before `-- migration`) is an earlier migration: context only.
          const [setup, sql] = example.sql.includes('-- migration\n') ? example.sql.split('-- migration\n') : ['', example.sql];
          const findings = await lintSql(rule, { name: 'doc', setup: setup.trim() ? [setup] : [], sql }, true);
          if (example.kind === 'invalid') expect(findings.length).toBeGreaterThan(0);
          else expect(findings).toEqual([]);
        });
      });
    });
  }
});
