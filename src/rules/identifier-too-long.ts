import { locateIndex } from '../analysis/alter-table.js';
import { defineRule } from '../engine/define-rule.js';
import type { Node } from '../engine/ast.js';
import { str } from '../engine/ast.js';
import { quoteIdent } from '../schema/model.js';
import { truncateIdentifier } from '../schema/replay.js';

type Kind = 'constraint' | 'index' | 'table' | 'column' | 'sequence' | 'type' | 'schema' | 'view' | 'policy' | 'name';

const DRIZZLE_SETTING: Partial<Record<Kind, string>> = {
  constraint: 'name it in the schema (`foreignKey({ name: "…", columns: […], foreignColumns: […] })`, `unique("…")`, `primaryKey({ name: "…", columns: […] })`, `check("…", …)`)',
  index: 'name it in the schema (`index("…")`, `uniqueIndex("…")`)',
  sequence: 'name it in the schema (`generatedAlwaysAsIdentity({ name: "…" })` or `pgSequence("…")`)',
};

export default defineRule({
  id: 'identifier-too-long',
  meta: {
    description: 'An identifier longer than 63 bytes: PostgreSQL silently truncates it, so the full name in drizzle-kit\'s snapshot never matches the database and `push` drops and re-adds the constraint on every run.',
    category: 'correctness',
    defaultSeverity: 'error',
    messages: {
      constraintTooLong:
        'The {kind} name {name} is {bytes} bytes: PostgreSQL keeps only the first 63 ({truncated}) and says so with a NOTICE only. drizzle-kit keeps the full name in its snapshot, so it never matches the database again: `drizzle-kit push` drops the truncated {kind} and adds it back on every run (drizzle-orm#3280, #4645), and another name with the same first 63 bytes fails with "already exists".',
      nameTooLong:
        'The {kind} name {name} is {bytes} bytes: PostgreSQL keeps only the first 63 ({truncated}) and says so with a NOTICE only. drizzle-kit keeps the full name in its snapshot, so `drizzle-kit push` and `pull` see a {kind} that is not in the database, and another name with the same first 63 bytes fails with "already exists".',
    },
  },
  check({ statement, report }) {
    // PostgreSQL's parser has already truncated the names in the AST, to 63 bytes or a few less (it
    // keeps multi-byte characters whole): only a defined name that long can have been cut. Then
    // find the long spelling in the text (the tokenizer runs for those statements alone).
    const cut = definedNames(statement.kind, statement.ast).filter((d) => d.name.length >= 15 && Buffer.byteLength(d.name, 'utf8') >= 60);
    if (cut.length === 0) return;
    const long = longIdentifiers(statement.sql);
    if (long.length === 0) return;
    const seen = new Set<string>();
    for (const { name: truncatedName, kind } of cut) {
      // Several long names can share their first 63 bytes (a collision): take the next unused one.
      const token = long.find((t) => truncateIdentifier(t.name) === truncatedName && !seen.has(t.name));
      if (!token) continue;
      seen.add(token.name);
      const name = token.name;
      const truncated = truncateIdentifier(name);
      const short = shorterName(name);
      const howTo = DRIZZLE_SETTING[kind] ?? `rename it in the schema`;
      report({
        messageId: kind === 'constraint' || kind === 'index' ? 'constraintTooLong' : 'nameTooLong',
        data: { kind, name: quoteIdent(name), bytes: Buffer.byteLength(name, 'utf8'), truncated: quoteIdent(truncated) },
        location: locateIndex(statement, token.index, token.length),
        help: `Give it a name of at most 63 bytes: ${howTo}, e.g. ${quoteIdent(short)}, then run \`drizzle-kit generate\` again.`,
      });
    }
  },
});

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
function definedNames(kind: string, ast: Node): { name: string; kind: Kind }[] {
  const out: { name: string; kind: Kind }[] = [];
  const add = (name: unknown, k: Kind) => {
    if (typeof name === 'string' && name) out.push({ name, kind: k });
  };
  switch (kind) {
    case 'CreateStmt':
      add(ast.relation?.relname, 'table');
      break;
    case 'IndexStmt':
      add(ast.idxname, 'index');
      break;
    case 'CreateSeqStmt':
      add(ast.sequence?.relname, 'sequence');
      break;
    case 'CreateEnumStmt':
    case 'CreateRangeStmt': {
      const names = (ast.typeName ?? []).map(str);
      add(names[names.length - 1], 'type');
      break;
    }
    case 'CompositeTypeStmt':
      add(ast.typevar?.relname, 'type');
      break;
    case 'CreateDomainStmt': {
      const names = (ast.domainname ?? []).map(str);
      add(names[names.length - 1], 'type');
      break;
    }
    case 'CreateSchemaStmt':
      add(ast.schemaname, 'schema');
      break;
    case 'ViewStmt':
      add(ast.view?.relname, 'view');
      break;
    case 'CreateTableAsStmt':
      add(ast.into?.rel?.relname, 'view');
      break;
    case 'CreatePolicyStmt':
      add(ast.policy_name, 'policy');
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
      add(ast.newname, k);
      break;
    }
    default:
      break;
  }
  // Column definitions and constraints sit in a table's elements or an ALTER TABLE's sub-commands,
  // never inside expressions: visit those, not the whole tree (defaults and checks can be deep).
  const constraint = (c: Node | undefined) => {
    if (!c) return;
    add(c.conname, 'constraint');
    for (const o of c.options ?? []) {
      const d = o.DefElem;
      if (d?.defname === 'sequence_name') {
        const names = (d.arg?.List?.items ?? (Array.isArray(d.arg) ? d.arg : [])).map(str);
        add(names[names.length - 1], 'sequence');
      }
    }
  };
  const element = (node: Node | undefined) => {
    if (node?.ColumnDef) {
      add(node.ColumnDef.colname, 'column');
      for (const c of node.ColumnDef.constraints ?? []) constraint(c.Constraint);
    } else if (node?.Constraint) constraint(node.Constraint);
  };
  if (kind === 'CreateStmt') for (const e of ast.tableElts ?? []) element(e);
  if (kind === 'AlterTableStmt') for (const c of ast.cmds ?? []) element(c.AlterTableCmd?.def);
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
