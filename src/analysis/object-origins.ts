import type { Effect } from '../schema/effects.js';
import type { MigrationInfo } from '../engine/types.js';

/** The last statement of the history that created, changed or dropped an object. */
export interface Origin {
  position: number;
  line: number;
  change: 'create' | 'change' | 'drop';
}

/**
 * Where each object of the schema was last created, changed or dropped, by its name as
 * compareSchemas spells it (`table public.users`, `column public.users.email`, `index public.i`…),
 * recorded migration by migration while their effects are at hand (the engine lets go of them
 * after): a difference found at the end of the history can then be traced back. Keyed by history.
 */
const byHistory = new WeakMap<readonly MigrationInfo[], { next: number; origins: Map<string, Origin> }>();

/** Record the migration's effects (once per migration, in history order). */
export function recordOrigins(history: readonly MigrationInfo[], migration: MigrationInfo): void {
  let entry = byHistory.get(history);
  if (!entry) byHistory.set(history, (entry = { next: 0, origins: new Map() }));
  if (migration.position < entry.next) return;
  entry.next = migration.position + 1;
  const origins = entry.origins;
  const position = migration.position;
  const effectsList = migration.effects;
  for (let i = 0; i < effectsList.length; i++) {
    const effects = effectsList[i];
    if (effects.length === 0) continue;
    const line = migration.statements[i]?.location.line ?? 1;
    for (const e of effects) record(e, (key, change) => origins.set(key, { position, line, change }));
  }
}

/** The origin of an object (`column`, `public.users.email`), else of its table. */
export function originOf(history: readonly MigrationInfo[], object: string, name: string): Origin | undefined {
  const origins = byHistory.get(history)?.origins;
  if (!origins) return undefined;
  const own = origins.get(`${object} ${name}`);
  if (own) return own;
  if (object === 'column' || object === 'constraint' || object === 'policy') {
    const parts = name.split('.');
    return origins.get(`created ${parts.slice(0, 2).join('.')}`);
  }
  return undefined;
}

/** Hand each object the effect created, changed or dropped to `set`, by its compareSchemas name. */
function record(e: Effect, set: (key: string, change: Origin['change']) => void): void {
  switch (e.kind) {
    case 'create-table':
      // Its columns and constraints are found by the table's creation (originOf): one entry, not one per column.
      set(`table ${e.table}`, 'create');
      set(`created ${e.table}`, 'create');
      return;
    case 'drop-table':
      set(`table ${e.table}`, 'drop');
      return;
    case 'rename-table':
      set(`table ${e.from}`, 'drop');
      set(`table ${e.to}`, 'create');
      set(`created ${e.to}`, 'create');
      return;
    case 'add-column':
      set(`column ${e.table}.${e.column.name}`, 'create');
      return;
    case 'drop-column':
      set(`column ${e.table}.${e.column.name}`, 'drop');
      return;
    case 'rename-column':
      set(`column ${e.table}.${e.from}`, 'drop');
      set(`column ${e.table}.${e.to}`, 'create');
      return;
    case 'alter-column-type':
    case 'set-not-null':
    case 'drop-not-null':
    case 'set-default':
    case 'drop-default':
    case 'add-identity':
      set(`column ${e.table}.${e.column}`, 'change');
      return;
    case 'add-constraint':
      set(`constraint ${e.table}.${e.constraint.name}`, 'create');
      return;
    case 'drop-constraint':
      set(`constraint ${e.table}.${e.constraint.name}`, 'drop');
      return;
    case 'create-index':
      set(`index ${e.index.schema}.${e.index.name}`, 'create');
      return;
    case 'drop-index':
      set(`index ${e.index.schema}.${e.index.name}`, 'drop');
      return;
    case 'create-enum':
      set(`enum ${e.type}`, 'create');
      return;
    case 'drop-type':
      set(`enum ${e.type}`, 'drop');
      return;
    case 'rename-type':
      set(`enum ${e.from}`, 'drop');
      set(`enum ${e.to}`, 'create');
      return;
    case 'add-enum-value':
    case 'rename-enum-value':
      set(`enum ${e.type}`, 'change');
      return;
    case 'create-schema':
      set(`schema ${e.schema}`, 'create');
      return;
    case 'drop-schema':
      set(`schema ${e.schema}`, 'drop');
      return;
    case 'rls':
      set(`table ${e.table}`, 'change');
      return;
    case 'create-policy':
      set(`policy ${e.table}.${e.policy}`, 'create');
      return;
    case 'drop-policy':
      set(`policy ${e.table}.${e.policy}`, 'drop');
      return;
    default:
      return;
  }
}
