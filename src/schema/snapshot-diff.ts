import { compareSchemas, type SchemaDifference } from './compare.js';
import { cloneState, type SchemaState } from './model.js';
import { fromSnapshot } from './snapshot.js';
import { truncateIdentifier } from './replay.js';

/**
 * The model of a drizzle-kit 0.x PostgreSQL snapshot, or why it cannot be built (shared by
 * checkSnapshotAgreement and the snapshot-drift rule).
 */
export function snapshotState(snapshot: unknown): { state: SchemaState } | { reason: string } {
  const built = builtState(snapshot);
  // Each caller replays onto its own copy.
  return 'reason' in built ? built : { state: cloneState(built.state) };
}

/**
 * A pre-commit run builds the previous snapshot's schema twice (the context, and snapshot-drift's
 * base): it is built once per parsed snapshot, and callers that change it get a copy.
 */
const builtStates = new WeakMap<object, SchemaState>();

function builtState(snapshot: unknown): { state: Readonly<SchemaState> } | { reason: string } {
  const s = snapshot as { tables?: unknown; ddl?: unknown; version?: unknown } | undefined;
  if (!s || typeof s !== 'object' || !s.tables || Array.isArray(s.ddl)) return { reason: `unsupported snapshot format (version ${String(s?.version ?? '?')})` };
  let state = builtStates.get(s);
  if (!state) builtStates.set(s, (state = fromSnapshot(s)));
  return { state };
}

/** What differs between a replayed schema (left, `sql`) and a snapshot (right, `snapshot`). */
export function differencesFromSnapshot(state: SchemaState, snapshot: unknown): { differences: SchemaDifference[] } | { reason: string } {
  const built = builtState(snapshot);
  if ('reason' in built) return built;
  return { differences: compareSchemas(state, built.state, { left: 'sql', right: 'snapshot' }) };
}

/**
 * Whether a drizzle-kit 0.x snapshot records an object, named as compareSchemas names it
 * (`table public.users`, `column public.users.email`, `constraint public.users.users_email_unique`,
 * `index public.users_email_idx`, `enum public.role`, `policy public.users.p`, `schema auth`…),
 * read from the JSON without building the model: cheap enough to ask of several snapshots.
 */
export function snapshotHas(snapshot: unknown, object: string, name: string): boolean {
  const s = snapshot as Record<string, any> | undefined;
  if (!s || typeof s !== 'object' || !s.tables) return false;
  const parts = name.split('.');
  const tableKey = parts.slice(0, 2).join('.');
  const rest = parts.slice(2).join('.');
  // Keyed `schema.name` since snapshot version 6; older ones keyed tables by name alone.
  const tableOf = (key: string) => s.tables[key] ?? Object.values<any>(s.tables).find((t) => `${t?.schema || 'public'}.${t?.name}` === key);
  const table = tableOf(tableKey);
  switch (object) {
    case 'table':
      return tableOf(name) !== undefined;
    case 'column':
      return table?.columns?.[rest] !== undefined;
    case 'policy':
      return table?.policies?.[rest] !== undefined || Object.values<any>(s.policies ?? {}).some((p) => p?.name === rest && `${p.schema || 'public'}.${p.on}` === tableKey);
    case 'constraint': {
      if (!table) return false;
      const named = (map: Record<string, any> | undefined) => Object.entries(map ?? {}).some(([k, v]) => truncateIdentifier(typeof v === 'object' && v?.name ? v.name : k) === rest);
      if (named(table.foreignKeys) || named(table.compositePrimaryKeys) || named(table.uniqueConstraints) || named(table.checkConstraints)) return true;
      return Object.values<any>(table.columns ?? {}).some((c) => (c.primaryKey && truncateIdentifier(`${table.name}_pkey`) === rest) || (c.isUnique && truncateIdentifier(c.uniqueName ?? `${table.name}_${c.name}_unique`) === rest));
    }
    case 'index':
      return Object.values<any>(s.tables).some((t) => `${t.schema || 'public'}.` === `${parts[0]}.` && Object.values<any>(t.indexes ?? {}).some((i) => i?.name === parts.slice(1).join('.')));
    case 'enum':
      return s.enums?.[name] !== undefined;
    case 'schema':
      return Object.values<any>(s.schemas ?? {}).includes(name);
    case 'sequence':
      return s.sequences?.[name] !== undefined;
    case 'view':
      return s.views?.[name] !== undefined;
    default:
      return false;
  }
}

/**
 * snapshotHas read from the text of a snapshot as drizzle-kit writes it (JSON.stringify with two
 * spaces: tables at four, their columns, indexes and constraints at eight), without parsing it: a
 * string search costs a fraction of JSON.parse, so many snapshots can be asked. Undefined when the
 * text is not in that layout, or the answer needs the parsed snapshot (a column-level unique).
 */
export function snapshotTextHas(text: string, object: string, name: string, spans?: SnapshotSpans): boolean | undefined {
  if (!text.startsWith('{\n  "')) return undefined;
  const whole: Span = [0, text.length];
  // Finding where a block ends scans it (the tables of a large snapshot are megabytes): a caller
  // asking one text about many objects passes `spans`, and each block is looked for once.
  const block = spans ? (t: string, span: Span, indent: number, key: string) => {
    const k = `${span[0]} ${indent} ${key}`;
    if (spans.has(k)) return spans.get(k);
    const found = findBlock(t, span, indent, key);
    spans.set(k, found);
    return found;
  } : findBlock;
  const section = (key: string) => block(text, whole, 2, key);
  const parts = name.split('.');
  const tableKey = parts.slice(0, 2).join('.');
  const rest = parts.slice(2).join('.');
  const tables = section('tables');
  if (!tables) return undefined;
  const table = tables === 'empty' ? undefined : block(text, tables, 4, tableKey);
  const within = (span: Span | 'empty' | undefined, key: string) => (span && span !== 'empty' ? block(text, span, 6, key) : undefined);
  const entry = (span: Span | 'empty' | undefined, indent: number, key: string) => span !== undefined && span !== 'empty' && block(text, span, indent, key) !== undefined;
  switch (object) {
    case 'table':
      return table !== undefined;
    case 'column':
      return entry(within(table, 'columns'), 8, rest);
    case 'policy':
      return entry(within(table, 'policies'), 8, rest) || undefined; // table-less policies live elsewhere: parse
    case 'constraint': {
      if (!table) return false;
      for (const kind of ['foreignKeys', 'compositePrimaryKeys', 'uniqueConstraints', 'checkConstraints']) {
        const span = within(table, kind);
        if (span && span !== 'empty' && keysAt(text, span, 8).some((k) => truncateIdentifier(k) === rest)) return true;
      }
      const columns = within(table, 'columns');
      const columnsText = columns && columns !== 'empty' ? text.slice(columns[0], columns[1]) : '';
      if (columnsText.includes('"isUnique": true')) return undefined;
      return columnsText.includes('"primaryKey": true') && truncateIdentifier(`${parts[1]}_pkey`) === rest;
    }
    case 'index': {
      if (tables === 'empty') return false;
      // An index entry (eight spaces) whose section (six) is "indexes", in a table (four) of the schema.
      const open = `\n        ${JSON.stringify(parts.slice(1).join('.'))}: {`;
      for (let at = text.indexOf(open, tables[0]); at >= 0 && at < tables[1]; at = text.indexOf(open, at + 1)) {
        const section = text.lastIndexOf('\n      "', at);
        const owner = text.lastIndexOf('\n    "', at);
        if (!text.startsWith('\n      "indexes": {', section)) continue;
        const key = /^\n {4}("(?:[^"\\]|\\.)*")/.exec(text.slice(owner, owner + 300))?.[1];
        if (key && (JSON.parse(key) as string).split('.')[0] === parts[0]) return true;
      }
      return false;
    }
    case 'enum':
    case 'sequence':
    case 'view':
      return entry(section(object === 'enum' ? 'enums' : `${object}s`), 4, name);
    case 'schema': {
      const schemas = section('schemas');
      return schemas !== undefined && schemas !== 'empty' && text.slice(schemas[0], schemas[1]).includes(`\n    ${JSON.stringify(name)}: `);
    }
    default:
      return undefined;
  }
}

type Span = [number, number];

/** Blocks of one snapshot text already found (see snapshotTextHas), by where they were looked for. */
export type SnapshotSpans = Map<string, Span | 'empty' | undefined>;

/** The span of `"key": {…}` written at `indent` spaces inside `span`; 'empty' for `{}`. */
function findBlock(text: string, span: Span, indent: number, key: string): Span | 'empty' | undefined {
  const pad = ' '.repeat(indent);
  const open = `\n${pad}${JSON.stringify(key)}: {`;
  const start = text.indexOf(open, span[0]);
  if (start < 0 || start >= span[1]) return undefined;
  const body = start + open.length;
  if (text[body] === '}') return 'empty';
  const end = text.indexOf(`\n${pad}}`, body);
  return [body, end < 0 || end > span[1] ? span[1] : end];
}

/** The keys written at `indent` spaces inside a span (`"name": {`). */
function keysAt(text: string, span: Span, indent: number): string[] {
  const out: string[] = [];
  const re = new RegExp(`\\n {${indent}}("(?:[^"\\\\]|\\\\.)*"): \\{`, 'g');
  re.lastIndex = span[0];
  for (let m = re.exec(text); m && m.index < span[1]; m = re.exec(text)) out.push(JSON.parse(m[1]) as string);
  return out;
}
