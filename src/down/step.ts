/**
 * The pieces a rollback is made of. A Step undoes one change (an effect, or a statement the model
 * sees no effect in); a statement's steps are merged, and a migration's statements undone last
 * first. Pure data: no SQL is run here.
 */

/**
 * - `reversible`: the rollback restores the schema exactly and no data is lost (beyond what the
 *   migration itself added);
 * - `structure-only`: the schema comes back, but data that is gone stays gone (a dropped column's
 *   values, rows a DELETE removed, values a lossy cast changed);
 * - `irreversible`: the rollback cannot restore something (an enum value added, a DO block whose
 *   effect the model cannot see): what stays is said.
 */
export type Verdict = 'reversible' | 'structure-only' | 'irreversible';

const RANK: Record<Verdict, number> = { reversible: 0, 'structure-only': 1, irreversible: 2 };

export function worst(a: Verdict, b: Verdict): Verdict {
  return RANK[a] >= RANK[b] ? a : b;
}

/**
 * A schema difference the rollback leaves on purpose, in compareSchemas' terms: `object` is its
 * object kind (`column`, `enum`, …; `*` any), `name` the object's key or a prefix ending in `.`
 * (`public.users.` covers the table's columns, constraints and policies; `*` anything).
 */
export interface Declared {
  object: string;
  name: string;
}

export interface Step {
  verdict: Verdict;
  /** What the rollback does not restore, and why (empty when it restores everything). */
  reasons: string[];
  /** Worth knowing without changing the verdict: a step that fails on rows written since, a column that comes back last. */
  notes: string[];
  /** SQL that undoes the change, in the order to run. */
  sql: string[];
  /** SQL to run after every `sql` of the statement (foreign keys once all the tables exist). */
  after: string[];
  /** SQL offered but not run (printed commented out): a rebuild with its own dangers. */
  offered: string[];
  declared: Declared[];
}

export function step(partial: Partial<Step> = {}): Step {
  return { verdict: 'reversible', reasons: [], notes: [], sql: [], after: [], offered: [], declared: [], ...partial };
}

export function lost(reason: string, partial: Partial<Step> = {}): Step {
  return step({ verdict: 'structure-only', reasons: [reason], ...partial });
}

export function cannot(reason: string, partial: Partial<Step> = {}): Step {
  return step({ verdict: 'irreversible', reasons: [reason], ...partial });
}

/** Several steps of one statement as one: SQL in reverse order (the last change undone first). */
export function merge(steps: readonly Step[]): Step {
  const out = step();
  for (const s of steps) {
    out.verdict = worst(out.verdict, s.verdict);
    out.reasons.push(...s.reasons);
    out.notes.push(...s.notes);
    out.declared.push(...s.declared);
  }
  for (const s of [...steps].reverse()) {
    out.sql.push(...s.sql);
    out.offered.push(...s.offered);
  }
  for (const s of [...steps].reverse()) out.after.push(...s.after);
  return out;
}
