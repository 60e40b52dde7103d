import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, runCli } from './helpers/cli.js';
import { ruleList } from '../src/rules/index.js';
// @ts-expect-error — plain ESM script without types (the benchmark's history generator)
import { synthesize } from '../bench/synthesize.mjs';

const temp = mkdtempSync(join(tmpdir(), 'ml-cli-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));
const SHOP = resolve('examples/shop');

function copyShop(name: string): string {
  const dir = join(temp, name);
  cpSync(SHOP, dir, { recursive: true });
  return dir;
}

describe('CLI (real binary)', () => {
  it('--version and --help exit 0', () => {
    const v = runCli(['--version']);
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const h = runCli(['--help']);
    expect(h.code).toBe(0);
    expect(h.stdout).toContain('Usage:');
    expect(h.stdout).toContain('--max-warnings');
    expect(h.stdout).toContain('Exit codes');
  });

  it('finds drizzle.config.ts in the working directory, prints findings with a code frame, exits 1 on errors', () => {
    const r = runCli([], { cwd: SHOP });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('drizzle/0005_orders_created_at_index.sql');
    expect(r.stdout).toContain('> 1 | CREATE INDEX CONCURRENTLY "orders_created_at_idx"');
    expect(r.stdout).toContain('help:');
    expect(r.stdout).toMatch(/✖ \d+ errors?, \d+ warnings? in \d+ of 6 migrations/);
    expect(r.stdout).not.toMatch(/\x1b\[/); // not a TTY: no colours
    expect(r.stderr).toBe('');
  });

  it('--config points at a drizzle config elsewhere (monorepos)', () => {
    const r = runCli(['--config', join(SHOP, 'drizzle.config.ts'), '--format', 'json'], { cwd: temp });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).summary.migrations).toBe(6);
  });

  it('--format json prints one stable document', () => {
    const r = runCli(['examples/shop/drizzle', '--format', 'json']);
    const doc = JSON.parse(r.stdout);
    expect(Object.keys(doc)).toEqual(['version', 'findings', 'summary']);
    expect(doc.version).toBe(1);
    expect(Object.keys(doc.summary)).toEqual(['errors', 'warnings', 'migrations', 'files']);
    const f = doc.findings.find((x: { rule: string }) => x.rule === 'concurrently-in-transaction');
    expect(Object.keys(f)).toEqual(['rule', 'severity', 'message', 'help', 'file', 'line', 'column', 'endLine', 'endColumn', 'migration', 'statement', 'fix', 'suggestions', 'related']);
    expect(f).toMatchObject({ severity: 'error', file: 'examples/shop/drizzle/0005_orders_created_at_index.sql', line: 1, column: 1, migration: '0005_orders_created_at_index' });
    expect(f.statement).toMatch(/^CREATE INDEX CONCURRENTLY/);
    // Fixes (additive: version stays 1): `fix` is an object or null, `suggestions` a list.
    for (const x of doc.findings) {
      expect(x.fix === null || typeof x.fix === 'object').toBe(true);
      expect(Array.isArray(x.suggestions)).toBe(true);
    }
    const cast = doc.findings.find((x: { rule: string }) => x.rule === 'cast-without-using');
    expect(cast.fix).toEqual({
      description: 'Add USING "note"::integer',
      edits: [{ file: 'examples/shop/drizzle/0002_product_sku.sql', line: 1, column: 63, endLine: 1, endColumn: 63, text: ' USING "note"::integer' }],
    });
    expect(Object.keys(cast.fix.edits[0])).toEqual(['file', 'line', 'column', 'endLine', 'endColumn', 'text']);
  });

  it('--rule id=off turns a rule off; id=warn makes it a warning (exit 0)', () => {
    const off = runCli(['examples/shop/drizzle', '--format', 'json', '--rule', 'concurrently-in-transaction=off']);
    expect(JSON.parse(off.stdout).findings.some((f: { rule: string }) => f.rule === 'concurrently-in-transaction')).toBe(false);
    const warn = JSON.parse(runCli(['examples/shop/drizzle', '--format', 'json', '--rule', 'concurrently-in-transaction=warn']).stdout);
    const finding = warn.findings.find((f: { rule: string }) => f.rule === 'concurrently-in-transaction');
    expect(finding.severity).toBe('warn');
  });

  it('--max-warnings: warnings alone exit 0, more than N exit 1; --quiet hides them', () => {
    const args = ['examples/shop/drizzle', '--rule', 'concurrently-in-transaction=warn'];
    const base = runCli([...args, '--format', 'json']);
    const doc = JSON.parse(base.stdout);
    expect(doc.summary.warnings).toBeGreaterThan(0);
    if (doc.summary.errors === 0) {
      expect(base.code).toBe(0);
      expect(runCli([...args, '--max-warnings', '0']).code).toBe(1);
      expect(runCli([...args, '--max-warnings', String(doc.summary.warnings)]).code).toBe(0);
    }
    const quiet = JSON.parse(runCli([...args, '--quiet', '--format', 'json']).stdout);
    expect(quiet.findings.every((f: { severity: string }) => f.severity === 'error')).toBe(true);
    expect(quiet.summary.warnings).toBe(0);
  });

  it('lints plain .sql files in name order as one history', () => {
    const a = join(temp, 'b_second.sql');
    const b = join(temp, 'a_first.sql');
    writeFileSync(a, 'CREATE INDEX CONCURRENTLY "i" ON "t" ("x");');
    writeFileSync(b, 'CREATE TABLE "t" ("x" int);');
    const r = runCli([a, b, '--format', 'json']);
    const doc = JSON.parse(r.stdout);
    expect(r.code).toBe(1);
    expect(doc.summary.migrations).toBe(2);
    expect(doc.findings.map((f: { migration: string }) => f.migration)).toEqual(['b_second']);
  });


  it('several migrations folders (a monorepo): each its own history, one report; folders and .sql files do not mix', () => {
    const alone = JSON.parse(runCli(['examples/shop/drizzle', '--format', 'json']).stdout);
    const r = runCli(['examples/shop/drizzle', 'fixtures/projects/safe/drizzle', '--format', 'json']);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    // The safe history is clean on its own, so the shop's findings are all there is, unchanged.
    expect(doc.findings).toEqual(alone.findings);
    expect(doc.summary).toEqual({ ...alone.summary, migrations: alone.summary.migrations + 4 });
    const mixed = runCli(['examples/shop/drizzle', join(temp, 'a_first.sql')]);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toBe('migration-lint: pass migrations folders, or .sql files, not both\n');
  });
  it('several folders are linted side by side in threads (--jobs): the same report as one after another, in the order given', () => {
    const folders = ['fixtures/projects/safe/drizzle', 'examples/shop/drizzle', 'fixtures/projects/features/drizzle'];
    const one = runCli([...folders, '--format', 'json', '--jobs', '1']);
    const many = runCli([...folders, '--format', 'json', '--jobs', '3']);
    expect(one.code).toBe(1);
    expect([many.code, many.stderr]).toEqual([one.code, one.stderr]);
    expect(JSON.parse(many.stdout)).toEqual(JSON.parse(one.stdout));
    // The pretty report's code frames come from a worker's sources too.
    expect(runCli([...folders, '--jobs', '3']).stdout).toBe(runCli([...folders, '--jobs', '1']).stdout);
    // A broken folder: the same one-line error, whichever thread read it.
    const broken = join(temp, 'broken-journal');
    cpSync('fixtures/projects/safe/drizzle', broken, { recursive: true });
    writeFileSync(join(broken, 'meta', '_journal.json'), '{ not json');
    for (const jobs of ['1', '3']) {
      const r = runCli([folders[0], broken, folders[1], '--jobs', jobs]);
      expect([r.code, r.stdout]).toEqual([2, '']);
      expect(r.stderr).toMatch(/^migration-lint: .*broken-journal\/meta\/_journal\.json: not valid JSON/);
    }
    expect(runCli([...folders, '--jobs', '0']).stderr).toMatch(/--jobs needs a whole number of at least 1/);
  });

  it('several folders: the thread the front starts while the linter loads is adopted (--jobs 3), or ended when one thread is enough; a usage error is not held up by it', () => {
    const folders = ['fixtures/projects/safe/drizzle', 'examples/shop/drizzle', 'fixtures/projects/features/drizzle'];
    const one = runCli([...folders, '--format', 'json', '--jobs', '1']);
    // Default --jobs on these small folders: one thread is enough, the early one is ended.
    const byDefault = runCli([...folders, '--format', 'json']);
    expect([byDefault.code, byDefault.stderr]).toEqual([one.code, one.stderr]);
    expect(JSON.parse(byDefault.stdout)).toEqual(JSON.parse(one.stdout));
    // Two folders and a config that is not there: exit 2 at once, the waiting thread does not keep the process.
    const started = Date.now();
    const usage = runCli([...folders, '--config', join(temp, 'no-such-config.json')]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/^migration-lint: .*no-such-config\.json/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('a reader that stops early (`| head`) ends the run quietly: no EPIPE stack trace, the lint\'s exit code', async () => {
    const dir = join(temp, 'long-report');
    synthesize(dir, { migrations: 300, seed: 3 });
    for (const format of ['json', 'pretty']) {
      // The report (~700 KB) is far past a pipe's buffer: the writes after the reader closed fail.
      const child = spawn(process.execPath, [BIN, dir, '--format', format], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d));
      child.stdout.once('data', () => child.stdout.destroy());
      const code = await new Promise((done) => child.on('close', done));
      expect([format, code, stderr]).toEqual([format, 1, '']);
    }
  }, 60_000);

  it('MIGRATION_LINT_TIMINGS=1: phases, then parse, replay and the slowest rules with their share of the engine', () => {
    const r = runCli(['examples/shop/drizzle', '--format', 'json', '--jobs', '1'], { env: { MIGRATION_LINT_TIMINGS: '1' } });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).summary.migrations).toBeGreaterThan(0);
    const table = r.stderr.slice(r.stderr.indexOf('inside the engine'));
    const rows = [...table.matchAll(/^ {2}(\S.*?) +(\d+\.\d) ms +(\d+\.\d) %$/gm)].map((m) => ({ name: m[1], ms: Number(m[2]), share: Number(m[3]) }));
    expect(rows.slice(0, 2).map((row) => row.name)).toEqual(['(parse)', '(replay)']);
    const rules = rows.slice(2).filter((row) => !/other rules$/.test(row.name));
    expect(rules.length).toBeGreaterThan(0);
    expect(rules.length).toBeLessThanOrEqual(10);
    for (const row of rules) expect(ruleList.map((rule) => rule.id)).toContain(row.name);
    // Slowest first; the shares cover the whole engine.
    expect(rules.map((row) => row.ms)).toEqual([...rules.map((row) => row.ms)].sort((a, b) => b - a));
    expect(rows.reduce((sum, row) => sum + row.share, 0)).toBeCloseTo(100, -1);
  });

  it('a clean history exits 0 with a success line', () => {
    const r = runCli(['fixtures/projects/safe/drizzle']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('✔ 4 migrations checked, no problems');
  });

  it('NO_COLOR off and --color on', () => {
    expect(runCli(['examples/shop/drizzle', '--color']).stdout).toMatch(/\x1b\[/);
    expect(runCli(['examples/shop/drizzle', '--color', '--no-color']).stdout).not.toMatch(/\x1b\[/);
    expect(runCli(['examples/shop/drizzle'], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } }).stdout).not.toMatch(/\x1b\[/);
  });

  describe('bad input: one line naming the file and the problem, exit 2, no stack trace', () => {
    const cases: { name: string; setup: () => string[]; expected: RegExp }[] = [
      { name: 'unknown option', setup: () => ['--frobnicate'], expected: /^migration-lint: Unknown option '--frobnicate'/ },
      { name: 'bad --format', setup: () => ['--format', 'xml'], expected: /--format must be one of pretty, json/ },
      { name: 'bad --rule', setup: () => ['--rule', 'nope'], expected: /--rule needs ID=off\|warn\|error/ },
      { name: 'unknown rule id', setup: () => ['examples/shop/drizzle', '--rule', 'no-such-rule=off'], expected: /unknown rule "no-such-rule"/ },
      { name: 'missing folder', setup: () => [join(temp, 'nope')], expected: /nope: migrations folder not found/ },
      {
        name: 'journal that is not JSON',
        setup: () => {
          const dir = copyShop('bad-json');
          writeFileSync(join(dir, 'drizzle/meta/_journal.json'), '{ "version": "7", ');
          return [join(dir, 'drizzle')];
        },
        expected: /bad-json\/drizzle\/meta\/_journal\.json: not valid JSON/,
      },
      {
        name: 'journal that is an array',
        setup: () => {
          const dir = copyShop('array-journal');
          writeFileSync(join(dir, 'drizzle/meta/_journal.json'), '[]');
          return [join(dir, 'drizzle')];
        },
        expected: /_journal\.json: expected an object with "version", "dialect" and "entries"/,
      },
      {
        name: 'journal without entries',
        setup: () => {
          const dir = copyShop('no-entries');
          writeFileSync(join(dir, 'drizzle/meta/_journal.json'), '{"version":"7","dialect":"postgresql"}');
          return [join(dir, 'drizzle')];
        },
        expected: /_journal\.json: "entries" is missing or not an array/,
      },
      {
        name: 'a MySQL journal',
        setup: () => {
          const dir = copyShop('mysql');
          writeFileSync(join(dir, 'drizzle/meta/_journal.json'), '{"version":"7","dialect":"mysql","entries":[]}');
          return [join(dir, 'drizzle')];
        },
        expected: /dialect "mysql" is not PostgreSQL/,
      },
      ...[
        ['an object', '{"toString":1}', /journal version is an object, not a string \(expected "5", "6" or "7"\)$/],
        ['an array', '["7"]', /journal version is an array, not a string/],
        ['null', 'null', /journal version is null, not a string/],
      ].map(([kind, value, expected]) => ({
        name: `a journal version that is ${kind}`,
        setup: () => {
          const dir = copyShop(`version-${kind}`.replace(/\W+/g, '-'));
          const file = join(dir, 'drizzle/meta/_journal.json');
          writeFileSync(file, readFileSync(file, 'utf8').replace('"version": "7"', `"version": ${value}`));
          return [join(dir, 'drizzle')];
        },
        expected: expected as RegExp,
      })),
      { name: 'explain constructor', setup: () => ['explain', 'constructor'], expected: /^migration-lint: unknown rule "constructor"/ },
      { name: 'explain __proto__', setup: () => ['explain', '__proto__'], expected: /^migration-lint: unknown rule "__proto__"/ },
      { name: 'no drizzle config here', setup: () => [], expected: /no drizzle\.config\.\{ts,mts,js,mjs,cjs,json\} in/ },
      {
        name: 'drizzle config with a computed out',
        setup: () => {
          const dir = copyShop('computed-out');
          writeFileSync(join(dir, 'drizzle.config.ts'), "export default { dialect: 'postgresql', out: process.env.OUT_DIR, schema: './src/db/schema.ts' };\n");
          return ['--config', join(dir, 'drizzle.config.ts')];
        },
        expected: /drizzle\.config\.ts: `out` is `process\.env\.OUT_DIR`, which migration-lint cannot evaluate without running the config/,
      },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const args = c.setup();
        const r = runCli(args, { cwd: c.name === 'no drizzle config here' ? temp : undefined });
        expect(r.code).toBe(2);
        expect(r.stdout).toBe('');
        const first = r.stderr.split('\n')[0];
        expect(first).toMatch(c.expected);
        expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
        expect(r.stderr).not.toContain('internal error');
      });
    }

    it('a negative number is a value, and the error one line (--max-warnings -1 printed three)', () => {
      for (const args of [['--max-warnings', '-1'], ['--max-warnings=-1'], ['--jobs', '-2'], ['-j', '-2']]) {
        const r = runCli([...args, 'examples/shop/drizzle']);
        expect(r.code).toBe(2);
        expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^migration-lint: --(max-warnings|jobs) needs a whole number (of at least 1 )?\(got "-\d"\)$/)]);
      }
    });
  });
});

describe('drizzle-kit 1.0 layout (<timestamp>_<name>/migration.sql, no journal)', () => {
  it('lints the folders in name order, tagged by folder name', () => {
    const r = runCli(['fixtures/projects/v1-folders/drizzle', '--format', 'json']);
    const doc = JSON.parse(r.stdout);
    expect(doc.summary.migrations).toBe(3);
    expect(doc.findings.map((f: { rule: string; migration: string; line: number; file: string }) => [f.rule, f.migration, f.line, f.file])).toEqual([
      ['concurrently-in-transaction', '20250106100000_isbn', 2, 'fixtures/projects/v1-folders/drizzle/20250106100000_isbn/migration.sql'],
    ]);
    expect(r.code).toBe(1);
  });
});
