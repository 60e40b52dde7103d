import { SKIP as NOT_INSIDE, someNode, type Node } from '../engine/ast.js';
import { defineRule } from '../engine/define-rule.js';
import type { Edit, FixRequest, FolderFacts, LintSettings, MigrationInfo, SchemaSourceFacts, Statement } from '../engine/types.js';
import type { HistoryFacts } from '../runner/history-facts.js';
import { DEFAULT_SCHEMA, key, qualifiedName, quoteIdent, type SchemaState } from '../schema/model.js';
import { typeFromAst } from '../schema/typename.js';
import { LineIndex } from '../engine/source.js';
import { textEdit } from '../engine/fixes.js';

/** Types that extensions bring, so `vector(1536)` is known once `CREATE EXTENSION vector` ran. */
const EXTENSION_TYPES: Record<string, string> = {
  vector: 'vector', halfvec: 'vector', sparsevec: 'vector',
  geometry: 'postgis', geography: 'postgis', box2d: 'postgis', box3d: 'postgis', raster: 'postgis_raster',
  citext: 'citext', hstore: 'hstore', ltree: 'ltree', lquery: 'ltree', ltxtquery: 'ltree', cube: 'cube', earth: 'earthdistance',
  isbn: 'isn', isbn13: 'isn', issn: 'isn', issn13: 'isn', ean13: 'isn', upc: 'isn', ismn: 'isn', ismn13: 'isn', seg: 'seg',
};
const KNOWN_EXTENSIONS = new Set(Object.values(EXTENSION_TYPES));

/** Schemas managed outside the migrations (platform schemas): objects there are not ours to check. */
const EXTERNAL_SCHEMAS = new Set(['pg_catalog', 'information_schema', 'auth', 'storage', 'extensions', 'realtime', 'graphql', 'graphql_public', 'vault', 'pgsodium', 'supabase_functions', 'cron', 'net', 'topology', 'tiger']);

/** Statements that name types without using them as column types (or define them). */
const SKIP = new Set(['DropStmt', 'CreateEnumStmt', 'AlterEnumStmt', 'CreateFunctionStmt', 'DoStmt', 'CommentStmt', 'GrantStmt', 'AlterOwnerStmt', 'AlterObjectSchemaStmt', 'RenameStmt', 'CreateCastStmt']);

interface TypeUse {
  node: Node;
  schema?: string;
  name: string;
}

export default defineRule({
  id: 'missing-create-type',
  meta: {
    description: 'A type or schema used before anything creates it (an unexported pgEnum or pgSchema): the deploy fails with "does not exist".',
    category: 'correctness',
    defaultSeverity: 'error',
    messages: {
      missingType:
        'Type {type} is used here but no earlier migration (nor this one) creates it: the deploy fails with `type "{name}" does not exist`. drizzle-kit writes exactly this when a pgEnum is not exported from the schema file.',
      missingExtension:
        'Type {type} comes from the {extension} extension, which no migration creates: the migration fails with `type "{name}" does not exist` on any database where {extension} is not already installed (fresh, CI and preview databases).',
      missingSchema:
        'Schema {schema} is used here but no migration creates it: the deploy fails with `schema "{name}" does not exist`. drizzle-kit writes exactly this when a pgSchema is not exported from the schema file.',
      snapshotMissingEnum:
        'The latest snapshot says {table}.{column} has enum type "{typeSchema}"."{type}", but that enum is not in the snapshot\'s enums: drizzle-kit saw the column but not the pgEnum (it is not exported), so no migration creates the type.',
    },
    help: {
      missingType: 'Export the pgEnum from a file matched by `schema` in drizzle.config (`export const … = pgEnum(…)`), then run `drizzle-kit generate` again: it adds the missing CREATE TYPE.',
      missingExtension: 'Add `CREATE EXTENSION IF NOT EXISTS {extension};` in a migration before this one (`drizzle-kit generate --custom`).',
      snapshotMissingEnum: 'Export the pgEnum "{type}" from a file matched by `schema` in drizzle.config, then run `drizzle-kit generate`: it writes the missing CREATE TYPE and fixes the snapshot.',
      missingSchema: 'Export the pgSchema (`export const {name} = pgSchema("{name}")`) from a file matched by `schema` in drizzle.config, then run `drizzle-kit generate` again: it adds CREATE SCHEMA.',
    },
  },
  checkHistory({ folder, report }) {
    const snapshot = folder.latestSnapshot;
    if (!snapshot) return;
    let data: { enums?: Record<string, unknown>; tables?: Record<string, { name: string; schema?: string; columns?: Record<string, { name: string; type: string; typeSchema?: string }> }> };
    try {
      data = (snapshot.data ? snapshot.data() : JSON.parse(snapshot.text)) as typeof data;
    } catch {
      return; // a malformed snapshot is the snapshot rules' finding, not this one's
    }
    if (!data) return;
    const enums = new Set(Object.keys(data.enums ?? {}));
    for (const [tableKey, table] of Object.entries(data.tables ?? {})) {
      for (const column of Object.values(table.columns ?? {})) {
        if (!column.typeSchema) continue;
        const type = column.type.replace(/(\[\])+$/, '');
        if (enums.has(`${column.typeSchema}.${type}`)) continue;
        report({
          messageId: 'snapshotMissingEnum',
          data: { table: qualifiedName(table.schema || DEFAULT_SCHEMA, table.name), column: quoteIdent(column.name), typeSchema: column.typeSchema, type },
          file: snapshot.file,
          line: lineOfColumn(snapshot.text, tableKey, column.name),
          migration: snapshot.migration,
        });
      }
    }
  },
  check({ statement, schema, settings, report, folder, migration, schemaSource }) {
    if (SKIP.has(statement.kind)) return;
    const createdSchema = schemaCreatedBy(statement);
    const { knownSchemas, knownTypes, extensions } = configured(settings);
    if (createdSchema && !schema.schemas.has(createdSchema.name) && !EXTERNAL_SCHEMAS.has(createdSchema.name) && !knownSchemas.has(createdSchema.name)) {
      report({
        messageId: 'missingSchema',
        data: { schema: quoteIdent(createdSchema.name), name: createdSchema.name },
        location: statement.locate(createdSchema.location, quoteIdent(createdSchema.name).length),
      });
    }
    const reported = new Set<string>();
    for (const use of typeUses(statement.ast)) {
      const k = `${use.schema ?? ''}.${use.name}`;
      if (reported.has(k) || typeExists(schema, use)) continue;
      if (knownTypes.has(use.name) || (use.schema && knownTypes.has(`${use.schema}.${use.name}`))) continue;
      if (use.schema && (EXTERNAL_SCHEMAS.has(use.schema) || knownSchemas.has(use.schema))) continue;
      const extension = use.schema === undefined || use.schema === DEFAULT_SCHEMA ? EXTENSION_TYPES[use.name] : undefined;
      if (extension && (schema.extensions.has(extension) || extensions.has(extension))) continue;
      // An extension we know nothing about may define the type: stay silent rather than guess.
      if (!extension && [...schema.extensions, ...extensions].some((e) => !KNOWN_EXTENSIONS.has(e))) continue;
      reported.add(k);
      const type = use.schema ? qualifiedName(use.schema, use.name) : quoteIdent(use.name);
      const location = typeLocation(statement, use);
      if (extension) report({ messageId: 'missingExtension', data: { type, name: use.name, extension }, location });
      else report({ messageId: 'missingType', data: { type, name: use.name }, location, ...createTypeFix(statement, use, schemaSource, folder, migration) });
    }
  },
});

/**
 * The CREATE TYPE drizzle-kit would have written had the pgEnum been exported: before the statement
 * that first uses it, with the values read from the schema source, and the enum added to this
 * migration's snapshot and every later one (the SQL then still produces its snapshot). Only for a
 * journal folder whose snapshots are drizzle-kit's own JSON (two-space indent), and a pgEnum whose
 * values are string literals.
 */
function createTypeFix(statement: Statement, use: TypeUse, source: SchemaSourceFacts | undefined, folder: FolderFacts, migration: MigrationInfo): { fix?: FixRequest } {
  const typeSchema = use.schema ?? DEFAULT_SCHEMA;
  const declaration = source?.declarations.find((d) => d.kind === 'pgEnum' && d.sqlName === use.name && (d.schema ?? DEFAULT_SCHEMA) === typeSchema && d.values);
  const facts = folder.integrity as HistoryFacts | undefined;
  if (!declaration?.values || !facts || facts.layout !== 'journal' || statement.origin !== 'top-level') return {};
  const prefix = migration.tag.split('_')[0];
  const snapshots = facts.snapshots.filter((s) => s.prefix >= prefix);
  if (!snapshots.some((s) => s.prefix === prefix)) return {};
  const enumKey = `${typeSchema}.${use.name}`;
  const edits: Edit[] = [];
  for (const header of snapshots) {
    const text = facts.readSnapshotText(header.path);
    let data: { enums?: Record<string, unknown> };
    try {
      data = JSON.parse(text ?? '');
    } catch {
      return {};
    }
    if (text === undefined || JSON.stringify(data, null, 2) !== text.replace(/\r\n/g, '\n') || typeof data.enums !== 'object' || data.enums === null) return {};
    // A later migration creates it (drizzle-kit once the pgEnum was exported): a CREATE TYPE here would make that one fail.
    if (enumKey in data.enums) return {};
    data.enums[enumKey] = { name: use.name, schema: typeSchema, values: declaration.values };
    edits.push(smallestEdit(header.file, text, JSON.stringify(data, null, 2)));
  }
  const values = declaration.values.map((v) => `'${v.replaceAll("'", "''")}'`).join(', ');
  return {
    fix: {
      description: `Create ${qualifiedName(typeSchema, use.name)} (the pgEnum ${declaration.variable} in ${declaration.file}) before its first use, and add it to the snapshots`,
      edits: [{ before: statement, insert: [`CREATE TYPE ${quoteIdent(typeSchema)}.${quoteIdent(use.name)} AS ENUM(${values})`] }, ...edits],
    },
  };
}

/** One edit turning `text` into `next`: the part between what they share at the start and at the end. */
function smallestEdit(file: string, text: string, next: string): Edit {
  const crlf = text.includes('\r\n');
  const target = crlf ? next.replace(/\n/g, '\r\n') : next;
  let start = 0;
  while (start < text.length && start < target.length && text[start] === target[start]) start++;
  let end = 0;
  while (end < text.length - start && end < target.length - start && text[text.length - 1 - end] === target[target.length - 1 - end]) end++;
  return textEdit(file, text, start, text.length - end, target.slice(start, target.length - end).replace(/\r\n/g, '\n'));
}

/** 1-based line of the column's entry in the snapshot JSON (drizzle-kit writes it pretty-printed). */
function lineOfColumn(text: string, tableKey: string, column: string): number {
  const tableAt = text.indexOf(JSON.stringify(tableKey));
  const columnAt = tableAt < 0 ? -1 : text.indexOf(`"name": ${JSON.stringify(column)}`, tableAt);
  const at = columnAt < 0 ? Math.max(tableAt, 0) : columnAt;
  return new LineIndex(text).position(at).line;
}

const configuredSets = new WeakMap<LintSettings, { knownSchemas: Set<string>; knownTypes: Set<string>; extensions: Set<string> }>();

/** The config's known schemas, types and extensions as sets, built once per run (not per statement). */
function configured(settings: LintSettings) {
  let sets = configuredSets.get(settings);
  if (!sets) {
    sets = { knownSchemas: new Set(settings.schemas ?? []), knownTypes: new Set(settings.knownTypes ?? []), extensions: new Set(settings.extensions ?? []) };
    configuredSets.set(settings, sets);
  }
  return sets;
}

function typeExists(state: SchemaState, use: TypeUse): boolean {
  if (use.schema) return state.enums.has(key(use.schema, use.name)) || state.types.has(key(use.schema, use.name));
  // Unqualified: PostgreSQL looks in search_path (public by default); accept any schema to stay conservative.
  if (state.enums.has(key(DEFAULT_SCHEMA, use.name)) || state.types.has(key(DEFAULT_SCHEMA, use.name))) return true;
  for (const e of state.enums.values()) if (e.name === use.name) return true;
  for (const t of state.types.values()) if (t.name === use.name) return true;
  return false;
}

/** Every non-built-in type the statement uses: column types, SET DATA TYPE, casts in defaults and expressions. */
function typeUses(ast: Node): TypeUse[] {
  const out: TypeUse[] = [];
  // Without recursion: sub-selects nest without bound (see ast.ts).
  someNode(ast, (v, k) => {
    if (k !== 'typeName' || Array.isArray(v) || !Array.isArray(v.names)) return undefined;
    const ref = typeFromAst(v);
    if (!ref.builtin && !v.pct_type) out.push({ node: v, schema: ref.schema, name: ref.name });
    return NOT_INSIDE;
  });
  return out;
}

/** Point at the type name itself, not the whole statement. */
function typeLocation(statement: Statement, use: TypeUse) {
  const text = use.schema ? `${quoteIdent(use.schema)}.${quoteIdent(use.name)}` : quoteIdent(use.name);
  const at = statement.offsetOf(use.node.location);
  const written = statement.sql.slice(at, at + text.length);
  return statement.locate(use.node.location, written.toLowerCase() === text.toLowerCase() ? text.length : use.name.length);
}

/** The schema a CREATE puts its object in, when the statement names one. */
function schemaCreatedBy(statement: Statement): { name: string; location?: number } | undefined {
  const a = statement.ast;
  const rangeVar = statement.kind === 'CreateStmt' ? a.relation : statement.kind === 'CreateSeqStmt' ? a.sequence : statement.kind === 'ViewStmt' ? a.view : statement.kind === 'CreateTableAsStmt' ? a.into?.rel : undefined;
  if (rangeVar?.schemaname) return { name: rangeVar.schemaname, location: rangeVar.location };
  return undefined;
}
