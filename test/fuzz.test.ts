import fc from 'fast-check';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEngine } from '../src/engine/linter.js';
import { loadParser, parseMigration } from '../src/engine/parse.js';
import { BREAKPOINT, splitChunks } from '../src/engine/split.js';
import type { Finding, ParsedMigration } from '../src/engine/types.js';
import { ruleList } from '../src/rules/index.js';
import { isUsageError } from '../src/runner/errors.js';
import { lint } from '../src/runner/lint.js';
import { runCli } from './helpers/cli.js';

/**
 * Property-based robustness tests. Runs are bounded (CI time) and reproducible: fast-check prints
 * the seed and the shrunk counterexample on failure; rerun one with FC_SEED=<seed>.
 */
const seed = process.env.FC_SEED ? Number(process.env.FC_SEED) : undefined;
const runs = (n: number) => ({ numRuns: Number(process.env.FC_RUNS ?? n), ...(seed !== undefined ? { seed } : {}) });

const FIXTURE_FOLDERS = ['examples/shop/drizzle', 'fixtures/projects/features/drizzle', 'fixtures/projects/renames/drizzle', 'fixtures/projects/legacy-do-blocks/drizzle'];
const realSql: string[] = FIXTURE_FOLDERS.flatMap((dir) => readdirSync(dir).filter((f) => f.endsWith('.sql')).map((f) => readFileSync(join(dir, f), 'utf8')));

beforeAll(loadParser);

/** Edits a real migration the ways hand edits and broken tools do. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.nat({ max: 80 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(fc.string(), fc.constantFrom(BREAKPOINT, '$$', "'", '"', ';', '--', '/*', '\r\n', '\ufeff', 'é', '\u0000', 'DO $$ BEGIN', 'END $$;')) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), length: fc.nat({ max: 200 }) }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(text: string, edits: Mutation[]): string {
  let t = text;
  for (const m of edits) {
    const at = t.length === 0 ? 0 : m.at % (t.length + 1);
    if (m.kind === 'delete') t = t.slice(0, at) + t.slice(at + m.length);
    else if (m.kind === 'insert') t = t.slice(0, at) + m.text + t.slice(at);
    else if (m.kind === 'truncate') t = t.slice(0, at);
    else t = t.slice(0, at) + t.slice(at, at + m.length) + t.slice(at);
  }
  return t;
}

function lineCount(text: string): number {
  return text.split(/\r\n|\r|\n/).length;
}

/** The invariants every lint run must keep, whatever the input. */
function checkFindings(findings: Finding[], texts: Map<string, string>): void {
  for (const f of findings) {
    expect(f.rule, f.message).not.toBe('internal-error');
    const text = texts.get(f.file);
    if (text === undefined) continue;
    const lines = lineCount(text);
    expect(f.line).toBeGreaterThanOrEqual(1);
    expect(f.line).toBeLessThanOrEqual(lines);
    expect(f.endLine).toBeGreaterThanOrEqual(f.line);
    expect(f.endLine).toBeLessThanOrEqual(lines);
    expect(f.column).toBeGreaterThanOrEqual(1);
  }
}

function lintTexts(texts: string[]): { findings: Finding[]; parsed: ParsedMigration[] } {
  const parsed = texts.map((text, i) => parseMigration({ tag: `${String(i).padStart(4, '0')}_m`, file: `${i}.sql`, text }));
  const { findings } = runEngine({ migrations: parsed, rules: ruleList, settings: { pgVersion: 16, rules: {} } });
  return { findings, parsed };
}

describe('fuzz: splitter and parser', () => {
  it('splitting is exactly String.split on the marker, with exact spans', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string(), fc.constant(BREAKPOINT)), { maxLength: 12 }).map((parts) => parts.join('')), (text) => {
        const chunks = splitChunks(text);
        expect(chunks.map((c) => c.text)).toEqual(text.split(BREAKPOINT));
        for (const c of chunks) expect(text.slice(c.start, c.end)).toBe(c.text);
      }),
      runs(300),
    );
  });

  it('random text never throws; every statement and failure is located inside the file; same input, same output', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 400 }), fc.string({ unit: 'binary', maxLength: 200 })), (text) => {
        const a = parseMigration({ tag: 't', file: 't.sql', text });
        const b = parseMigration({ tag: 't', file: 't.sql', text });
        expect(a.statements.map((s) => s.sql)).toEqual(b.statements.map((s) => s.sql));
        for (const s of a.statements) {
          expect(s.location.start).toBeGreaterThanOrEqual(0);
          expect(s.location.end).toBeLessThanOrEqual(text.length);
        }
        for (const f of a.parseFailures) expect(f.location.end).toBeLessThanOrEqual(text.length);
      }),
      runs(300),
    );
  });
});

describe('fuzz: every rule on mutated real drizzle-kit SQL', () => {
  it('no rule crashes, findings stay inside their file, output is deterministic', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ file: fc.nat({ max: realSql.length - 1 }), edits: fc.array(mutation, { maxLength: 4 }) }), { minLength: 1, maxLength: 5 }), (history) => {
        const texts = history.map((h) => mutate(realSql[h.file], h.edits));
        const first = lintTexts(texts);
        checkFindings(first.findings, new Map(texts.map((t, i) => [`${i}.sql`, t])));
        expect(lintTexts(texts).findings).toEqual(first.findings);
      }),
      // Found by this test once, kept as regressions: a marker after the last statement put a
      // parse error's end before its start.
      { ...runs(150), examples: [[[{ file: 18 % realSql.length, edits: [{ kind: 'insert', at: 153176, text: BREAKPOINT }] }, { file: 0, edits: [] }]]] as never },
    );
  });
});

describe('fuzz: mutated journals and snapshots', () => {
  const temp = mkdtempSync(join(tmpdir(), 'ml-fuzz-'));
  afterAll(() => rmSync(temp, { recursive: true, force: true }));
  const journal = JSON.parse(readFileSync('examples/shop/drizzle/meta/_journal.json', 'utf8'));
  const value = fc.oneof(fc.constant(undefined), fc.constant(null), fc.string(), fc.integer(), fc.double(), fc.constant(1e308), fc.boolean(), fc.constant([]), fc.constant({}), fc.constant('../../etc/passwd'), fc.constant('/etc/passwd'));
  const journalEdit = fc.oneof(
    fc.record({ kind: fc.constant('field' as const), entry: fc.nat(), field: fc.constantFrom('idx', 'when', 'tag', 'version', 'breakpoints'), value }),
    fc.record({ kind: fc.constant('top' as const), field: fc.constantFrom('version', 'dialect', 'entries'), value }),
    fc.record({ kind: fc.constant('swap' as const), a: fc.nat(), b: fc.nat() }),
    fc.record({ kind: fc.constant('duplicate' as const), entry: fc.nat() }),
  );

  let n = 0;
  it('lint() returns a result or a one-line UsageError; never anything else', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(journalEdit, { minLength: 1, maxLength: 4 }), fc.option(fc.string({ maxLength: 40 })), async (edits, snapshotText) => {
        const dir = join(temp, `case-${n++}`);
        cpSync('examples/shop/drizzle', dir, { recursive: true });
        const j = structuredClone(journal);
        for (const e of edits) {
          const entries = Array.isArray(j.entries) ? j.entries : [];
          if (e.kind === 'field' && entries.length) entries[e.entry % entries.length][e.field] = e.value;
          if (e.kind === 'top') j[e.field] = e.value;
          if (e.kind === 'swap' && entries.length) [entries[e.a % entries.length], entries[e.b % entries.length]] = [entries[e.b % entries.length], entries[e.a % entries.length]];
          if (e.kind === 'duplicate' && entries.length) entries.push(structuredClone(entries[e.entry % entries.length]));
        }
        writeFileSync(join(dir, 'meta/_journal.json'), JSON.stringify(j));
        if (snapshotText !== null) writeFileSync(join(dir, 'meta/0005_snapshot.json'), snapshotText);
        try {
          const result = await lint({ paths: [dir] });
          checkFindings(result.findings, result.sources);
          // Never silently skipped: each journal entry is linted or has a finding saying why not.
          const tags = new Set(result.findings.map((f) => f.migration));
          for (const e of Array.isArray(j.entries) ? j.entries : []) {
            if (typeof e?.tag === 'string') expect(result.sources.has(join(dir, `${e.tag}.sql`).replace(`${process.cwd()}/`, '')) || tags.has(e.tag) || result.findings.length > 0).toBe(true);
          }
        } catch (error) {
          expect(isUsageError(error), String((error as Error)?.stack ?? error)).toBe(true);
          expect((error as Error).message).not.toContain('\n');
        }
      }),
      // Found by this test once, kept as regressions: a `when` beyond Date's range crashed journal-order.
      { ...runs(60), examples: [[[{ kind: 'field', entry: 0, field: 'when', value: 1e308 }], null]] as never },
    );
  });

  it('the CLI exits 0, 1 or 2 only, with no stack trace, on broken journals', () => {
    const broken = ['[]', '{}', '{"version":"7","dialect":"postgresql","entries":[{"tag":5}]}', 'not json', '{"version":"7","dialect":"postgresql","entries":[null]}', '{"version":"99","dialect":"postgresql","entries":[]}'];
    for (const [i, text] of broken.entries()) {
      const dir = join(temp, `cli-${i}`);
      cpSync('examples/shop/drizzle', dir, { recursive: true });
      writeFileSync(join(dir, 'meta/_journal.json'), text);
      const r = runCli([dir]);
      expect([0, 1, 2]).toContain(r.code);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
