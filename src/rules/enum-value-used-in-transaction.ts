import { pendingEnumValues, type Pending, type PendingValue } from '../analysis/enum-values.js';
import type { Node } from '../engine/ast.js';
import { str, walk } from '../engine/ast.js';
import { defineRule } from '../engine/define-rule.js';
import type { Statement } from '../engine/types.js';
import { key, qualifiedName, type SchemaState } from '../schema/model.js';
import { typeFromAst } from '../schema/typename.js';

interface Use {
  pending: PendingValue;
  /** AST location of the literal. */
  location: number;
  how: string;
}

export default defineRule({
  id: 'enum-value-used-in-transaction',
  meta: {
    description: "An enum value added with ALTER TYPE … ADD VALUE and used in the same migrate() transaction: PostgreSQL refuses it (unsafe use of new value).",
    category: 'correctness',
    defaultSeverity: 'error',
    messages: {
      sameMigration:
        "'{value}' is added to {type} by ALTER TYPE … ADD VALUE earlier in this migration and used here ({how}): PostgreSQL refuses to use an enum value before the transaction that added it commits, so the deploy fails with `unsafe use of new value \"{value}\" of enum type {name}` (55P04) and rolls back every pending migration.",
      laterMigration:
        "'{value}' is added to {type} by ALTER TYPE … ADD VALUE in {added} and used here ({how}). drizzle's migrate() runs all pending migrations in one transaction, so whenever both are pending (every fresh, CI or preview database) the deploy fails with `unsafe use of new value \"{value}\" of enum type {name}` (55P04).",
    },
  },
  check({ statement, schema, history, migration, settings, report }) {
    if (statement.kind === 'AlterEnumStmt' || statement.kind === 'TransactionStmt') return;
    const pending = pendingEnumValues(history, migration, statement.index);
    if (pending.size === 0 || !mayNameAny(statement.sql, pending)) return;
    // PostgreSQL 17+ lets a value be used at once when its enum was created in the same transaction.
    const usable = (v: PendingValue) => settings.pgVersion >= 17 && v.typeCreatedHere && v.migration === migration;
    const seen = new Set<string>();
    for (const use of usesIn(statement, schema, pending)) {
      if (usable(use.pending)) continue;
      const id = `${use.pending.type}|${use.pending.value}`;
      if (seen.has(id)) continue;
      seen.add(id);
      const [schemaName, ...rest] = use.pending.type.split('.');
      const type = qualifiedName(schemaName, rest.join('.'));
      const same = use.pending.migration === migration;
      report({
        messageId: same ? 'sameMigration' : 'laterMigration',
        data: { value: use.pending.value, type, name: rest.join('.'), how: use.how, added: use.pending.migration.tag },
        location: statement.locate(use.location, use.pending.value.length + 2),
        help: same
          ? [
              `Commit the new value before using it: make the ADD VALUE idempotent and end the transaction right after it (statements before the COMMIT stay applied if a later one fails, and the retry runs them again):`,
              `ALTER TYPE ${type} ADD VALUE IF NOT EXISTS '${use.pending.value}';--> statement-breakpoint`,
              `COMMIT;--> statement-breakpoint`,
              `BEGIN;--> statement-breakpoint`,
              `…then this statement.`,
            ].join('\n')
          : [
              `Start this migration by committing the earlier ones (they are complete and recorded by then, so nothing is half-applied):`,
              `COMMIT;--> statement-breakpoint`,
              `BEGIN;--> statement-breakpoint`,
            ].join('\n'),
      });
    }
  },
});

/**
 * Whether the statement holds a string literal equal to a pending value: its literals are read
 * from the text ('…' with doubled quotes, $tag$…$tag$), a handful per statement, and looked up.
 * Literals written with escapes (E'…', U&'…') cannot be read that way: then assume yes.
 */
function mayNameAny(sql: string, pending: Pending): boolean {
  if (!sql.includes("'") && !sql.includes('$')) return false;
  if (/(?:^|[^\w$])(?:[eE]|[uU]&)'/.test(sql)) return true;
  for (const m of sql.matchAll(/'((?:[^']|'')*)'|\$(\w*)\$([\s\S]*?)\$\2\$/g)) {
    const literal = m[1] !== undefined ? m[1].replaceAll("''", "'") : m[3];
    if (pending.hasValue(literal)) return true;
  }
  return false;
}

function aConstString(node: Node): { value: string; location: number } | undefined {
  const c = node?.A_Const;
  if (c && typeof c.sval?.sval === 'string') return { value: c.sval.sval, location: c.location };
  return undefined;
}

/** A literal (or a list / ARRAY of literals, or a literal cast to anything) inside an expression. */
function literals(root: Node): { value: string; location: number }[] {
  const out: { value: string; location: number }[] = [];
  // Without recursion: casts and arrays nest without bound (see ast.ts).
  const stack: Node[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    const direct = aConstString(node);
    if (direct) out.push(direct);
    else if (node?.TypeCast) stack.push(node.TypeCast.arg);
    else {
      const items: Node[] | undefined = node?.List ? (node.List.items ?? []) : Array.isArray(node) ? node : node?.A_ArrayExpr ? (node.A_ArrayExpr.elements ?? []) : undefined;
      for (let i = (items?.length ?? 0) - 1; i >= 0; i--) stack.push(items![i]);
    }
  }
  return out;
}

function enumKeyOf(typeName: Node): string | undefined {
  if (!typeName) return undefined;
  const t = typeFromAst(typeName);
  return t.builtin ? undefined : key(t.schema, t.name);
}

/** Uses of pending values in the statement: casts, defaults, comparisons with enum columns, UPDATE SET, INSERT VALUES. */
function usesIn(statement: Statement, schema: Readonly<SchemaState>, pending: Pending): Use[] {
  const ast = statement.ast;
  const out: Use[] = [];
  const add = (type: string | undefined, node: Node, how: string) => {
    if (!type) return;
    for (const lit of literals(node)) {
      const p = pending.get(type, lit.value);
      if (p) out.push({ pending: p, location: lit.location, how });
    }
  };

  // Columns of the enum types, by name, for the tables the statement names (and the columns it defines).
  const columns = new Map<string, Set<string>>();
  const note = (name: string, type: string | undefined) => {
    if (!type) return;
    if (!columns.has(name)) columns.set(name, new Set());
    columns.get(name)!.add(type);
  };
  const noteTable = (rangeVar: Node) => {
    const table = schema.tables.get(key(rangeVar?.schemaname, rangeVar?.relname ?? ''));
    for (const c of table?.columns.values() ?? []) if (!c.type.builtin) note(c.name, key(c.type.schema, c.type.name));
  };
  // The statement's own table is an unwrapped RangeVar (`relation`); those in FROM clauses are wrapped.
  if (ast.relation) noteTable(ast.relation);
  walk(ast, (tag, fields) => {
    if (tag === 'RangeVar') noteTable(fields);
    if (tag === 'ColumnDef') note(fields.colname, enumKeyOf(fields.typeName));
  });

  walk(ast, (tag, fields) => {
    switch (tag) {
      case 'TypeCast':
        add(enumKeyOf(fields.typeName), fields.arg, 'a cast');
        break;
      case 'ColumnDef': {
        const type = enumKeyOf(fields.typeName);
        if (fields.raw_default) add(type, fields.raw_default, 'a column default');
        for (const c of fields.constraints ?? []) if (c.Constraint?.contype === 'CONSTR_DEFAULT') add(type, c.Constraint.raw_expr, 'a column default');
        break;
      }
      case 'AlterTableCmd':
        if (fields.subtype === 'AT_ColumnDefault' && fields.def) for (const t of columns.get(fields.name) ?? []) add(t, fields.def, 'SET DEFAULT');
        break;
      case 'A_Expr':
        for (const [col, other] of [[fields.lexpr, fields.rexpr], [fields.rexpr, fields.lexpr]]) {
          const name = columnName(col);
          if (name) for (const t of columns.get(name) ?? []) add(t, other, statement.kind === 'IndexStmt' ? 'an index predicate' : 'a comparison');
        }
        break;
      default:
        break;
    }
  });

  if (statement.kind === 'UpdateStmt') {
    for (const t of ast.targetList ?? []) {
      const r = t.ResTarget;
      for (const type of columns.get(r?.name) ?? []) add(type, r.val, 'UPDATE … SET');
    }
  }
  if (statement.kind === 'InsertStmt') {
    const names: string[] = (ast.cols ?? []).map((c: Node) => c.ResTarget?.name);
    for (const row of ast.selectStmt?.SelectStmt?.valuesLists ?? []) {
      (row.List?.items ?? []).forEach((item: Node, i: number) => {
        for (const type of columns.get(names[i]) ?? []) add(type, item, 'INSERT … VALUES');
      });
    }
  }
  // A literal reached two ways (a cast inside a default) counts once.
  const unique = new Map<number, Use>();
  for (const u of out) if (!unique.has(u.location)) unique.set(u.location, u);
  return [...unique.values()].sort((a, b) => a.location - b.location);
}

function columnName(node: Node): string | undefined {
  const target = node?.TypeCast ? node.TypeCast.arg : node;
  const fields = target?.ColumnRef?.fields;
  if (!fields?.length) return undefined;
  return str(fields[fields.length - 1]) || undefined;
}
