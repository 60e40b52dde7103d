import { changesOf, changesOfKind, type Change } from '../analysis/changes.js';
import { defineRule } from '../engine/define-rule.js';
import type { FixRequest, Statement } from '../engine/types.js';
import type { Effect } from '../schema/effects.js';
import type { EnumType, Expr } from '../schema/model.js';
import { qualifiedName, quoteIdent } from '../schema/model.js';

const literal = (v: string) => `'${v.replaceAll("'", "''")}'`;
const list = (values: string[]) => values.map(literal).join(', ');

export default defineRule({
  id: 'enum-recreate',
  meta: {
    description: 'An enum type dropped and created again (a value removed, renamed or reordered, or the type renamed as "create"): fails on rows holding a removed value, and rewrites every table using it.',
    category: 'data-loss',
    defaultSeverity: 'error',
    messages: {
      valuesRemoved:
        'Enum {type} is dropped and created again without {removed}: the migration fails with `invalid input value for enum` if any row of {columns} still holds {which}. Every column using the type is converted to text and back, rewriting its table under ACCESS EXCLUSIVE.',
      valueRenamed:
        'Enum {type} is dropped and created again to turn {from} into {to}: drizzle-kit cannot rename an enum value, so the migration fails with `invalid input value for enum` if any row of {columns} still holds {from}, and rewrites those tables under ACCESS EXCLUSIVE.',
      reordered:
        'Enum {type} is dropped and created again with its values in a new order: every column using it ({columns}) is converted to text and back, rewriting its table under ACCESS EXCLUSIVE, for a change PostgreSQL cannot make in place.',
      typeRenamed:
        'Enum {from} is replaced by a new type {to}{removedNote}: this is what drizzle-kit writes when its rename prompt is answered "create enum". Every column using it ({columns}) is rewritten under ACCESS EXCLUSIVE, and the old type is dropped.',
    },
  },
  checkMigration({ migration, report }) {
    const changes = changesOf(migration);
    const creates = changesOfKind(changes, 'create-enum');
    const retypes = changesOfKind(changes, 'alter-column-type');
    const columnsUsing = (typeKey: string) => {
      const cols = retypes
        .filter((c) => !c.effect.to.builtin && `${c.effect.to.schema ?? 'public'}.${c.effect.to.name}` === typeKey)
        .map((c) => `${c.effect.table.replace(/^public\./, '')}.${c.effect.column}`);
      return [...new Set(cols)].join(', ');
    };
    for (const drop of changesOfKind(changes, 'drop-type')) {
      const before = drop.effect.definition;
      if (!before) continue;
      const type = qualifiedName(before.schema, before.name);
      const recreated = creates.find((c) => c.effect.type === drop.effect.type && c.order > drop.order);
      if (recreated) {
        const after = recreated.effect.definition;
        const removed = before.values.filter((v) => !after.values.includes(v));
        const added = after.values.filter((v) => !before.values.includes(v));
        const columns = columnsUsing(drop.effect.type);
        // No column is converted back to the type: nothing holds its values (columns dropped first
        // are column-rename-by-drop's or drop-column's concern), and nothing is rewritten.
        if (!columns) continue;
        const rebuild = rebuildOf(changes, drop, recreated);
        if (removed.length === 1 && added.length === 1) {
          const renamed = before.values.map((v) => (v === removed[0] ? added[0] : v)).join('\0') === after.values.join('\0');
          const fix = renamed && rebuild ? renameValueFix(type, removed[0], added[0], drop, rebuild) : undefined;
          report({ messageId: 'valueRenamed', statement: drop.statement, data: { type, from: literal(removed[0]), to: literal(added[0]), columns }, help: renameValueHelp(type, removed[0], added[0]), ...(fix ? { fix } : {}) });
        } else if (removed.length > 0) {
          const using = retypes.filter((c) => `${c.effect.to.schema ?? 'public'}.${c.effect.to.name}` === drop.effect.type).map((c) => ({ table: c.effect.table, column: c.effect.column }));
          const first = rebuild?.out[0]?.statement ?? drop.statement;
          report({
            messageId: 'valuesRemoved',
            statement: drop.statement,
            data: { type, removed: list(removed), which: removed.length === 1 ? 'it' : 'one of them', columns },
            help: removalHelp(type, removed, after, using),
            // The replacement value is the user's choice: a suggestion, with the first value left.
            ...(after.values.length && using.length && first.origin === 'top-level'
              ? { suggestions: [{ description: `Set the rows holding ${list(removed)} to ${literal(after.values[0])} before the rebuild (choose the replacement value)`, edits: [{ before: first, insert: updates(removed, after.values[0], using) }] }] }
              : {}),
          });
        } else if (before.values.join('\0') !== after.values.join('\0') && added.length === 0) {
          report({ messageId: 'reordered', statement: drop.statement, data: { type, columns }, help: 'Keep the old order: PostgreSQL sorts enum values by their declared order, and new values can be placed with `ALTER TYPE … ADD VALUE … BEFORE/AFTER` instead of rebuilding.' });
        }
        continue;
      }
      // Renamed as "create": a new type was created earlier in this migration and the columns moved to it.
      const moved = retypes.filter((c) => !c.effect.from.builtin && `${c.effect.from.schema ?? 'public'}.${c.effect.from.name}` === drop.effect.type && !c.effect.to.builtin);
      const target = moved.length ? creates.find((c) => c.effect.type === `${moved[0].effect.to.schema ?? 'public'}.${moved[0].effect.to.name}`) : undefined;
      if (!target) continue;
      const after = target.effect.definition;
      const shared = before.values.filter((v) => after.values.includes(v));
      if (shared.length === 0) continue; // a different type, not a rename
      const removed = before.values.filter((v) => !after.values.includes(v));
      const fix = before.values.join('\0') === after.values.join('\0') && before.schema === after.schema ? renameTypeFix(changes, type, after.name, drop, target, moved) : undefined;
      report({
        messageId: 'typeRenamed',
        statement: drop.statement,
        data: {
          from: type,
          to: qualifiedName(after.schema, after.name),
          removedNote: removed.length ? ` without ${list(removed)} (rows holding ${removed.length === 1 ? 'it' : 'them'} make the migration fail)` : '',
          columns: [...new Set(moved.map((c) => `${c.effect.table.replace(/^public\./, '')}.${c.effect.column}`))].join(', '),
        },
        help: [
          `ALTER TYPE ${type} RENAME TO ${quoteIdent(after.name)};`,
          ...after.values.filter((v) => !before.values.includes(v)).map((v) => `ALTER TYPE ${qualifiedName(after.schema, after.name)} ADD VALUE ${literal(v)};`),
          `Or delete this migration and run \`drizzle-kit generate\` again: at "Is ${after.name} enum created or renamed from another enum?" pick "~ ${before.name} › ${after.name} rename enum".`,
        ].join('\n'),
        ...(fix ? { fix } : {}),
      });
    }
  },
});

function renameValueHelp(type: string, from: string, to: string): string {
  return [
    `ALTER TYPE ${type} RENAME VALUE ${literal(from)} TO ${literal(to)};`,
    'Replace this migration\'s DROP TYPE / CREATE TYPE rebuild with that one statement (`drizzle-kit generate --custom`): it keeps every row, takes no table lock, and the snapshot drizzle-kit wrote already has the new value.',
  ].join('\n');
}

function removalHelp(type: string, removed: string[], after: EnumType, columns: { table: string; column: string }[]): string {
  const replacement = after.values[0] ?? '…';
  const lines = columns.length ? updates(removed, replacement, columns).map((sql) => `${sql};`) : removed.map((v) => `UPDATE <table> SET <column> = ${literal(replacement)} WHERE <column> = ${literal(v)};`);
  return [...lines, `Run these (choose the replacement value) in a migration before this one, so no row holds a value of ${type} that is removed.`].join('\n');
}

function updates(removed: string[], replacement: string, columns: { table: string; column: string }[]): string[] {
  return columns.flatMap(({ table, column }) => {
    const [schema, ...name] = table.split('.');
    return removed.map((v) => `UPDATE ${qualifiedName(schema, name.join('.'))} SET ${quoteIdent(column)} = ${literal(replacement)} WHERE ${quoteIdent(column)} = ${literal(v)}`);
  });
}

type Retype = Change<Extract<Effect, { kind: 'alter-column-type' }>>;
type DefaultChange = Change<Extract<Effect, { kind: 'set-default' | 'drop-default' }>>;

/** drizzle-kit's rebuild of an enum: its columns to text and back, and their defaults on the way. */
interface Rebuild {
  create: Change;
  out: Retype[];
  back: Retype[];
  defaults: DefaultChange[];
}

const typeKeyOf = (t: { schema?: string; name: string }) => `${t.schema ?? 'public'}.${t.name}`;
const sameColumn = (a: { table: string; column: string }, b: { table: string; column: string }) => a.table === b.table && a.column === b.column;

/**
 * The statements of drizzle-kit's rebuild of the enum dropped by `drop` and created again by
 * `create`: each column converted to text before the drop and back after the create, and the
 * default changes of those columns in the migration. Undefined when the columns going out and
 * coming back differ, or a statement holds more than that one change.
 */
function rebuildOf(changes: readonly Change[], drop: Change, create: Change): Rebuild | undefined {
  const type = (drop.effect as { type: string }).type;
  const retypes = changesOfKind(changes, 'alter-column-type');
  const out = retypes.filter((c) => c.order < drop.order && !c.effect.from.builtin && typeKeyOf(c.effect.from) === type && c.effect.to.builtin);
  const back = retypes.filter((c) => c.order > create.order && !c.effect.to.builtin && typeKeyOf(c.effect.to) === type);
  if (out.length !== back.length || !out.every((o) => back.some((b) => sameColumn(o.effect, b.effect)))) return undefined;
  const defaults = [...changesOfKind(changes, 'set-default'), ...changesOfKind(changes, 'drop-default')].filter((d) => out.some((o) => sameColumn(o.effect, d.effect))).sort((a, b) => a.order - b.order);
  if (![create, ...out, ...back, ...defaults].every((c) => single(c.statement))) return undefined;
  return { create, out, back, defaults };
}

function single(s: Statement): boolean {
  return s.origin === 'top-level' && (s.kind !== 'AlterTableStmt' || s.ast.cmds?.length === 1);
}

/** The string a default holds (`'draft'::text`, `'draft'::"public"."status"` → draft), undefined for anything else. */
function literalOf(expr: Expr | undefined): string | undefined {
  let node = expr?.ast as { TypeCast?: { arg: unknown }; A_Const?: { sval?: { sval?: string } } } | undefined;
  while (node?.TypeCast) node = node.TypeCast.arg as typeof node;
  return node?.A_Const?.sval?.sval;
}

/**
 * Whether the defaults of the rebuilt columns end as they began (`rename` maps a renamed value):
 * drizzle-kit re-states each column's default around the rebuild; one it changed is kept out of
 * the fix (no fix then).
 */
function defaultsUnchanged(defaults: readonly DefaultChange[], rename: (v: string) => string): boolean {
  const byColumn = new Map<string, DefaultChange[]>();
  for (const d of defaults) byColumn.set(`${d.effect.table}.${d.effect.column}`, [...(byColumn.get(`${d.effect.table}.${d.effect.column}`) ?? []), d]);
  for (const list of byColumn.values()) {
    const first = list[0].effect.before;
    const last = list[list.length - 1].effect;
    const initial = first ? literalOf(first) : undefined;
    const final = last.kind === 'set-default' ? literalOf(last.value) : undefined;
    if ((first === undefined) !== (last.kind === 'drop-default')) return false;
    if (first !== undefined && (initial === undefined || final === undefined || rename(initial) !== final)) return false;
  }
  return true;
}

/** RENAME VALUE in place of the rebuild: every row keeps its value, renamed with the type; no table is rewritten. */
function renameValueFix(type: string, from: string, to: string, drop: Change, rebuild: Rebuild): FixRequest | undefined {
  if (!defaultsUnchanged(rebuild.defaults, (v) => (v === from ? to : v)) || !single(drop.statement)) return undefined;
  const removed = new Set([rebuild.create, ...rebuild.out, ...rebuild.back, ...rebuild.defaults].map((c) => c.statement));
  removed.delete(drop.statement);
  return {
    description: `Rename the value ${literal(from)} to ${literal(to)} in place (ALTER TYPE … RENAME VALUE) instead of rebuilding ${type}`,
    edits: [{ replace: drop.statement, with: [`ALTER TYPE ${type} RENAME VALUE ${literal(from)} TO ${literal(to)}`] }, ...[...removed].map((s) => ({ remove: s }))],
  };
}

/** ALTER TYPE … RENAME TO in place of the CREATE TYPE of the new name; the columns' conversions and the DROP TYPE go. */
function renameTypeFix(changes: readonly Change[], type: string, newName: string, drop: Change, create: Change, moved: Retype[]): FixRequest | undefined {
  const defaults = [...changesOfKind(changes, 'set-default'), ...changesOfKind(changes, 'drop-default')].filter((d) => moved.some((m) => sameColumn(m.effect, d.effect))).sort((a, b) => a.order - b.order);
  if (![drop, create, ...moved, ...defaults].every((c) => single(c.statement)) || !defaultsUnchanged(defaults, (v) => v)) return undefined;
  const removed = new Set([drop, ...moved, ...defaults].map((c) => c.statement));
  removed.delete(create.statement);
  return {
    description: `Rename ${type} to ${quoteIdent(newName)} (ALTER TYPE … RENAME TO: no column is rewritten) instead of creating a new type and dropping the old one`,
    edits: [{ replace: create.statement, with: [`ALTER TYPE ${type} RENAME TO ${quoteIdent(newName)}`] }, ...[...removed].map((s) => ({ remove: s }))],
  };
}
