import type { Column, Constraint, EnumType, Expr, Index, Table, TypeRef } from './model.js';

/**
 * What one statement did to the schema, with the affected objects' definitions *before* the
 * change (a dropped column keeps its type). The engine records these once per statement so
 * migration-level rules (rename-by-drop, enum rebuilds) pair statements without replaying.
 */
export type Effect =
  | { kind: 'create-table'; table: string; definition: Table }
  | { kind: 'drop-table'; table: string; definition: Table; /** Its indexes, dropped with it. */ indexes: Index[]; cascade: boolean }
  | { kind: 'rename-table'; from: string; to: string }
  | { kind: 'add-column'; table: string; column: Column }
  | { kind: 'drop-column'; table: string; column: Column; cascade: boolean }
  | { kind: 'rename-column'; table: string; from: string; to: string }
  | { kind: 'alter-column-type'; table: string; column: string; from: TypeRef; to: TypeRef; using?: Expr }
  | { kind: 'set-not-null'; table: string; column: string }
  | { kind: 'drop-not-null'; table: string; column: string }
  | { kind: 'set-default'; table: string; column: string; value: Expr }
  | { kind: 'drop-default'; table: string; column: string }
  | { kind: 'add-identity'; table: string; column: string }
  | { kind: 'add-constraint'; table: string; constraint: Constraint }
  | { kind: 'drop-constraint'; table: string; constraint: Constraint }
  | { kind: 'create-index'; index: Index; concurrently: boolean }
  | { kind: 'drop-index'; index: Index; concurrently: boolean }
  | { kind: 'create-enum'; type: string; definition: EnumType }
  | { kind: 'drop-type'; type: string; definition?: EnumType; cascade: boolean }
  | { kind: 'rename-type'; from: string; to: string }
  | { kind: 'add-enum-value'; type: string; value: string }
  | { kind: 'rename-enum-value'; type: string; from: string; to: string }
  | { kind: 'create-schema'; schema: string }
  | { kind: 'drop-schema'; schema: string; cascade: boolean }
  | { kind: 'rls'; table: string; enabled: boolean }
  | { kind: 'create-policy'; table: string; policy: string }
  | { kind: 'drop-policy'; table: string; policy: string }
  | { kind: 'other'; what: string };

/**
 * The effects the pending-enum-value analysis reads (analysis/enum-values.ts): all that the engine
 * keeps of a migration it has finished, besides its statements' locations and text.
 */
export const ENUM_EFFECT_KINDS: ReadonlySet<Effect['kind']> = new Set<Effect['kind']>(['add-enum-value', 'create-enum', 'drop-type', 'rename-type', 'rename-enum-value']);
