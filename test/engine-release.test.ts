import { beforeAll, describe, expect, it } from 'vitest';
import { defineRule, loadParser, parseMigration, runEngine, type MigrationInfo } from '../src/index.js';

/**
 * Memory flat with history length: when the engine parses migrations as it reaches them (`load`),
 * a finished migration keeps its transaction statements and the statements with enum effects (what
 * the pending-enum-value analysis reads), and nothing else: no syntax trees but the transaction
 * statements', no SQL text, no table or column definitions in effects, one shared stand-in for the other statements.
 */
beforeAll(() => loadParser());

const TEXTS = [
  'CREATE TYPE "mood" AS ENUM(\'sad\');--> statement-breakpoint\nCREATE TABLE "t" ("id" serial PRIMARY KEY, "m" "mood" DEFAULT \'sad\');',
  'ALTER TYPE "mood" ADD VALUE \'ok\';--> statement-breakpoint\nALTER TABLE "t" ADD COLUMN "x" integer DEFAULT 1;\nCOMMIT;',
  'ALTER TABLE "t" DROP COLUMN "x";--> statement-breakpoint\nDROP TABLE "t";',
];

describe('engine: what a finished migration keeps', () => {
  it('the current migration is whole; earlier ones keep transaction statements and enum effects only', () => {
    const inputs = TEXTS.map((text, i) => ({ tag: `000${i}_m`, file: `000${i}_m.sql`, text, idx: i, when: i }));
    const seen: { position: number; current: boolean; earlier: unknown[] }[] = [];
    const probe = defineRule({
      id: 'probe',
      meta: { description: 'test probe', category: 'correctness', defaultSeverity: 'warn', messages: { x: 'x' } },
      checkMigration({ migration, history }) {
        const current = migration.statements.every((s) => Object.keys(s.ast as object).length > 0) && migration.effects.flat().length > 0;
        const earlier = history.slice(0, migration.position).map((m: MigrationInfo) => ({
          trees: m.statements.filter((s) => Object.keys(s.ast as object).length > 0).map((s) => s.kind),
          kinds: m.statements.map((s) => s.kind),
          effects: m.effects.flat().map((e) => e.kind),
          located: m.statements.every((s) => s.location.line >= 1 && s.locate(0, 1) === s.location),
          text: m.statements.map((s) => s.sql).join(''),
        }));
        seen.push({ position: migration.position, current, earlier });
      },
    });
    const placeholders = inputs.map((input) => ({ ...input, statements: [], parseFailures: [], chunkCount: 0 }));
    runEngine({ migrations: placeholders, load: (i) => parseMigration(inputs[i]), rules: [probe], settings: { pgVersion: 16, rules: {} } });
    expect(seen).toEqual([
      { position: 0, current: true, earlier: [] },
      { position: 1, current: true, earlier: [{ trees: [], kinds: ['CreateEnumStmt', '(released)'], effects: ['create-enum'], located: true, text: '' }] },
      {
        position: 2,
        current: true,
        earlier: [
          { trees: [], kinds: ['CreateEnumStmt', '(released)'], effects: ['create-enum'], located: true, text: '' },
          { trees: ['TransactionStmt'], kinds: ['AlterEnumStmt', '(released)', 'TransactionStmt'], effects: ['add-enum-value'], located: true, text: '' },
        ],
      },
    ]);
  });
});
