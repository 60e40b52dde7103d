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
  migration.effects.forEach((effects, i) => {
    const line = migration.statements[i]?.location.line ?? 1;
    const set = (key: string, change: Origin['change']) => origins.set(key, { position: migration.position, line, change });
    for (const e of effects) for (const [key, change] of keysOf(e)) set(key, change);
  });
}

/** The origin of an object (`column`, `public.users.email`), else of its table. */
export function originOf(history: readonly MigrationInfo[], object: string, name: string): Origin | undefined {
  const origins = byHistory.get(history)?.origins;
  if (!origins) return undefined;
  const own = origins.get(`${object} ${name}`);
  if (own) return own;
  if (object === 'column' || object === 'constraint' || object === 'policy') {
    const parts = name.split('.');
    return origins.get(`table ${parts.slice(0, 2).join('.')}`);
  }
  return undefined;
}

function keysOf(e: Effect): [string, Origin['change']][] {
  switch (e.kind) {
    case 'create-table': {
      const t = e.table;
      return [
        [`table ${t}`, 'create'],
        ...[...e.definition.columns.keys()].map((c): [string, Origin['change']] => [`column ${t}.${c}`, 'create']),
        ...[...e.definition.constraints.keys()].map((c): [string, Origin['change']] => [`constraint ${t}.${c}`, 'create']),
      ];
    }
    case 'drop-table':
      return [[`table ${e.table}`, 'drop']];
    case 'rename-table':
      return [
        [`table ${e.from}`, 'drop'],
        [`table ${e.to}`, 'create'],
      ];
    case 'add-column':
      return [[`column ${e.table}.${e.column.name}`, 'create']];
    case 'drop-column':
      return [[`column ${e.table}.${e.column.name}`, 'drop']];
    case 'rename-column':
      return [
        [`column ${e.table}.${e.from}`, 'drop'],
        [`column ${e.table}.${e.to}`, 'create'],
      ];
    case 'alter-column-type':
    case 'set-not-null':
    case 'drop-not-null':
    case 'set-default':
    case 'drop-default':
    case 'add-identity':
      return [[`column ${e.table}.${e.column}`, 'change']];
    case 'add-constraint':
      return [[`constraint ${e.table}.${e.constraint.name}`, 'create']];
    case 'drop-constraint':
      return [[`constraint ${e.table}.${e.constraint.name}`, 'drop']];
    case 'create-index':
      return [[`index ${e.index.schema}.${e.index.name}`, 'create']];
    case 'drop-index':
      return [[`index ${e.index.schema}.${e.index.name}`, 'drop']];
    case 'create-enum':
      return [[`enum ${e.type}`, 'create']];
    case 'drop-type':
      return [[`enum ${e.type}`, 'drop']];
    case 'rename-type':
      return [
        [`enum ${e.from}`, 'drop'],
        [`enum ${e.to}`, 'create'],
      ];
    case 'add-enum-value':
    case 'rename-enum-value':
      return [[`enum ${e.type}`, 'change']];
    case 'create-schema':
      return [[`schema ${e.schema}`, 'create']];
    case 'drop-schema':
      return [[`schema ${e.schema}`, 'drop']];
    case 'rls':
      return [[`table ${e.table}`, 'change']];
    case 'create-policy':
      return [[`policy ${e.table}.${e.policy}`, 'create']];
    case 'drop-policy':
      return [[`policy ${e.table}.${e.policy}`, 'drop']];
    default:
      return [];
  }
}
