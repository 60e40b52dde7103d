import { beforeAll, describe, expect, it } from 'vitest';
import { pendingEnumValues } from '../src/analysis/enum-values.js';
import { defineRule, loadParser, parseMigration, runEngine, type MigrationInfo } from '../src/index.js';

/**
 * The pending-enum-value analysis moves one cursor forward through the history (never copying
 * the pending values): its answers, asked statement by statement as the engine does, or out of
 * order, or skipping migrations, are those of a walk from the start.
 */
beforeAll(() => loadParser());

const MIGRATIONS = [
  `CREATE TYPE "a" AS ENUM('x');--> statement-breakpoint\nCREATE TYPE "b" AS ENUM('x');`,
  `ALTER TYPE "a" ADD VALUE 'new';--> statement-breakpoint\nALTER TYPE "b" ADD VALUE 'new';--> statement-breakpoint\nSELECT 1;`,
  `ALTER TYPE "a" RENAME VALUE 'new' TO 'renamed';--> statement-breakpoint\nALTER TYPE "b" RENAME TO "c";--> statement-breakpoint\nSELECT 2;`,
  `DROP TYPE "c";--> statement-breakpoint\nSELECT 3;`,
  `ALTER TYPE "a" ADD VALUE 'later';--> statement-breakpoint\nCOMMIT;--> statement-breakpoint\nSELECT 4;`,
  // A value renamed onto another pending one of its enum (PostgreSQL refuses it; the analysis must stay whole).
  `CREATE TYPE "d" AS ENUM('x');--> statement-breakpoint\nALTER TYPE "d" ADD VALUE 'new';--> statement-breakpoint\nALTER TYPE "d" ADD VALUE 'later';--> statement-breakpoint\nALTER TYPE "d" RENAME VALUE 'new' TO 'later';--> statement-breakpoint\nSELECT 5;`,
];

/** What is pending before each statement, as `type:value` lists, in the order asked. */
function answers(order: (history: readonly MigrationInfo[]) => [number, number][]): string[][] {
  const inputs = MIGRATIONS.map((text, i) => ({ tag: `000${i}_m`, file: `000${i}_m.sql`, text }));
  const out: string[][] = [];
  const probe = defineRule({
    id: 'probe',
    meta: { description: 'test probe', category: 'correctness', defaultSeverity: 'warn', messages: { x: 'x' } },
    // Asked once the whole history is replayed (unreleased: no `load`), in the order given.
    checkMigration({ migration, history }) {
      if (migration.position !== history.length - 1) return;
      for (const [position, index] of order(history)) {
        const pending = pendingEnumValues(history, history[position], index);
        const seen = ['a', 'b', 'c', 'd'].flatMap((t) => ['x', 'new', 'renamed', 'later'].filter((v) => pending.get(`public.${t}`, v)).map((v) => `${t}:${v}`));
        expect(pending.size).toBe(seen.length);
        const values = ['x', 'new', 'renamed', 'later'];
        expect(values.filter((v) => pending.hasValue(v))).toEqual(values.filter((v) => seen.some((s) => s.endsWith(`:${v}`))));
        out.push(seen);
      }
    },
  });
  const { findings } = runEngine({ migrations: inputs.map((input) => parseMigration(input)), rules: [probe], settings: { pgVersion: 16, rules: {} } });
  expect(findings).toEqual([]); // a failed expectation inside the probe is a crash finding
  return out;
}

const EVERY: (h: readonly MigrationInfo[]) => [number, number][] = (h) => h.flatMap((m) => m.statements.map((_, i) => [m.position, i] as [number, number]));

describe('pending enum values', () => {
  it('in history order: added, renamed (value and type), dropped with their type, cleared by COMMIT', () => {
    expect(answers(EVERY)).toEqual([
      [],
      [],
      [],
      ['a:new'],
      ['a:new', 'b:new'],
      ['a:new', 'b:new'],
      ['a:renamed', 'b:new'],
      ['a:renamed', 'c:new'],
      ['a:renamed', 'c:new'],
      ['a:renamed'],
      ['a:renamed'],
      ['a:renamed', 'a:later'],
      [],
      [],
      [],
      ['d:new'],
      ['d:new', 'd:later'],
      ['d:later'],
    ]);
  });

  it('asked backwards, or skipping migrations: the same answers', () => {
    const inOrder = answers(EVERY);
    expect(answers((h) => EVERY(h).reverse())).toEqual([...inOrder].reverse());
    const some: [number, number][] = [[4, 2], [1, 1], [5, 4], [3, 1], [0, 0], [2, 2]];
    // Where each migration's statements start in the in-order answers.
    const first = [0, 2, 5, 8, 10, 13];
    const expected = some.map(([p, i]) => inOrder[first[p] + i]);
    expect(answers(() => some)).toEqual(expected);
  });
});
