import { createRequire } from 'node:module';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadPgQuery, parsePlPgSQLSync, parseSync, scanSync } from '../src/engine/pg-query.js';
import { splitChunks } from '../src/engine/split.js';

/** libpg-query's own JavaScript wrapper: the oracle the binding must agree with. */
interface Wrapper {
  loadModule(): Promise<void>;
  parseSync(sql: string): unknown;
  parsePlPgSQLSync(sql: string): unknown;
  scanSync(sql: string): unknown;
}
const wrapper = createRequire(import.meta.url)('libpg-query') as Wrapper;

beforeAll(async () => {
  await Promise.all([loadPgQuery(), wrapper.loadModule()]);
});

/** The result, or the error as the callers read it (message and `sqlDetails`). */
function outcome(call: () => unknown): unknown {
  try {
    return { ok: call() };
  } catch (error) {
    const e = error as Error & { sqlDetails?: unknown };
    return { error: e.message, details: e.sqlDetails };
  }
}

function sqlFiles(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && e.name.endsWith('.sql')).map((e) => join(e.parentPath, e.name)) : [];
}

describe('the WASM binding gives what libpg-query’s JavaScript wrapper gives', () => {
  it('parse trees and errors, on every file and chunk of the fixtures, the example and the corpus', () => {
    const files = [...sqlFiles('fixtures'), ...sqlFiles('examples'), ...sqlFiles('../shared/corpus')];
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const sql of [text, ...splitChunks(text).map((c) => c.text)]) {
        if (sql === '') continue;
        const ours = outcome(() => parseSync(sql));
        expect({ file, sql: sql.slice(0, 80), ours }).toEqual({ file, sql: sql.slice(0, 80), ours: outcome(() => wrapper.parseSync(sql)) });
      }
    }
  });

  it('non-ASCII text, syntax errors with a cursor, PL/pgSQL bodies and the scanner', () => {
    const cases = [
      `COMMENT ON TABLE "ünïcödé" IS 'naïve — 日本語 🚀';`,
      'CREATE TABLE oops (;',
      'SELECT 1; SELEC 2;',
      `ALTER TABLE "t" ADD COLUMN "é" text DEFAULT '→'`,
    ];
    for (const sql of cases) expect(outcome(() => parseSync(sql))).toEqual(outcome(() => wrapper.parseSync(sql)));
    expect(outcome(() => parseSync('SELECT 1; SELEC 2;'))).toMatchObject({ error: 'syntax error at or near "SELEC"', details: { cursorPosition: 10 } });
    for (const sql of [...cases, 'SELECT $$ unterminated']) expect(outcome(() => scanSync(sql))).toEqual(outcome(() => wrapper.scanSync(sql)));
    for (const body of [
      'CREATE FUNCTION f() RETURNS void AS $$ BEGIN CREATE TYPE "ä" AS ENUM (\'x\'); EXCEPTION WHEN duplicate_object THEN null; END $$ LANGUAGE plpgsql',
      'CREATE FUNCTION f() RETURNS void AS $$ BEGIN oops; END $$ LANGUAGE plpgsql',
    ]) {
      expect(outcome(() => parsePlPgSQLSync(body))).toEqual(outcome(() => wrapper.parsePlPgSQLSync(body)));
    }
    expect(outcome(() => parseSync(''))).toEqual(outcome(() => wrapper.parseSync('')));
  });
});
