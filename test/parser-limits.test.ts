import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DROP, mapTree, SKIP, someNode, walk, withoutLocations, type Node } from '../src/engine/ast.js';
import { runEngine } from '../src/engine/linter.js';
import { loadParser, parseMigration } from '../src/engine/parse.js';
import { loadPgQuery, MAX_PARSED_BYTES, parserFailures, parseSync } from '../src/engine/pg-query.js';
import { BREAKPOINT } from '../src/engine/split.js';
import type { Finding } from '../src/engine/types.js';
import { ruleList } from '../src/rules/index.js';
import { runCli } from './helpers/cli.js';

/**
 * One statement must not poison the rest: statements beyond what the parser takes (too large,
 * nested too deeply) are findings that name migration-lint's limit, the parser is started afresh
 * after it fails, its own output never reaches ours, and nothing it made then is cached. Trees of
 * any depth the parser returns are walked without running out of stack.
 */
beforeAll(loadParser);

const temp = mkdtempSync(join(tmpdir(), 'ml-parser-limits-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

const marker = `\n${BREAKPOINT}\n`;
const lintTexts = (...texts: string[]): Finding[] =>
  runEngine({ migrations: texts.map((text, i) => parseMigration({ tag: `000${i}_m`, file: `000${i}_m.sql`, text })), rules: ruleList, settings: { pgVersion: 16, rules: {} } }).findings;
const summary = (findings: Finding[]) => [...findings].sort((a, b) => a.line - b.line).map((f) => `${f.line} ${f.rule}${f.rule === 'parse-error' ? `: ${f.message.split(';')[0]}` : ''}`);

describe('statements beyond the parser', () => {
  it('130,000 statements in one file are all parsed (internal error "Maximum call stack size exceeded" before: push(...statements))', () => {
    const text = Array.from({ length: 130_000 }, (_, i) => `SELECT ${i};`).join(marker);
    const parsed = parseMigration({ tag: 'm', file: 'm.sql', text });
    expect(parsed.parseFailures).toEqual([]);
    expect(parsed.statements).toHaveLength(130_000);
    expect(parsed.statements[129_999].sql).toBe('SELECT 129999;');
  }, 120_000);

  it('10,000 `+ 1` terms: "nested too deeply for the parser", named as migration-lint\'s limit; the statements after it are parsed by a fresh parser', () => {
    const deep = `SELECT 1${' + 1'.repeat(10_000)};`;
    const text = ['CREATE TABLE "t" ("a" integer);', deep, 'ALTER TABLE "t" ADD COLUMN "b" "no_such_type";', deep, 'CREATE INDEX CONCURRENTLY "i" ON "t" ("a");'].join(marker);
    const failuresBefore = parserFailures();
    const findings = lintTexts(text);
    expect(parserFailures()).toBeGreaterThan(failuresBefore);
    expect(summary(findings)).toEqual([
      '3 parse-error: This statement is nested too deeply for the parser (its expressions or sub-selects nest deeper than the stack migration-lint runs PostgreSQL\'s parser on)',
      '5 missing-create-type',
      '7 parse-error: This statement is nested too deeply for the parser (its expressions or sub-selects nest deeper than the stack migration-lint runs PostgreSQL\'s parser on)',
      '9 concurrently-in-transaction',
    ]);
    const parseErrors = findings.filter((f) => f.rule === 'parse-error');
    for (const f of parseErrors) {
      expect(f.message).toContain('This is a limit of migration-lint, not of PostgreSQL.');
      expect(f.message).not.toMatch(/PostgreSQL cannot parse|Maximum call stack/);
    }
    // The fresh parser answers as the first one did.
    expect(parseSync('ALTER TABLE "t" ADD COLUMN "b" "no_such_type"')).toEqual(parseSync('ALTER TABLE "t" ADD COLUMN "b" "no_such_type"'));
  });

  it('after a failure, loading the parser again gives this thread a fresh instance that answers the same', async () => {
    const sql = 'CREATE TABLE "x" ("id" serial PRIMARY KEY, "v" text DEFAULT \'é\')';
    const before = parseSync(sql);
    expect(() => parseSync(`SELECT 1${' + 1'.repeat(10_000)}`)).toThrow('nested too deeply for the parser');
    expect(parseSync(sql)).toEqual(before); // the stand-in thread
    await loadPgQuery();
    expect(parseSync(sql)).toEqual(before); // this thread again
  });

  it(`a statement over ${MAX_PARSED_BYTES / 1024 / 1024} MB is not given to the parser: "too large for the parser: N MB", at once; the rest is linted`, () => {
    const rows = Array.from({ length: 1_800_000 }, (_, i) => `(${i})`).join(',');
    const big = `INSERT INTO "t" ("a") VALUES ${rows};`;
    const text = ['CREATE TABLE "t" ("a" integer);', big, 'ALTER TABLE "t" ADD COLUMN "b" "no_such_type";'].join(marker);
    const started = performance.now();
    const findings = lintTexts(text);
    expect(performance.now() - started).toBeLessThan(20_000);
    expect(summary(findings)).toEqual([`3 parse-error: This statement is too large for the parser: ${(Buffer.byteLength(big) / 1024 / 1024).toFixed(1)} MB`, '5 missing-create-type']);
    // The finding quotes the start of the statement, not all of it.
    expect(findings[0].statement!.length).toBeLessThan(300);
  }, 120_000);

  it('a statement without a semicolon between two others in one chunk: only the one too large is lost', () => {
    const big = `INSERT INTO "t" ("a") VALUES ${Array.from({ length: 1_800_000 }, (_, i) => `(${i})`).join(',')};`;
    const text = `CREATE TABLE "t" ("a" integer);\n${big}\nALTER TABLE "t" ADD COLUMN "b" "no_such_type";\n`;
    expect(summary(lintTexts(text)).map((s) => s.split(':')[0])).toEqual(['2 parse-error', '3 missing-create-type']);
  }, 120_000);
});

describe('trees as deep as the parser returns are walked without running out of stack', () => {
  it('1,000 nested sub-selects: missing-create-type finds the type inside (crashed before: "rule missing-create-type crashed: Maximum call stack size exceeded")', () => {
    const text = `CREATE TABLE "t" ("a" integer);${marker}SELECT ${'(SELECT '.repeat(1000)}1::"missing"${')'.repeat(1000)};`;
    expect(summary(lintTexts(text))).toEqual(['3 missing-create-type']);
  });

  it.each([
    ['1,500 nested sub-selects', `SELECT ${'(SELECT '.repeat(1500)}1::"missing"${')'.repeat(1500)}`],
    ['5,000 `+ 1` terms in a CHECK constraint, then its column renamed and dropped', `ALTER TABLE "t" ADD CONSTRAINT "c" CHECK ("a" = 1${' + 1'.repeat(5000)});${marker}ALTER TABLE "t" RENAME COLUMN "a" TO "z";${marker}ALTER TABLE "t" DROP COLUMN "z"`],
    ['3,000 nested ARRAY[] in a default and a partial index', `ALTER TABLE "t" ADD COLUMN "e" integer[] DEFAULT ${'ARRAY['.repeat(3000)}1${']'.repeat(3000)};${marker}CREATE INDEX "i" ON "t" ("a") WHERE "a" = ANY(${'ARRAY['.repeat(3000)}1${']'.repeat(3000)});${marker}ALTER TABLE "t" RENAME COLUMN "a" TO "z"`],
  ])('%s: no rule crashes', (_, sql) => {
    const findings = lintTexts(`CREATE TABLE "t" ("a" integer);${marker}${sql};`);
    expect(findings.filter((f) => f.rule === 'internal-error').map((f) => f.message)).toEqual([]);
    expect(findings.filter((f) => f.rule === 'parse-error').map((f) => f.message)).toEqual([]);
  });
});

describe('the walks without recursion visit what the recursive ones did', () => {
  // The recursive walks they replace, as they were.
  const recursiveWalk = (node: Node, visit: (tag: string, fields: Node, parent: Node) => void, parent?: Node): void => {
    if (Array.isArray(node)) {
      for (const n of node) recursiveWalk(n, visit, parent);
      return;
    }
    if (!node || typeof node !== 'object') return;
    for (const k in node) {
      const v = node[k];
      if (v && typeof v === 'object') {
        const first = k.charCodeAt(0);
        if (first >= 65 && first <= 90 && !Array.isArray(v)) visit(k, v, parent);
        recursiveWalk(v, visit, node);
      }
    }
  };
  const recursiveWithout = (node: Node): Node => {
    if (Array.isArray(node)) return node.map(recursiveWithout);
    if (!node || typeof node !== 'object') return node;
    const out: Record<string, unknown> = {};
    for (const k in node) if (k !== 'location' && k !== 'stmt_location' && k !== 'stmt_len') out[k] = recursiveWithout(node[k]);
    return out;
  };
  const tree = fc.letrec((tie) => ({
    node: fc.oneof({ depthSize: 'small' }, fc.integer(), fc.string({ maxLength: 3 }), fc.constant(null), tie('object'), tie('array')),
    object: fc.dictionary(fc.constantFrom('A_Expr', 'ColumnRef', 'location', 'args', 'typeName', 'names', 'x', 'Stmt'), tie('node'), { maxKeys: 4 }),
    array: fc.array(tie('node'), { maxLength: 3 }),
  })).node;

  it('walk, someNode, mapTree and withoutLocations on random trees and on a real parse tree', () => {
    const check = (root: Node) => {
      const seen: unknown[] = [];
      const expected: unknown[] = [];
      walk(root, (tag, fields, parent) => seen.push([tag, fields, parent]));
      recursiveWalk(root, (tag, fields, parent) => expected.push([tag, fields, parent]));
      expect(seen).toEqual(expected);
      const order: unknown[] = [];
      someNode(root, (node, key) => void order.push([key, node]));
      const all: unknown[] = [];
      const collect = (node: Node, key: string | number | undefined) => {
        if (!node || typeof node !== 'object') return;
        all.push([key, node]);
        if (Array.isArray(node)) node.forEach((n, i) => collect(n, i));
        else for (const k in node) collect(node[k], k);
      };
      collect(root, undefined);
      expect(order).toEqual(all);
      expect(withoutLocations(root)).toEqual(recursiveWithout(root));
      expect(mapTree(root, (n) => n)).toBe(root);
      const renamed = mapTree(root, (n, k) => (k === 'x' ? 'renamed' : k === 'location' ? DROP : n));
      expect(JSON.stringify(renamed)).toBe(JSON.stringify(root, (k, v) => (k === 'x' ? 'renamed' : k === 'location' ? undefined : v)));
    };
    fc.assert(fc.property(tree, check), { numRuns: 300 });
    check(parseSync('SELECT (SELECT a::"t" FROM b WHERE c = ANY(ARRAY[1, 2])) AS d, x + y * 2 FROM e JOIN f USING (g)'));
  });

  it('past the recursion budget: every node is still visited, the deep part after the rest', () => {
    let deep: Node = { ColumnRef: { fields: [{ String: { sval: 'bottom' } }] } };
    for (let i = 0; i < 20_000; i++) deep = { A_Expr: { lexpr: deep, rexpr: { A_Const: { ival: i } } } };
    let tags = 0;
    walk(deep, () => tags++);
    expect(tags).toBe(20_000 * 2 + 2);
    expect(someNode(deep, (n) => n.String?.sval === 'bottom')).toBe(true);
    expect(someNode(deep, (n) => (n.A_Expr ? SKIP : n.String?.sval === 'bottom'))).toBe(false);
    expect(JSON.stringify(withoutLocations({ a: 1 }))).toBe('{"a":1}');
    let depth = 0;
    for (let n = mapTree(deep, (x) => x, { copy: true }); n?.A_Expr; n = n.A_Expr.lexpr) depth++;
    expect(depth).toBe(20_000);
  });
});

describe('the CLI, when the parser runs out of memory', () => {
  // `SELECT 1,1,1,…` of 6 MB: PostgreSQL's parser exhausts its 1 GB and ends "the process" (FATAL).
  const dense = `SELECT ${'1,'.repeat(3 * 1024 * 1024)}1;`;

  it('its own output stays off stdout and stderr, the statement is reported as too large, the rest is linted, and nothing of it is cached', () => {
    const dir = join(temp, 'dense');
    const file = join(temp, 'dense.sql');
    writeFileSync(file, ['CREATE TABLE "t" ("a" integer);', dense, 'ALTER TABLE "t" ADD COLUMN "b" "no_such_type";', 'CREATE INDEX CONCURRENTLY "i" ON "t" ("a");'].join(marker));
    const run = () => runCli([file, '--format', 'json', '--cache', '--cache-location', dir], { cwd: temp, env: { MIGRATION_LINT_TIMINGS: '1' }, timeout: 300_000 });
    for (const attempt of [1, 2]) {
      const r = run();
      // Before: "Terminating process due to FATAL error" on stdout, memory dumps on stderr.
      expect(r.stdout.startsWith('{'), `run ${attempt}: ${r.stdout.slice(0, 200)}`).toBe(true);
      expect(r.stderr).not.toMatch(/FATAL|MemoryContext|Grand total/);
      expect(r.code).toBe(1);
      const report = JSON.parse(r.stdout) as { findings: Finding[] };
      expect(summary(report.findings)).toEqual(['3 parse-error: This statement is too large for the parser: 6.0 MB', '5 missing-create-type', '7 concurrently-in-transaction']);
      // Never served from the cache: the second run parses again.
      expect(r.stderr).toContain('cache lookup (miss)');
    }
  }, 600_000);
});
