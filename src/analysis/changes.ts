import type { Effect } from '../schema/effects.js';
import type { MigrationInfo, Statement } from '../engine/types.js';

export interface Change<E extends Effect = Effect> {
  effect: E;
  statement: Statement;
  /** Order of the change in the migration (statement order, then order within a statement). */
  order: number;
}

/**
 * The migration's effects, flattened, each with the statement that caused it. Made once per
 * migration (five rules and analyses ask for it in every migration of a long history), and again
 * only if statements were replayed since (the effects grow by one list per statement; a list is
 * never changed once added). Callers never change it.
 */
export function changesOf(migration: MigrationInfo): readonly Change[] {
  const known = flattened.get(migration.effects);
  if (known && known.statements === migration.effects.length) return known.changes;
  const changes: Change[] = [];
  migration.effects.forEach((effects, i) => {
    for (const effect of effects) changes.push({ effect, statement: migration.statements[i], order: changes.length });
  });
  flattened.set(migration.effects, { statements: migration.effects.length, changes });
  return changes;
}

const flattened = new WeakMap<MigrationInfo['effects'], { statements: number; changes: Change[] }>();

/** Whether the migration's statements had an effect of this kind (without flattening them). */
export function hasEffect(migration: MigrationInfo, kind: Effect['kind']): boolean {
  for (const effects of migration.effects) for (const effect of effects) if (effect.kind === kind) return true;
  return false;
}

/** The changes of one kind, typed. */
export function changesOfKind<K extends Effect['kind']>(changes: readonly Change[], kind: K): Change<Extract<Effect, { kind: K }>>[] {
  return changes.filter((c) => c.effect.kind === kind) as Change<Extract<Effect, { kind: K }>>[];
}

/**
 * Table keys change when a table is renamed mid-migration; map every key a table had during
 * the migration to the key it ends with, so changes before and after a rename line up.
 */
export function finalTableKeys(changes: readonly Change[]): (tableKey: string) => string {
  const next = new Map<string, string>();
  for (const c of changes) if (c.effect.kind === 'rename-table') next.set(c.effect.from, c.effect.to);
  return (k) => {
    const seen = new Set<string>();
    while (next.has(k) && !seen.has(k)) {
      seen.add(k);
      k = next.get(k)!;
    }
    return k;
  };
}

/** Tables created by this migration (new, therefore empty), under their final keys. */
export function tablesCreatedIn(changes: readonly Change[]): Set<string> {
  const finalKey = finalTableKeys(changes);
  return new Set(changesOfKind(changes, 'create-table').map((c) => finalKey(c.effect.table)));
}
