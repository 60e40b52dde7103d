import type { Column, Constraint, Definition, EnumType, Expr, Index, OtherType, Policy, Sequence, Table, TypeRef, View } from './model.js';

/**
 * A foreign key of another table that went with a dropped table or column (`CASCADE`), or that
 * pointed at it: `table` is the key of the table that holds the constraint.
 */
export interface DependentConstraint {
  table: string;
  constraint: Constraint;
}

/** A comment on a dropped table or view (`column` undefined) or on one of its columns: it went with it. */
export interface RelationComment {
  column?: string;
  value: string;
}

/**
 * What one statement did to the schema, recorded by replay (src/schema/replay.ts) once per
 * statement, with the facts *before* the change that undoing it needs: a dropped object's whole
 * definition and what went with it, a column's previous default or nullability, a replaced
 * definition. Rules pair statements with these (rename-by-drop, enum rebuilds) without replaying;
 * `down` (src/down/) turns each one into its inverse.
 *
 * Keys are `schema.name` (`public.users`); objects are the model's (src/schema/model.ts). A
 * statement that changed nothing (an `IF NOT EXISTS` on an existing object, a `SET NOT NULL` on
 * a column that is NOT NULL already) has no effect, or one whose `before` equals its result.
 */
export type Effect =
  // Tables
  | { kind: 'create-table'; table: string; definition: Table }
  | {
      kind: 'drop-table';
      table: string;
      definition: Table;
      /** Its indexes, dropped with it. */
      indexes: Index[];
      cascade: boolean;
      /** Sequences its serial and identity columns owned, dropped with it (options included). */
      sequences: Sequence[];
      /** Foreign keys of other tables that pointed at it, dropped by CASCADE. */
      dependents: DependentConstraint[];
      /** Triggers on it, dropped with it. */
      triggers: Definition[];
      /** Comments on it and its columns, dropped with it. */
      comments: RelationComment[];
    }
  | { kind: 'rename-table'; from: string; to: string }
  /** `ALTER TABLE … SET SCHEMA`: the table keeps its name, its key changes. */
  | { kind: 'move-table'; from: string; to: string }
  // Columns
  | { kind: 'add-column'; table: string; column: Column }
  | {
      kind: 'drop-column';
      table: string;
      column: Column;
      cascade: boolean;
      /** Constraints of the table that used the column (also multi-column ones), dropped with it. */
      constraints: Constraint[];
      /** Indexes that used the column (key, expression or predicate), dropped with it. */
      indexes: Index[];
      /** The sequence the column owned (serial, identity), dropped with it. */
      sequences: Sequence[];
      /** Foreign keys of other tables that referenced the column, dropped by CASCADE. */
      dependents: DependentConstraint[];
      /** Its comment, dropped with it. */
      comments: RelationComment[];
    }
  | { kind: 'rename-column'; table: string; from: string; to: string }
  | {
      kind: 'alter-column-type';
      table: string;
      column: string;
      from: TypeRef;
      to: TypeRef;
      using?: Expr;
      /** The column's default before (PostgreSQL casts it to the new type). */
      defaultBefore?: Expr;
    }
  /** `before`: the column's NOT NULL before the statement (true: nothing changed). */
  | { kind: 'set-not-null'; table: string; column: string; before: boolean }
  | { kind: 'drop-not-null'; table: string; column: string; before: boolean }
  | { kind: 'set-default'; table: string; column: string; value: Expr; before?: Expr }
  | { kind: 'drop-default'; table: string; column: string; before?: Expr }
  /** `ADD GENERATED … AS IDENTITY`: `sequence` is the one it created. */
  | { kind: 'add-identity'; table: string; column: string; identity: 'always' | 'byDefault'; sequence?: Sequence }
  | { kind: 'drop-identity'; table: string; column: string; identity?: 'always' | 'byDefault'; sequence?: Sequence }
  /** `SET GENERATED ALWAYS | BY DEFAULT`, `SET INCREMENT BY …`, `RESTART`: the identity and its sequence before and after. */
  | { kind: 'alter-identity'; table: string; column: string; before: { identity?: 'always' | 'byDefault'; sequence?: Sequence }; after: { identity?: 'always' | 'byDefault'; sequence?: Sequence } }
  /** `SET EXPRESSION AS (…)` / `DROP EXPRESSION` of a generated column. */
  | { kind: 'set-generated'; table: string; column: string; value: Expr; before?: Expr }
  | { kind: 'drop-generated'; table: string; column: string; before?: Expr }
  // Constraints
  | {
      kind: 'add-constraint';
      table: string;
      constraint: Constraint;
      /** `ADD CONSTRAINT … USING INDEX`: the index it took over. */
      usingIndex?: Index;
      /** Columns a primary key made NOT NULL (they were NULL-able). */
      madeNotNull?: string[];
    }
  | { kind: 'drop-constraint'; table: string; constraint: Constraint; /** Foreign keys of other tables that depended on it (its unique index), dropped by CASCADE. */ dependents?: DependentConstraint[] }
  | { kind: 'rename-constraint'; table: string; from: string; to: string }
  | { kind: 'validate-constraint'; table: string; constraint: string; /** NOT VALID before. */ notValidBefore: boolean }
  // Indexes
  | { kind: 'create-index'; index: Index; concurrently: boolean }
  | { kind: 'drop-index'; index: Index; concurrently: boolean }
  /** `ALTER INDEX … RENAME`: `from`/`to` are index keys; a constraint's index renames the constraint too. */
  | { kind: 'rename-index'; from: string; to: string; constraint?: { table: string; from: string; to: string } }
  // Types
  | { kind: 'create-enum'; type: string; definition: EnumType }
  | { kind: 'create-type'; type: string; definition: OtherType }
  | { kind: 'drop-type'; type: string; definition?: EnumType; other?: OtherType; cascade: boolean }
  /** A type renamed or moved to another schema (`from`/`to` are keys). */
  | { kind: 'rename-type'; from: string; to: string }
  /** `before`: the values before it was added (in order). */
  | { kind: 'add-enum-value'; type: string; value: string; before?: string[] }
  | { kind: 'rename-enum-value'; type: string; from: string; to: string }
  // Schemas
  | { kind: 'create-schema'; schema: string }
  | { kind: 'drop-schema'; schema: string; cascade: boolean }
  | { kind: 'rename-schema'; from: string; to: string }
  // Row level security and policies (`before`: the flag before the statement)
  | { kind: 'rls'; table: string; enabled: boolean; before: boolean }
  | { kind: 'force-rls'; table: string; forced: boolean; before: boolean }
  | { kind: 'create-policy'; table: string; policy: string; definition: Policy }
  | { kind: 'drop-policy'; table: string; policy: string; definition?: Policy }
  | { kind: 'alter-policy'; table: string; policy: string; before: Policy; after: Policy }
  | { kind: 'rename-policy'; table: string; from: string; to: string }
  // Sequences and views (keys)
  | { kind: 'create-sequence'; sequence: string; definition: Sequence }
  | { kind: 'drop-sequence'; sequence: string; definition: Sequence }
  | { kind: 'alter-sequence'; sequence: string; before: Sequence; after: Sequence }
  /** Renamed, or moved to another schema (`SET SCHEMA`): `from`/`to` are keys. */
  | { kind: 'rename-sequence'; from: string; to: string }
  /** `replaced`: the view a `CREATE OR REPLACE VIEW` replaced. */
  | { kind: 'create-view'; view: string; definition: View; replaced?: View }
  /** `comments`: on the view and its columns, dropped with it. */
  | { kind: 'drop-view'; view: string; definition: View; comments: RelationComment[] }
  /** Renamed, or moved to another schema (`SET SCHEMA`). */
  | { kind: 'rename-view'; from: string; to: string }
  /** `CREATE TABLE … AS SELECT`: the columns are those of the query, unknown to the model. */
  | { kind: 'create-table-as'; table: string }
  // Objects kept whole (see Definition): functions, procedures, triggers, roles, comments
  | { kind: 'create-extension'; extension: string }
  | { kind: 'drop-extension'; extension: string }
  /** A function or procedure; `replaced`: the definition a `CREATE OR REPLACE` replaced. */
  | { kind: 'create-function'; function: string; definition: Definition; replaced?: Definition }
  | { kind: 'drop-function'; function: string; definition?: Definition }
  | { kind: 'create-trigger'; trigger: string; table: string; definition: Definition; replaced?: Definition }
  | { kind: 'drop-trigger'; trigger: string; table: string; definition?: Definition }
  | { kind: 'create-role'; role: string; definition: Definition }
  | { kind: 'drop-role'; role: string; definition?: Definition }
  | { kind: 'rename-role'; from: string; to: string }
  /** `ALTER ROLE … WITH …`: its options before and after (DefElem nodes). */
  | { kind: 'alter-role'; role: string; before: unknown[]; after: unknown[] }
  /** `ALTER VIEW … SET (…)` / `RESET (…)`: the view's options before and after. */
  | { kind: 'alter-view-options'; view: string; before: unknown[]; after: unknown[] }
  /** `ALTER MATERIALIZED VIEW … SET TABLESPACE` / `SET ACCESS METHOD`: what it named before (undefined: the default). */
  | { kind: 'alter-view-storage'; view: string; setting: 'tablespace' | 'accessMethod'; before?: string; after: string }
  /** `COMMENT ON …`: `target` is the comment's key (`comment:table:public.users`); `value` undefined for IS NULL. */
  | { kind: 'comment'; target: string; value?: string; before?: string }
  /** `CREATE TEMP TABLE`: lives in the session only (`table`: its name as a key, for later statements on it). */
  | { kind: 'create-temp-table'; table: string }
  | { kind: 'other'; what: string };

/**
 * The effects the pending-enum-value analysis reads (analysis/enum-values.ts): all that the engine
 * keeps of a migration it has finished, besides its statements' locations and text.
 */
export const ENUM_EFFECT_KINDS: ReadonlySet<Effect['kind']> = new Set<Effect['kind']>(['add-enum-value', 'create-enum', 'drop-type', 'rename-type', 'rename-enum-value']);
