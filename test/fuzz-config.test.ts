import fc from 'fast-check';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ruleList } from '../src/rules/index.js';
import { loadConfig } from '../src/runner/config.js';
import { readDrizzleConfig } from '../src/runner/drizzle-config.js';
import { isUsageError } from '../src/runner/errors.js';
import { runCli } from './helpers/cli.js';

/**
 * Config shapes (issue 16): whatever a config holds, reading it gives a config or one UsageError
 * line naming the file — never another exception, a multi-line message or a hang. Bounded and
 * reproducible like fuzz.test.ts: FC_SEED=<seed> reruns a failure, FC_RUNS scales the runs.
 */
const seed = process.env.FC_SEED ? Number(process.env.FC_SEED) : undefined;
const runs = (n: number) => ({ numRuns: Number(process.env.FC_RUNS ?? n), ...(seed !== undefined ? { seed } : {}) });

const temp = mkdtempSync(join(tmpdir(), 'ml-fuzz-config-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));
const knownRules = new Set(ruleList.map((r) => r.id));
let n = 0;
const freshDir = () => {
  const dir = join(temp, `case-${n++}`);
  mkdirSync(dir);
  return dir;
};

/** The error contract: a UsageError, one line, naming where the config came from. */
function expectUsageError(error: unknown, names: string): void {
  expect(isUsageError(error), String((error as Error)?.stack ?? error)).toBe(true);
  const { message, hint } = error as Error & { hint?: string };
  expect(message).not.toMatch(/[\n\r]/);
  expect(hint ?? '').not.toMatch(/[\n\r]/);
  expect(message).toContain(names);
}

/** JSON text of an object whose keys may be `__proto__` or `constructor` (JSON.stringify of a literal would lose them). */
const objectText = (entries: [string, unknown][]) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`;

/** Rule ids and config keys that exist nowhere: a config naming one must be refused, never half-read. */
const UNKNOWN_RULES = ['drop-colum', '__proto__', 'constructor', 'toString', ''];
const UNKNOWN_KEYS = ['__proto__', 'constructor', 'prototype', 'rulez', ''];
const ruleId = fc.constantFrom(...[...knownRules].slice(0, 6), ...UNKNOWN_RULES);
const anyJson = fc.jsonValue({ maxDepth: 3 });
/** Values of the right shape often enough to get past the first check, and of every wrong shape. */
const severity = fc.oneof(fc.constantFrom('off', 'warn', 'error', 'info', 0, 1, 2, 'Error'), anyJson);
const keyValue: fc.Arbitrary<[string, unknown]> = fc.oneof(
  fc.tuple(fc.constant('rules'), fc.oneof(fc.dictionary(ruleId, severity, { maxKeys: 3 }), anyJson)),
  fc.tuple(fc.constant('ignores'), fc.oneof(fc.array(fc.record({ migration: fc.oneof(fc.string(), anyJson), rules: fc.oneof(fc.array(ruleId), anyJson), reason: fc.oneof(fc.string(), anyJson) }, { requiredKeys: [] }), { maxLength: 2 }), anyJson)),
  fc.tuple(fc.constantFrom('knownTypes', 'extensions', 'schemas'), fc.oneof(fc.array(fc.string(), { maxLength: 3 }), anyJson)),
  fc.tuple(fc.constantFrom('pgVersion', 'recentTableDays', 'maxFileSizeMb'), fc.oneof(fc.integer(), fc.double(), fc.constantFrom(-1, 0, 1e308, 15, '16'), anyJson)),
  fc.tuple(fc.constant('migrationsTable'), fc.oneof(fc.record({ schema: fc.oneof(fc.string(), anyJson), table: fc.oneof(fc.string(), anyJson) }, { requiredKeys: [] }), anyJson)),
  fc.tuple(fc.constantFrom('startAfter', 'preparedStatements'), anyJson),
  fc.tuple(fc.constantFrom(...UNKNOWN_KEYS), anyJson),
);
const configText = fc.oneof(
  { weight: 6, arbitrary: fc.array(keyValue, { maxLength: 4 }).map(objectText) },
  { weight: 1, arbitrary: anyJson.map((v) => JSON.stringify(v) ?? 'null') },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
);

/** A config whose object names an unknown key, or whose `rules` names an unknown rule (JSON.parse keeps `__proto__` as an own key). */
function namesTheUnknown(text: string): boolean {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return false;
  }
  const isPlain = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isPlain(value)) return false;
  if (Object.keys(value).some((k) => UNKNOWN_KEYS.includes(k))) return true;
  return Object.hasOwn(value, 'rules') && isPlain(value.rules) && Object.keys(value.rules).some((k) => UNKNOWN_RULES.includes(k));
}

describe('fuzz: config shapes', () => {
  it('migration-lint.config.json holding anything: a config, or one line naming the file', async () => {
    await fc.assert(
      fc.asyncProperty(configText, async (text) => {
        const dir = freshDir();
        writeFileSync(join(dir, 'migration-lint.config.json'), text);
        const mustRefuse = namesTheUnknown(text);
        try {
          const loaded = await loadConfig(dir, knownRules);
          expect(loaded.file).toBe('migration-lint.config.json');
          expect(typeof loaded.config).toBe('object');
          expect(mustRefuse, `accepted: ${text}`).toBe(false);
        } catch (error) {
          expectUsageError(error, 'migration-lint.config.json');
        }
      }),
      // `__proto__` once slipped through unvalidated (issue 16): pinned.
      { ...runs(300), examples: [['{"rules":{"__proto__":"error"}}'], ['{"__proto__":{"rules":{}}}']] as never },
    );
  });

  it('package.json "migration-lint" holding anything: a config, or one line naming it', async () => {
    await fc.assert(
      fc.asyncProperty(configText, async (text) => {
        const dir = freshDir();
        writeFileSync(join(dir, 'package.json'), `{"name":"x","migration-lint":${text}}`);
        try {
          await loadConfig(dir, knownRules);
        } catch (error) {
          expectUsageError(error, 'package.json');
        }
      }),
      runs(150),
    );
  });

  /** Expressions a drizzle config may hold: what the static reader understands, and what it must refuse by name. */
  const expression: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
    e: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.string({ maxLength: 12 }).map((s) => JSON.stringify(s)),
      fc.constantFrom("'./drizzle'", "'./src/db/schema.ts'", '`./${base}/m`', 'base', 'dir', 'missing', '42', 'null', 'undefined', 'true', '[]', '{}', "process.env.OUT ?? './x'", 'process.env.OUT!', "process.env['OUT'] || 'y'", 'import.meta.dirname', '__dirname', 'await x', "require('x')", 'new URL(".", import.meta.url)'),
      tie('e').map((e) => `path.join(${e}, 'm')`),
      tie('e').map((e) => `resolve(__dirname, ${e})`),
      fc.tuple(tie('e'), tie('e')).map(([a, b]) => `${a} + ${b}`),
      tie('e').map((e) => `[${e}, './b.ts']`),
      tie('e').map((e) => `{ x: ${e} }`),
      tie('e').map((e) => `(${e}) as string`),
      tie('e').map((e) => `\`pre-\${${e}}\``),
      tie('e').map((e) => `fn(${e})`),
    ),
  })).e;
  const drizzleConfig = fc
    .record({
      base: expression,
      dir: expression,
      out: fc.option(expression),
      schema: fc.option(expression),
      table: fc.option(expression),
      dialect: fc.option(fc.constantFrom("'postgresql'", "'mysql'", 'dialect', "'pg'")),
      wrap: fc.constantFrom('defineConfig(%)', '%', '% satisfies Config', 'config', '(%)'),
      cut: fc.option(fc.nat()),
    })
    .map((c) => {
      const fields = [c.dialect && `dialect: ${c.dialect}`, c.schema && `schema: ${c.schema}`, c.out && `out: ${c.out}`, c.table && `migrations: { table: ${c.table} }`].filter(Boolean).join(', ');
      const object = `{ ${fields} }`;
      const exported = c.wrap === 'config' ? 'config' : c.wrap.replace('%', object);
      const text = [
        "import { defineConfig, type Config } from 'drizzle-kit';",
        "import path, { resolve } from 'node:path';",
        `const base = ${c.base};`,
        `const dir = ${c.dir};`,
        `const config = ${object};`,
        `export default ${exported};`,
        '',
      ].join('\n');
      // Sometimes cut short: a file saved half-way through an edit.
      return c.cut === null ? text : text.slice(0, c.cut % (text.length + 1));
    });

  it('drizzle.config.ts holding anything: values read statically, or one line naming the file', async () => {
    await fc.assert(
      fc.asyncProperty(drizzleConfig, async (text) => {
        const dir = freshDir();
        writeFileSync(join(dir, 'drizzle.config.ts'), text);
        const started = Date.now();
        try {
          const config = await readDrizzleConfig(join(dir, 'drizzle.config.ts'), dir);
          expect(typeof config.out).toBe('string');
          expect(Array.isArray(config.schema)).toBe(true);
        } catch (error) {
          expectUsageError(error, 'drizzle.config.ts');
        }
        expect(Date.now() - started).toBeLessThan(5_000);
      }),
      runs(300),
    );
  });

  it('the CLI on a project with such configs: exit 0, 1 or 2, one line on error, no stack trace', async () => {
    const cases = fc.sample(fc.tuple(configText, drizzleConfig), { numRuns: 6, ...(seed !== undefined ? { seed } : { seed: 16 }) });
    for (const [lintConfig, drizzle] of cases) {
      const dir = freshDir();
      cpSync('examples/shop', dir, { recursive: true });
      writeFileSync(join(dir, 'migration-lint.config.json'), lintConfig);
      writeFileSync(join(dir, 'drizzle.config.ts'), drizzle);
      const r = runCli(['--no-color'], { cwd: dir, timeout: 30_000 });
      expect([0, 1, 2]).toContain(r.code);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stderr).not.toContain('internal error');
      if (r.code === 2) expect(r.stdout).toBe('');
    }
  });
});
