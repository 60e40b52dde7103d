import { describe, expect, it, beforeAll } from 'vitest';
import { drizzleDoBlock, loadParser, parseMigration, plpgsqlBlock } from '../src/engine/parse.js';
import { splitChunks, BREAKPOINT } from '../src/engine/split.js';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

beforeAll(loadParser);

/** Every migration of the fixtures, the example and (when present) the corpus. */
function everySqlFile(): string[] {
  const sqlFiles = (dir: string): string[] =>
    existsSync(dir) ? readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && e.name.endsWith('.sql')).map((e) => join(e.parentPath, e.name)) : [];
  return [...sqlFiles('fixtures'), ...sqlFiles('examples'), ...sqlFiles('../shared/corpus')];
}

function parse(text: string) {
  return parseMigration({ tag: 't', file: 't.sql', text });
}

describe('splitChunks: exactly like drizzle-orm readMigrationFiles (text.split(marker))', () => {
  const cases = [
    'CREATE TABLE "a" ("x" int);\n--> statement-breakpoint\nCREATE INDEX "i" ON "a" ("x");',
    'A;--> statement-breakpoint\nB;--> statement-breakpoint\n',
    'no marker at all',
    '',
    "SELECT '--> statement-breakpoint';",
    'A;-->statement-breakpoint\nB;',
  ];
  for (const text of cases) {
    it(JSON.stringify(text.slice(0, 40)), () => {
      const chunks = splitChunks(text);
      expect(chunks.map((c) => c.text)).toEqual(text.split(BREAKPOINT));
      for (const c of chunks) expect(text.slice(c.start, c.end)).toBe(c.text);
    });
  }
});

describe('parseMigration: statements and exact locations', () => {
  it('locates each statement by line and column, starting at its first keyword', () => {
    const m = parse('-- header comment\nCREATE TABLE "a" (\n  "x" int\n);\n--> statement-breakpoint\n  ALTER TABLE "a" ADD COLUMN "y" text;--> statement-breakpoint\nCREATE INDEX "i" ON "a" ("x");');
    expect(m.statements.map((s) => [s.kind, s.location.line, s.location.column, s.location.endLine, s.chunk])).toEqual([
      ['CreateStmt', 2, 1, 4, 0],
      ['AlterTableStmt', 6, 3, 6, 1],
      ['IndexStmt', 7, 1, 7, 2],
    ]);
    expect(m.statements[1].sql).toBe('ALTER TABLE "a" ADD COLUMN "y" text;');
  });

  it('reports a BOM (PostgreSQL rejects it) and still lints the file, positions exact', () => {
    const text = '\ufeffCREATE TABLE "a" ("x" int);\r\n--> statement-breakpoint\r\nALTER TABLE "a" ADD COLUMN "y" int;\r\n';
    const m = parse(text);
    expect(m.statements.map((s) => [s.location.line, s.location.column])).toEqual([
      [1, 2],
      [3, 1],
    ]);
    expect(text.slice(m.statements[1].location.start, m.statements[1].location.end)).toBe('ALTER TABLE "a" ADD COLUMN "y" int;');
    // PostgreSQL reads a BOM as the start of an identifier: drizzle's migrator would fail on it.
    expect(m.parseFailures.map((f) => [f.at.line, f.at.column, /byte order mark/.test(f.message)])).toEqual([[1, 1, true]]);
  });

  it('keeps positions exact with CRLF line endings', () => {
    const m = parse('CREATE TABLE "a" ("x" int);\r\n--> statement-breakpoint\r\nALTER TABLE "a"\r\n  ADD COLUMN "y" int;\r\n');
    expect(m.parseFailures).toEqual([]);
    expect(m.statements.map((s) => [s.location.line, s.location.column, s.location.endLine, s.location.endColumn])).toEqual([
      [1, 1, 1, 28],
      [3, 1, 4, 22],
    ]);
  });

  it('maps libpg-query byte offsets to characters after non-ASCII text', () => {
    const m = parse(`COMMENT ON TABLE "t" IS 'Größe ✓'; ALTER TABLE "t" ADD COLUMN "ü" int;`);
    const alter = m.statements[1];
    expect(alter.sql).toBe('ALTER TABLE "t" ADD COLUMN "ü" int;');
    const def = alter.ast.cmds[0].AlterTableCmd.def.ColumnDef;
    expect(alter.sql.slice(alter.offsetOf(def.location))).toMatch(/^"ü" int/);
  });

  it('several statements in one chunk are separate statements of that chunk', () => {
    const m = parse('CREATE TABLE "a" ("x" int); CREATE TABLE "b" ("y" int);');
    expect(m.statements.map((s) => [s.kind, s.chunk, s.location.column])).toEqual([
      ['CreateStmt', 0, 1],
      ['CreateStmt', 0, 29],
    ]);
  });

  it('a comment-only or empty file has no statements and no failures', () => {
    for (const text of ['', '\n\n', '-- Custom SQL migration file, put your code below! --', '/* nothing */']) {
      const m = parse(text);
      expect([m.statements.length, m.parseFailures.length]).toEqual([0, 0]);
    }
  });

  it('surfaces the statements inside legacy DO $$ … duplicate_object blocks, located in the file', () => {
    const text = readFileSync('fixtures/projects/legacy-do-blocks/drizzle/0000_init.sql', 'utf8');
    const m = parse(text);
    const inner = m.statements.filter((s) => s.origin === 'do-block');
    expect(inner.length).toBeGreaterThan(0);
    const createType = inner.find((s) => s.kind === 'CreateEnumStmt')!;
    expect(createType.doBlock?.handles).toContain('duplicate_object');
    expect(text.slice(createType.location.start, createType.location.end)).toBe(createType.sql);
    const fk = inner.find((s) => s.kind === 'AlterTableStmt');
    expect(fk?.sql).toMatch(/ADD CONSTRAINT .* FOREIGN KEY/);
    expect(m.statements[createType.doBlock!.parent].kind).toBe('DoStmt');
  });

  it('parses every drizzle-kit statement of the fixtures without failure', () => {
    for (const folder of ['examples/shop', 'fixtures/projects/features', 'fixtures/projects/renames', 'fixtures/projects/schemas']) {
      const journal = JSON.parse(readFileSync(`${folder}/drizzle/meta/_journal.json`, 'utf8'));
      for (const e of journal.entries) {
        const m = parse(readFileSync(`${folder}/drizzle/${e.tag}.sql`, 'utf8'));
        expect(m.parseFailures, `${folder}/${e.tag}`).toEqual([]);
        expect(m.statements.length).toBeGreaterThan(0);
      }
    }
  });
});

describe("DO blocks in drizzle-kit's old template are read without the PL/pgSQL parser", () => {
  const files = everySqlFile();

  it('gives the queries and handlers the PL/pgSQL parser gives, on every DO block of the fixtures and corpus', () => {
    let template = 0;
    for (const file of files) {
      for (const s of parse(readFileSync(file, 'utf8')).statements) {
        if (s.kind !== 'DoStmt') continue;
        const fast = drizzleDoBlock(s.sql);
        if (!fast) continue;
        template++;
        expect({ file, block: fast }).toEqual({ file, block: plpgsqlBlock(s.sql) });
      }
    }
    expect(template).toBeGreaterThan(0);
  });

  it('leaves anything else to the PL/pgSQL parser', () => {
    const one = 'DO $$ BEGIN\n ALTER TABLE "a" ADD CONSTRAINT "f" FOREIGN KEY ("b") REFERENCES "c"("id");\nEXCEPTION\n WHEN duplicate_object THEN null;\nEND $$;';
    expect(drizzleDoBlock(one)).toEqual({ handles: ['duplicate_object'], queries: ['ALTER TABLE "a" ADD CONSTRAINT "f" FOREIGN KEY ("b") REFERENCES "c"("id")'] });
    expect(drizzleDoBlock('DO $$ BEGIN CREATE TYPE "x" AS ENUM(\'a\'); CREATE TYPE "y" AS ENUM(\'b\'); EXCEPTION WHEN duplicate_object THEN null; END $$;')).toBeUndefined();
    expect(drizzleDoBlock('DO $$ BEGIN PERFORM 1; EXCEPTION WHEN others THEN RAISE NOTICE \'x\'; END $$;')).toBeUndefined();
    expect(drizzleDoBlock('DO $$ BEGIN IF true THEN CREATE TABLE "t" ("x" int); END IF; END $$;')).toBeUndefined();
    expect(drizzleDoBlock('DO LANGUAGE plpgsql $$ BEGIN CREATE TABLE "t" ("x" int); EXCEPTION WHEN duplicate_table THEN null; END $$;')).toBeUndefined();
  });
});

describe('one parser call for the whole file gives what the chunk-by-chunk parse gives', () => {
  const view = (text: string, chunkByChunk: boolean) => {
    const p = parseMigration({ tag: 't', file: 't.sql', text }, { chunkByChunk });
    return {
      statements: p.statements.map((s) => ({ index: s.index, chunk: s.chunk, kind: s.kind, sql: s.sql, location: s.location, origin: s.origin, doBlock: s.doBlock, first: s.locate((s.ast as { location?: number }).location ?? 0, 3) })),
      failures: p.parseFailures,
      chunks: p.chunkCount,
    };
  };

  it('on every migration of the fixtures and corpus', () => {
    const files = everySqlFile();
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      expect({ file, ...view(text, false) }).toEqual({ file, ...view(text, true) });
    }
  });

  it('falls back to chunks when a statement runs across a marker, or one chunk does not parse', () => {
    for (const text of [
      'ALTER TABLE "a" ADD COLUMN "b" int\n--> statement-breakpoint\nDEFAULT 5;',
      'CREATE TABLE "a" ("x" int);--> statement-breakpoint\nCREATE TABLE oops (;--> statement-breakpoint\nCREATE INDEX "i" ON "a" ("x");',
      "SELECT '--> statement-breakpoint';--> statement-breakpoint\nSELECT 1;",
      'CREATE TABLE "a" ("x" int);--> statement-breakpoint\n-- only a comment\n--> statement-breakpoint\nDROP TABLE "a";',
    ]) {
      expect(view(text, false)).toEqual(view(text, true));
    }
  });
});
