import { locateIndex } from '../analysis/alter-table.js';
import { modelSignature, nodeSignature } from '../analysis/constraints.js';
import { labelOf } from '../analysis/existing.js';
import { defineRule } from '../engine/define-rule.js';
import type { Node } from '../engine/ast.js';
import { str } from '../engine/ast.js';
import type { Statement, StatementContext } from '../engine/types.js';
import { DEFAULT_SCHEMA, key, quoteIdent, type Constraint, type SchemaState } from '../schema/model.js';
import { truncateIdentifier } from '../schema/replay.js';

type Kind = 'constraint' | 'index' | 'table' | 'column' | 'sequence' | 'type' | 'schema' | 'view' | 'policy' | 'name';

/** A name the statement creates, with the namespace PostgreSQL keeps it in. */
interface Defined {
  /** As the parser gives it: already truncated to 63 bytes. */
  name: string;
  kind: Kind;
  /** Schema of the relation or type it names, or of the table it belongs to. */
  schema: string;
  /** For columns, constraints and policies: the table (`schema.name`). */
  table?: string;
  /** For constraints: the parse tree (contype, columns, target). */
  constraint?: Node;
  /** `IF NOT EXISTS`: PostgreSQL skips the statement when the name is taken. */
  ifNotExists?: boolean;
  /** Whether the namespace is checked for a name it already holds (not for renames). */
  checked: boolean;
}

/** What already holds a name, as PostgreSQL would say when the statement runs. */
interface Holder {
  /** `primary key "…" of "t"`. */
  label: string;
  /** PostgreSQL's error for the taken name: message, SQLSTATE and the PL/pgSQL condition that catches it. */
  error: string;
  code: string;
  condition: string;
  /** Whether it is the same object declared again (an idempotent re-run), not another one. */
  same: boolean;
}

const DRIZZLE_SETTING: Partial<Record<Kind, string>> = {
  constraint: 'name it in the schema (`foreignKey({ name: "…", columns: […], foreignColumns: […] })`, `unique("…")`, `primaryKey({ name: "…", columns: […] })`, `check("…", …)`)',
  index: 'name it in the schema (`index("…")`, `uniqueIndex("…")`)',
  sequence: 'name it in the schema (`generatedAlwaysAsIdentity({ name: "…" })` or `pgSequence("…")`)',
};

/** drizzle-kit's default name suffixes (0.x and 1.0), and the constraint kind each stands for. */
const SUFFIX_KIND: Record<string, Constraint['kind']> = { fk: 'foreignKey', fkey: 'foreignKey', pk: 'primaryKey', pkey: 'primaryKey', unique: 'unique', key: 'unique', check: 'check' };

const KIND_LABEL: Record<Constraint['kind'], string> = { primaryKey: 'primary key', unique: 'unique constraint', foreignKey: 'foreign key', check: 'check constraint', exclusion: 'exclusion constraint' };

export default defineRule({
  id: 'identifier-too-long',
  meta: {
    description: 'A name longer than 63 bytes, which PostgreSQL truncates (warning); two names that are the same once truncated (error: the second statement fails, or is skipped in silence), and a DROP of a long name that hits the other object.',
    category: 'correctness',
    defaultSeverity: 'error',
    messages: {
      tooLong:
        'The {kind} name {name} is {bytes} bytes: PostgreSQL keeps only the first 63 ({truncated}), with a NOTICE. Migrations still work (later statements that name it are truncated the same way), but drizzle-kit keeps the full name in its snapshot, which never matches the database again: {push}.',
      tooLongMany:
        'This migration gives {count} names longer than 63 bytes ({items}): PostgreSQL keeps only the first 63 bytes of each, with a NOTICE. Migrations still work (later statements that name them are truncated the same way), but drizzle-kit keeps the full names in its snapshot, which never matches the database again: `drizzle-kit push` drops truncated constraints and indexes and adds them back on every run (drizzle-orm#3280, #4645).',
      collision:
        'The {kind} name {name} is {bytes} bytes, and PostgreSQL keeps only the first 63: {truncated}, the name of {other}{where} already. This statement fails with "{error}" ({code}) and the deploy stops: migrate() rolls back every pending migration.',
      collisionSwallowed:
        'The {kind} name {name} is {bytes} bytes, and PostgreSQL keeps only the first 63: {truncated}, the name of {other}{where} already. The statement fails with "{error}" ({code}) and the DO block\'s `EXCEPTION WHEN {condition}` swallows it: {name} never exists on any database, and nothing says so, while drizzle-kit\'s snapshot records it.',
      collisionSkipped:
        'The {kind} name {name} is {bytes} bytes, and PostgreSQL keeps only the first 63: {truncated}, the name of {other}{where} already. With IF NOT EXISTS, PostgreSQL skips the statement with a NOTICE: {name} never exists on any database, and nothing says so, while drizzle-kit\'s snapshot records it.',
      dropsOther:
        'DROP CONSTRAINT {name} drops {other}: PostgreSQL truncates the name to its first 63 bytes, {truncated}, the name of {other}, not of the {intended} this name stands for. {table} loses its {otherKind} on every database this runs on, while drizzle-kit\'s snapshot still records it.',
    },
    help: {
      tooLongMany: 'Give each a name of at most 63 bytes in the schema, then run `drizzle-kit generate` again:\n{all:setting}\nFor example:\n{all:shorter}',
    },
  },
  check(context) {
    const { statement, report } = context;
    const dropped = droppedConstraints(statement);
    const defined = definedNames(statement.kind, statement.ast);
    if (defined.length === 0 && dropped.length === 0) return;
    // PostgreSQL's parser has already truncated the names in the AST, to 63 bytes or a few less (it
    // keeps multi-byte characters whole): only a name that long can have been cut. Then find the
    // long spelling in the text (the tokenizer runs for those statements alone).
    const long = longIdentifiers(statement.sql);
    if (long.length === 0) return;
    const used = new Set<number>();
    const spelling = (truncatedName: string) => {
      // Several long names can share their first 63 bytes (a collision): take the next unused one.
      const token = long.find((t) => truncateIdentifier(t.name) === truncatedName && !used.has(t.index));
      if (token) used.add(token.index);
      return token;
    };
    // Names defined earlier in this statement, by namespace (a CREATE TABLE's constraints).
    const earlier = new Map<string, { label: string; full: string }>();
    for (const d of defined) {
      const token = spelling(d.name);
      const namespaces = namespacesOf(d);
      const name = token?.name ?? d.name;
      const inStatement = namespaces.map((n) => earlier.get(n)).find((e) => e !== undefined);
      for (const n of namespaces) earlier.set(n, { label: describe(d, name), full: name });
      if (!token) continue;
      const data = { kind: d.kind, name: quoteIdent(name), bytes: Buffer.byteLength(name, 'utf8'), truncated: quoteIdent(d.name) };
      const location = locateIndex(statement, token.index, token.length);
      const holder: (Holder & { where: string }) | undefined = !d.checked
        ? undefined
        : inStatement
          ? inStatement.full === name
            ? undefined
            : { ...errorOf(d, context.schema), label: inStatement.label, same: false, where: ' (earlier in this statement)' }
          : holderOf(d, name, context);
      if (!holder || holder.same) {
        const shorter = quoteIdent(shorterName(name));
        // Names drizzle-kit derived the same way in one migration are one root cause: one finding lists them.
        report({
          messageId: 'tooLong',
          data: { ...data, push: d.kind === 'constraint' || d.kind === 'index' ? `\`drizzle-kit push\` drops the truncated ${d.kind} and adds it back on every run (drizzle-orm#3280, #4645)` : `\`drizzle-kit push\` and \`pull\` see a ${d.kind} that is not in the database`, setting: `for a ${d.kind}, ${DRIZZLE_SETTING[d.kind] ?? 'rename it in the schema'}`, shorter: `${data.name} → ${shorter}` },
          location,
          severity: 'warn',
          help: `Give it a name of at most 63 bytes: ${DRIZZLE_SETTING[d.kind] ?? 'rename it in the schema'}, e.g. ${shorter}, then run \`drizzle-kit generate\` again.`,
          group: { key: 'tooLong', messageId: 'tooLongMany', item: `${d.kind} ${data.name}, ${data.bytes} bytes` },
        });
        continue;
      }
      const swallowed = statement.doBlock?.handles.some((h) => h === holder.condition || h === 'others') === true;
      const messageId = d.ifNotExists ? 'collisionSkipped' : swallowed ? 'collisionSwallowed' : 'collision';
      const howTo = DRIZZLE_SETTING[d.kind] ?? 'rename it in the schema';
      const laterDrop = `drizzle-kit writes a DROP of ${data.name} for the old name, which PostgreSQL truncates to ${data.truncated}: it drops ${holder.label}`;
      report({
        messageId,
        data: { ...data, other: holder.label, where: holder.where, error: holder.error, code: holder.code, condition: holder.condition },
        location,
        help:
          messageId === 'collision'
            ? `Give one of the two a name of at most 63 bytes: ${howTo}, e.g. ${quoteIdent(shorterName(name))}. This migration fails on every database, so none has applied it: regenerate it (or edit its SQL and snapshot to the short name). Do not fix it in a later migration: there ${laterDrop}.`
            : `Add it under a name of at most 63 bytes in a new migration: ${howTo}, e.g. ${quoteIdent(shorterName(name))}, and run \`drizzle-kit generate\`. Then delete from the new migration the statement where ${laterDrop}.`,
      });
    }
    for (const drop of dropped) {
      const token = spelling(drop.name);
      const intended = token ? intendedKind(token.name) : undefined;
      const holder = context.schema.tables.get(drop.table)?.constraints.get(drop.name);
      if (!token || !intended || !holder || holder.kind === intended) continue;
      const table = labelOf(drop.table);
      report({
        messageId: 'dropsOther',
        data: { name: quoteIdent(token.name), truncated: quoteIdent(drop.name), other: `${KIND_LABEL[holder.kind]} ${quoteIdent(holder.name)}`, intended: KIND_LABEL[intended], table, otherKind: KIND_LABEL[holder.kind] },
        location: locateIndex(statement, token.index, token.length),
        help: `Delete this DROP CONSTRAINT: no ${KIND_LABEL[intended]} ${quoteIdent(token.name)} exists (its ADD CONSTRAINT failed or was skipped because ${quoteIdent(drop.name)} was taken), and ${KIND_LABEL[holder.kind]} ${quoteIdent(holder.name)} must stay. Keep the statements that add the new name.`,
      });
    }
  },
});

/** Only a name of 60 bytes or more (in its truncated form) can have been cut. */
function mayBeCut(name: string): boolean {
  return name.length >= 15 && Buffer.byteLength(name, 'utf8') >= 60;
}

/**
 * The namespaces a name lives in: relations and types per schema, columns, constraints and policies
 * per table. A primary key, unique or exclusion constraint is in two: its table's constraints, and
 * the schema's relations (the index it owns has its name).
 */
function namespacesOf(d: Defined): string[] {
  switch (d.kind) {
    case 'column':
    case 'policy':
      return [`${d.kind}:${d.table}.${d.name}`];
    case 'constraint':
      return ownsIndex(d.constraint) ? [`relation:${d.schema}.${d.name}`, `constraint:${d.table}.${d.name}`] : [`constraint:${d.table}.${d.name}`];
    case 'type':
      return [`type:${d.schema}.${d.name}`];
    case 'schema':
      return [`schema:${d.name}`];
    default:
      return [`relation:${d.schema}.${d.name}`];
  }
}

function ownsIndex(constraint: Node | undefined): boolean {
  const contype = constraint?.contype;
  return contype === 'CONSTR_PRIMARY' || contype === 'CONSTR_UNIQUE' || contype === 'CONSTR_EXCLUSION';
}

function describe(d: Defined, fullName: string): string {
  const name = quoteIdent(fullName);
  if (d.kind === 'constraint') return `${KIND_LABEL[constraintKind(d.constraint)]} ${name} of ${labelOf(d.table ?? '')}`;
  if (d.kind === 'column' || d.kind === 'policy') return `${d.kind} ${name} of ${labelOf(d.table ?? '')}`;
  return `${d.kind} ${name}`;
}

function constraintKind(con: Node | undefined): Constraint['kind'] {
  return ({ CONSTR_PRIMARY: 'primaryKey', CONSTR_UNIQUE: 'unique', CONSTR_FOREIGN: 'foreignKey', CONSTR_EXCLUSION: 'exclusion' } as Record<string, Constraint['kind']>)[con?.contype] ?? 'check';
}

/** PostgreSQL's error when the name is taken in the statement's namespace. */
function errorOf(d: Defined, schema: Readonly<SchemaState>): Pick<Holder, 'error' | 'code' | 'condition'> {
  const table = d.table ? schema.tables.get(d.table)?.name ?? d.table.slice(d.table.indexOf('.') + 1) : '';
  const namespace = namespacesOf(d)[0];
  switch (namespace.slice(0, namespace.indexOf(':'))) {
    case 'relation':
      return { error: `relation "${d.name}" already exists`, code: '42P07', condition: 'duplicate_table' };
    case 'type':
      return { error: `type "${d.name}" already exists`, code: '42710', condition: 'duplicate_object' };
    case 'column':
      return { error: `column "${d.name}" of relation "${table}" already exists`, code: '42701', condition: 'duplicate_column' };
    case 'policy':
      return { error: `policy "${d.name}" for table "${table}" already exists`, code: '42710', condition: 'duplicate_object' };
    case 'schema':
      return { error: `schema "${d.name}" already exists`, code: '42P06', condition: 'duplicate_schema' };
    default:
      return { error: `constraint "${d.name}" for relation "${table}" already exists`, code: '42710', condition: 'duplicate_object' };
  }
}

/**
 * What holds the name before this statement, and whether it is the same object declared again:
 * the same full name where the current migration shows the earlier declaration, else the same
 * definition (a constraint's kind, columns and target; an index's table) or the same kind of object.
 */
function holderOf(d: Defined, fullName: string, context: StatementContext): (Holder & { where: string }) | undefined {
  const { schema } = context;
  const found = occupant(d, schema);
  if (!found) return undefined;
  const declared = declarationIn(context, d);
  const same = declared ? declared.full === fullName : found.same;
  const label = declared ? found.label.replace(quoteIdent(d.name), quoteIdent(declared.full)) : found.label;
  return { ...errorOf(d, schema), label, same, where: declared ? ` (line ${declared.statement.location.line})` : ' (created by an earlier migration)' };
}

/** The object that already has the truncated name in the namespace, with a guess at whether it is the one being declared. */
function occupant(d: Defined, schema: Readonly<SchemaState>): { label: string; same: boolean } | undefined {
  const k = key(d.schema, d.name);
  const name = quoteIdent(d.name);
  if (d.kind === 'column' || d.kind === 'policy') {
    const table = schema.tables.get(d.table ?? '');
    const has = d.kind === 'column' ? table?.columns.has(d.name) : table?.policies.has(d.name);
    return has ? { label: `${d.kind} ${name} of ${labelOf(d.table!)}`, same: true } : undefined;
  }
  if (d.kind === 'schema') return schema.schemas.has(d.name) ? { label: `schema ${name}`, same: true } : undefined;
  if (d.kind === 'type') {
    const enumType = schema.enums.get(k);
    if (enumType) return { label: `enum ${name}`, same: true };
    if (schema.types.has(k)) return { label: `type ${name}`, same: true };
    if (schema.tables.has(k) || schema.views.has(k)) return { label: `the row type of ${schema.tables.has(k) ? 'table' : 'view'} ${name}`, same: false };
    return undefined;
  }
  if (d.kind === 'constraint') {
    const other = schema.tables.get(d.table ?? '')?.constraints.get(d.name);
    if (other) return { label: `${KIND_LABEL[other.kind]} ${name} of ${labelOf(d.table!)}`, same: d.constraint !== undefined && modelSignature(other) === nodeSignature(d.constraint) };
    if (!ownsIndex(d.constraint)) return undefined;
  }
  const relation = relationNamed(schema, d.schema, d.name);
  if (!relation) return undefined;
  // The same kind of relation (an index: on the same table) is taken for the object declared again.
  return { label: relation.label, same: relation.kind === d.kind && (d.kind !== 'index' || relation.table === d.table) };
}

/** A relation (table, index, a constraint's index, sequence, view) of `schemaName` called `name`. */
function relationNamed(schema: Readonly<SchemaState>, schemaName: string, name: string): { kind: Kind | 'constraint-index'; label: string; table?: string } | undefined {
  const k = key(schemaName, name);
  const quoted = quoteIdent(name);
  if (schema.tables.has(k)) return { kind: 'table', label: `table ${quoted}` };
  const index = schema.indexes.get(k);
  if (index) return { kind: 'index', label: `index ${quoted} on ${labelOf(index.table)}`, table: index.table };
  if (schema.sequences.has(k)) return { kind: 'sequence', label: `sequence ${quoted}` };
  const view = schema.views.get(k);
  if (view) return { kind: 'view', label: `${view.materialized ? 'materialized view' : 'view'} ${quoted}` };
  if (schema.types.get(k)?.kind === 'composite') return { kind: 'type', label: `composite type ${quoted}` };
  for (const [tableKey, table] of schema.tables) {
    if (table.schema !== schemaName) continue;
    const c = table.constraints.get(name);
    if (c && (c.kind === 'primaryKey' || c.kind === 'unique' || c.kind === 'exclusion')) return { kind: 'constraint-index', label: `the index of ${KIND_LABEL[c.kind]} ${quoted} of ${labelOf(tableKey)}`, table: tableKey };
  }
  return undefined;
}

/** The statement earlier in this migration that declared the name in the same namespace, with its full spelling. */
function declarationIn(context: StatementContext, d: Defined): { statement: Statement; full: string } | undefined {
  const namespaces = namespacesOf(d);
  const statements = context.migration.statements;
  for (let i = Math.min(context.statement.index, statements.length) - 1; i >= 0; i--) {
    const s = statements[i];
    const match = definedNames(s.kind, s.ast).find((e) => e.name === d.name && namespacesOf(e).some((n) => namespaces.includes(n)));
    if (!match) continue;
    const full = longIdentifiers(s.sql).find((t) => truncateIdentifier(t.name) === d.name)?.name ?? d.name;
    return { statement: s, full };
  }
  return undefined;
}

/** The constraint kind a drizzle-kit default name stands for, by its suffix (`…_fk`, `…_pkey`). */
function intendedKind(name: string): Constraint['kind'] | undefined {
  const suffix = /_([a-z]+)$/i.exec(name)?.[1]?.toLowerCase();
  return suffix ? SUFFIX_KIND[suffix] : undefined;
}

/** `ALTER TABLE … DROP CONSTRAINT <long name>` sub-commands, by table. */
function droppedConstraints(statement: Statement): { table: string; name: string }[] {
  if (statement.kind !== 'AlterTableStmt') return [];
  const rel = statement.ast.relation;
  const out: { table: string; name: string }[] = [];
  for (const c of statement.ast.cmds ?? []) {
    const cmd = c.AlterTableCmd;
    if (cmd?.subtype === 'AT_DropConstraint' && typeof cmd.name === 'string' && Buffer.byteLength(cmd.name, 'utf8') >= 60) out.push({ table: key(rel?.schemaname, rel?.relname ?? ''), name: cmd.name });
  }
  return out;
}

/** Identifiers over 63 bytes in the SQL text (quoted, or bare and folded to lower case), outside strings and comments. */
function longIdentifiers(sql: string): { name: string; index: number; length: number }[] {
  const out: { name: string; index: number; length: number }[] = [];
  const re = /'(?:[^']|'')*'|--[^\n]*|\/\*[\s\S]*?\*\/|\$([A-Za-z_]*)\$[\s\S]*?\$\1\$|"((?:[^"]|"")*)"|([A-Za-z_\u0080-\uffff][\w$\u0080-\uffff]*)/g;
  for (let m = re.exec(sql); m; m = re.exec(sql)) {
    const name = m[2] !== undefined ? m[2].replaceAll('""', '"') : m[3] !== undefined ? m[3].toLowerCase() : undefined;
    if (name !== undefined && Buffer.byteLength(name, 'utf8') > 63) out.push({ name, index: m.index, length: m[0].length });
  }
  return out;
}

/** Names the statement creates (not names it only refers to: those are truncated the same way and still match). */
function definedNames(kind: string, ast: Node): Defined[] {
  const out: Defined[] = [];
  const relation = (rv: Node) => ({ schema: rv?.schemaname || DEFAULT_SCHEMA, table: key(rv?.schemaname, rv?.relname ?? '') });
  const qualified = (names: string[]) => ({ schema: names.length >= 2 ? names[names.length - 2] : DEFAULT_SCHEMA, name: names[names.length - 1] });
  // Only a name of 60 bytes or more (in its truncated form) can have been cut: the others are not
  // kept, and where it is defined is only worked out for those (every column of every table passes here).
  const add = (name: unknown, k: Kind, where: () => Omit<Defined, 'name' | 'kind' | 'checked'>, checked = true) => {
    if (typeof name === 'string' && mayBeCut(name)) out.push({ name, kind: k, ...where(), checked });
  };
  switch (kind) {
    case 'CreateStmt':
      add(ast.relation?.relname, 'table', () => ({ schema: relation(ast.relation).schema, ...(ast.if_not_exists ? { ifNotExists: true } : {}) }));
      break;
    case 'IndexStmt':
      add(ast.idxname, 'index', () => ({ ...relation(ast.relation), ...(ast.if_not_exists ? { ifNotExists: true } : {}) }));
      break;
    case 'CreateSeqStmt':
      add(ast.sequence?.relname, 'sequence', () => ({ schema: relation(ast.sequence).schema, ...(ast.if_not_exists ? { ifNotExists: true } : {}) }));
      break;
    case 'CreateEnumStmt':
    case 'CreateRangeStmt': {
      const q = qualified((ast.typeName ?? []).map(str));
      add(q.name, 'type', () => ({ schema: q.schema }));
      break;
    }
    case 'CompositeTypeStmt':
      add(ast.typevar?.relname, 'type', () => ({ schema: relation(ast.typevar).schema }));
      break;
    case 'CreateDomainStmt': {
      const q = qualified((ast.domainname ?? []).map(str));
      add(q.name, 'type', () => ({ schema: q.schema }));
      break;
    }
    case 'CreateSchemaStmt':
      add(ast.schemaname, 'schema', () => ({ schema: ast.schemaname ?? DEFAULT_SCHEMA, ...(ast.if_not_exists ? { ifNotExists: true } : {}) }));
      break;
    case 'ViewStmt':
      add(ast.view?.relname, 'view', () => ({ schema: relation(ast.view).schema }));
      break;
    case 'CreateTableAsStmt':
      add(ast.into?.rel?.relname, 'view', () => ({ schema: relation(ast.into?.rel).schema, ...(ast.if_not_exists ? { ifNotExists: true } : {}) }));
      break;
    case 'CreatePolicyStmt':
      add(ast.policy_name, 'policy', () => relation(ast.table));
      break;
    case 'RenameStmt': {
      const k: Kind =
        ast.renameType === 'OBJECT_COLUMN' ? 'column'
        : ast.renameType === 'OBJECT_TABCONSTRAINT' ? 'constraint'
        : ast.renameType === 'OBJECT_INDEX' ? 'index'
        : ast.renameType === 'OBJECT_TABLE' ? 'table'
        : ast.renameType === 'OBJECT_SEQUENCE' ? 'sequence'
        : ast.renameType === 'OBJECT_TYPE' ? 'type'
        : ast.renameType === 'OBJECT_SCHEMA' ? 'schema'
        : 'name';
      // Only the length of a new name is checked, not whether it is taken.
      add(ast.newname, k, () => relation(ast.relation), false);
      break;
    }
    default:
      break;
  }
  // Column definitions and constraints sit in a table's elements or an ALTER TABLE's sub-commands,
  // never inside expressions: visit those, not the whole tree (defaults and checks can be deep).
  const table = kind === 'CreateStmt' || kind === 'AlterTableStmt' ? relation(ast.relation) : undefined;
  const constraint = (c: Node | undefined) => {
    if (!c || !table) return;
    add(c.conname, 'constraint', () => ({ ...table, constraint: c }));
    for (const o of c.options ?? []) {
      const d = o.DefElem;
      if (d?.defname === 'sequence_name') {
        const q = qualified((d.arg?.List?.items ?? (Array.isArray(d.arg) ? d.arg : [])).map(str));
        add(q.name, 'sequence', () => ({ schema: q.schema === DEFAULT_SCHEMA ? table.schema : q.schema }));
      }
    }
  };
  const element = (node: Node | undefined, ifNotExists?: boolean) => {
    if (node?.ColumnDef && table) {
      add(node.ColumnDef.colname, 'column', () => ({ ...table, ...(ifNotExists ? { ifNotExists } : {}) }));
      for (const c of node.ColumnDef.constraints ?? []) constraint(c.Constraint);
    } else if (node?.Constraint) constraint(node.Constraint);
  };
  if (kind === 'CreateStmt') for (const e of ast.tableElts ?? []) element(e);
  if (kind === 'AlterTableStmt') for (const c of ast.cmds ?? []) element(c.AlterTableCmd?.def, c.AlterTableCmd?.missing_ok === true);
  return out;
}

/** A suggestion under 63 bytes: the kind suffix kept, the words shortened from the end (`organization_membership_…_fk` → `organization_membership_invi_inv_admi_…_fk`). */
function shorterName(name: string): string {
  const suffix = /_(fk|unique|pk|idx|index|check|key|pkey|fkey|seq)$/i.exec(name)?.[0] ?? '';
  const body = suffix ? name.slice(0, -suffix.length) : name;
  // Keep the first letters of each word of the body, up to the limit.
  const words = body.split('_').filter(Boolean);
  let candidate = words.join('_');
  for (let i = words.length - 1; Buffer.byteLength(candidate + suffix, 'utf8') > 63 && i >= 0; i--) {
    words[i] = words[i].slice(0, Math.max(1, Math.min(4, words[i].length)));
    candidate = words.join('_');
  }
  return truncateIdentifier(candidate + suffix);
}
