import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { readDrizzleConfig } from '../src/runner/drizzle-config.js';
import { analyzeSchemaSource, type SchemaDeclarationDetail } from '../src/runner/schema-source.js';
import type { OxcParseSync } from '../src/runner/oxc.js';

/** Every file oxc-parser parses (runner/oxc.ts hands out one parseSync: a spy around it). */
const parsing = vi.hoisted(() => ({ spy: undefined as unknown as import('vitest').Mock<OxcParseSync> }));
vi.mock('../src/runner/oxc.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../src/runner/oxc.js')>();
  const parseSync = await original.loadOxcParseSync();
  parsing.spy = vi.fn(parseSync);
  return { ...original, loadOxcParseSync: async () => parsing.spy };
});
// Read as the tests below read oxc-parser's: `vi.mocked(oxc.parseSync)`.
const oxc = {
  get parseSync() {
    return parsing.spy;
  },
};

const FIXTURES = 'fixtures/schema-source';
const temp = mkdtempSync(join(tmpdir(), 'ml-schema-source-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));
beforeEach(() => {
  vi.mocked(oxc.parseSync).mockClear();
});

async function facts(configFile: string, cwd = process.cwd()) {
  const config = await readDrizzleConfig(configFile);
  vi.mocked(oxc.parseSync).mockClear(); // the config itself is parsed too: count the schema's files only
  return analyzeSchemaSource(config, cwd);
}

function byVariable(declarations: readonly SchemaDeclarationDetail[] | readonly object[], variable: string): SchemaDeclarationDetail {
  const found = (declarations as SchemaDeclarationDetail[]).find((d) => d.variable === variable);
  if (!found) throw new Error(`no declaration ${variable}`);
  return found;
}

describe('analyzeSchemaSource', () => {
  it('examples/shop: the files drizzle-kit loads, each declaration, whether it is exported and who uses it', async () => {
    const started = performance.now();
    const result = await facts('examples/shop/drizzle.config.ts');
    const elapsed = performance.now() - started;
    expect(result).toMatchObject({ configFile: 'examples/shop/drizzle.config.ts', patterns: ['./src/db/schema.ts'], files: ['examples/shop/src/db/schema.ts'], problems: [] });
    expect(result.declarations).toEqual([
      {
        kind: 'pgEnum',
        variable: 'userRole',
        sqlName: 'user_role',
        file: 'examples/shop/src/db/schema.ts',
        line: 4,
        column: 1,
        exported: false,
        exportedByOwnFile: false,
        values: ['customer', 'staff', 'admin'],
        text: "const userRole = pgEnum('user_role', ['customer', 'staff', 'admin']);",
        usedBy: [{ file: 'examples/shop/src/db/schema.ts', line: 12, table: 'users', column: 'role' }],
      },
      {
        kind: 'pgEnum',
        variable: 'orderStatus',
        sqlName: 'order_status',
        file: 'examples/shop/src/db/schema.ts',
        line: 6,
        column: 1,
        exported: true,
        exportedByOwnFile: true,
        values: ['pending', 'paid', 'shipped', 'cancelled'],
        text: "export const orderStatus = pgEnum('order_status', ['pending', 'paid', 'shipped', 'cancelled']);",
        usedBy: [{ file: 'examples/shop/src/db/schema.ts', line: 37, table: 'orders', column: 'status' }],
      },
    ]);
    // Start-up included (the lazy oxc-parser import); generous bound for slow CI machines.
    expect(elapsed).toBeLessThan(2000);
  });

  it('display paths are relative to the working directory', async () => {
    const result = await facts(`${FIXTURES}/not-exported/drizzle.config.ts`, resolve(FIXTURES, 'not-exported'));
    expect(result.configFile).toBe('drizzle.config.ts');
    expect(result.files).toEqual(['schema.ts']);
    expect(result.declarations[0]).toMatchObject({ file: 'schema.ts', line: 4, column: 1 });
  });

  it('exports: `export { a, b as c }` and `export default a` count; a table nobody exports uses nothing', async () => {
    const list = await facts(`${FIXTURES}/export-list/drizzle.config.ts`);
    expect(list.declarations.map((d) => [d.variable, d.exported])).toEqual([
      ['roleEnum', true],
      ['statusEnum', true],
    ]);
    const byDefault = await facts(`${FIXTURES}/default-export/drizzle.config.ts`);
    expect(byDefault.declarations.map((d) => [d.variable, d.exported])).toEqual([['roleEnum', true]]);
    const unused = await facts(`${FIXTURES}/unused-not-exported/drizzle.config.ts`);
    expect(unused.declarations.map((d) => [d.variable, d.exported, d.usedBy.length])).toEqual([
      ['legacyEnum', false, 0],
      ['colourEnum', false, 0],
      ['sizeEnum', false, 0],
    ]);
  });

  it('follows re-export chains through relative imports (`.js` → `.ts`, folder → index.ts), parsing each file once', async () => {
    const result = await facts(`${FIXTURES}/reexport-chain/drizzle.config.ts`);
    expect(result.files).toEqual([`${FIXTURES}/reexport-chain/schema.ts`]);
    expect(result.declarations).toMatchObject([
      { variable: 'roleEnum', file: `${FIXTURES}/reexport-chain/db/enums.ts`, line: 3, exported: true, usedBy: [{ file: `${FIXTURES}/reexport-chain/schema.ts`, line: 8, table: 'users', column: 'role' }] },
    ]);
    const parsed = vi.mocked(oxc.parseSync).mock.calls.map(([file]) => file);
    expect(parsed.sort()).toEqual(['db/enums.ts', 'db/index.ts', 'schema.ts'].map((f) => resolve(FIXTURES, 'reexport-chain', f)));
  });

  it('`export * from` in the matched file exports what the unmatched file declares', async () => {
    const result = await facts(`${FIXTURES}/export-star/drizzle.config.ts`);
    expect(byVariable(result.declarations, 'roleEnum')).toMatchObject({ file: `${FIXTURES}/export-star/enums.ts`, exported: true, exportedByOwnFile: true });
  });

  it('an enum exported by a file drizzle-kit does not load is not exported', async () => {
    const result = await facts(`${FIXTURES}/imported-not-reexported/drizzle.config.ts`);
    expect(result.files).toEqual([`${FIXTURES}/imported-not-reexported/src/schema.ts`]);
    expect(byVariable(result.declarations, 'roleEnum')).toMatchObject({ exported: false, exportedByOwnFile: true, usedBy: [{ table: 'users', column: 'role' }] });
  });

  it('pgSchema: `billing.table` and `billing.enum` use the schema; the enum knows its schema', async () => {
    const schemaOnly = await facts(`${FIXTURES}/schema-not-exported/drizzle.config.ts`);
    expect(schemaOnly.declarations).toMatchObject([{ kind: 'pgSchema', variable: 'billing', sqlName: 'billing', exported: false, usedBy: [{ table: 'billing.invoices', line: 5 }] }]);
    const enumInSchema = await facts(`${FIXTURES}/schema-enum-not-exported/drizzle.config.ts`);
    expect(byVariable(enumInSchema.declarations, 'billing')).toMatchObject({ exported: true });
    expect(byVariable(enumInSchema.declarations, 'billing').usedBy.map((u) => u.column ?? null)).toEqual([null, 'status']);
    expect(byVariable(enumInSchema.declarations, 'invoiceStatus')).toMatchObject({ kind: 'pgEnum', sqlName: 'status', schema: 'billing', exported: false, usedBy: [{ table: 'billing.invoices', column: 'status' }] });
  });

  it('aliased imports of pg-core (`import * as p`, `pgEnum as makeEnum`, `pgTable as table`)', async () => {
    const result = await facts(`${FIXTURES}/aliased-import/drizzle.config.ts`);
    expect(result.declarations.map((d) => [d.variable, d.sqlName, d.exported, d.usedBy.map((u) => `${u.table}.${(u as { column?: string }).column}`)])).toEqual([
      ['roleEnum', 'role', false, ['users.role']],
      ['planEnum', 'plan', false, ['users.plan']],
    ]);
  });

  it('`schema` as an array of globs; a folder contributes only the files directly inside it (like drizzle-kit 0.31)', async () => {
    const result = await facts(`${FIXTURES}/globs/drizzle.config.ts`);
    expect(result.patterns).toEqual(['./src/tables/*.ts', './src/enums']);
    expect(result.files).toEqual([`${FIXTURES}/globs/src/tables/users.ts`, `${FIXTURES}/globs/src/enums/role.ts`]);
    expect(result.declarations.map((d) => [d.variable, d.exported])).toEqual([
      ['roleEnum', true],
      ['planEnum', false],
      ['statusEnum', false],
    ]);
  });

  it('a file with a syntax error is a problem, not a crash; the other files are still analysed', async () => {
    const result = await facts(`${FIXTURES}/syntax-error/drizzle.config.ts`);
    expect(result.problems).toEqual([{ file: `${FIXTURES}/syntax-error/schema/broken.ts`, message: expect.stringMatching(/^3:61: /) }]);
    expect(result.declarations.map((d) => d.variable)).toEqual(['planEnum']);
  });

  it('unreadable files and patterns that match nothing are problems', async () => {
    const dir = join(temp, 'unreadable');
    mkdirSync(dir);
    symlinkSync(join(dir, 'nowhere.ts'), join(dir, 'dangling.ts'));
    writeFileSync(join(dir, 'drizzle.config.ts'), "export default { dialect: 'postgresql', schema: ['./*.ts', './missing.ts'] };");
    const result = await analyzeSchemaSource({ file: join(dir, 'drizzle.config.ts'), schema: ['./dangling.ts', './missing.ts'] }, dir);
    expect(result.problems).toEqual([
      { file: 'drizzle.config.ts', message: 'schema pattern "./missing.ts" matches no .ts or .js file' },
      { file: 'dangling.ts', message: 'cannot read the file (ENOENT)' },
    ]);
    expect(result.declarations).toEqual([]);
  });
});
