import { sha256 } from '../engine/hash.js';
import type { ParsedMigration } from '../engine/types.js';
import { UsageError } from '../runner/errors.js';
import { emptyState, type SchemaState } from '../schema/model.js';
import { applyStatement } from '../schema/replay.js';
import type { LoadedHistory } from '../verify/load.js';
import type { DownTarget } from './format.js';
import { planDown } from './plan.js';

/** Which migrations to draft a rollback for. */
export interface Choice {
  /** Tags (or their numeric prefix, `0042`, or file name) of single migrations. */
  tags: string[];
  /** Every migration from the first one under review (`--since`) on. */
  since?: boolean;
}

/**
 * The migrations `down` undoes, newest first: the newest of the history by default, the named
 * ones, or (`--since`) every migration from the first one added or changed since the base.
 */
export function chooseMigrations(history: LoadedHistory, choice: Choice): number[] {
  const all = history.migrations;
  if (all.length === 0) throw new UsageError('the history has no migrations: nothing to roll back');
  const picked = new Set<number>();
  if (choice.since) for (let i = history.reviewFrom; i < all.length; i++) picked.add(i);
  for (const tag of choice.tags) picked.add(findMigration(all, tag));
  if (!choice.since && choice.tags.length === 0) picked.add(all.length - 1);
  return [...picked].sort((a, b) => b - a);
}

function findMigration(all: readonly ParsedMigration[], wanted: string): number {
  const name = wanted.replace(/\.sql$/, '').replace(/^.*[\\/]/, '');
  const exact = all.findIndex((m) => m.tag === name);
  if (exact >= 0) return exact;
  const byPrefix = all.map((m, i) => [m, i] as const).filter(([m]) => m.tag.split('_')[0] === name);
  if (byPrefix.length === 1) return byPrefix[0]![1];
  const shown = JSON.stringify(wanted).slice(1, -1);
  if (byPrefix.length > 1) throw new UsageError(`"${shown}" names ${byPrefix.length} migrations (${byPrefix.map(([m]) => m.tag).join(', ')}): give the whole tag`);
  const last = all.slice(-3).map((m) => m.tag);
  throw new UsageError(`no migration "${shown}" in the history`, `the newest are ${last.join(', ')}; pass a tag, its number (0042) or its file`);
}

/**
 * Replay the history up to each chosen migration and draft its rollback from the schema just
 * before it. `positions` in any order; the result follows it.
 */
export function draftDowns(history: LoadedHistory, positions: readonly number[]): DownTarget[] {
  const wanted = new Set(positions);
  const drafted = new Map<number, DownTarget>();
  const state: SchemaState = emptyState();
  const last = Math.max(...positions);
  for (let i = 0; i <= last; i++) {
    const m = history.migrations[i]!;
    if (wanted.has(i)) drafted.set(i, { down: planDown(m, state), hash: sha256(m.text), ...(m.when !== undefined ? { when: m.when } : {}) });
    for (const s of m.statements) applyStatement(state, s.kind, s.ast, s.sql);
  }
  return positions.map((p) => drafted.get(p)!);
}
