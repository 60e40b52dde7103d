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
export function snapshotTextHas(source: string | SearchableText, object: string, name: string, spans?: SnapshotSpans): boolean | undefined {
  const text = typeof source === 'string' ? stringText(source) : source;
  if (!text.startsWith('{\n  "', 0)) return undefined;
  const whole: Span = [0, text.length];
  // Finding a block scans the text before it and the block itself (the tables of a large snapshot
  // are megabytes): a caller asking one text about many objects passes `spans`, and each block's
  // entries are found in one scan of it, then looked up.
  const block = spans ? (t: SearchableText, span: Span, indent: number, key: string) => {
    const k = `${span[0]} ${indent}`;
    let index = spans.get(k);
    if (index === undefined) spans.set(k, (index = blockIndex(t, span, indent) ?? null));
    return index === null ? findBlock(t, span, indent, key) : index.get(key);
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
        const key = /^\n {4}("(?:[^"\\]|\\.)*")/.exec(text.slice(owner, Math.min(owner + 300, text.length)))?.[1];
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

/**
 * What snapshotTextHas found in one snapshot text: the entries of each block it looked into, by
 * the block's start and indent (null where a key could not be read: that block is searched per key).
 */
export type SnapshotSpans = Map<string, ReadonlyMap<string, Span | 'empty'> | null>;

/** The span of `"key": {…}` written at `indent` spaces inside `span`; 'empty' for `{}`. */
function findBlock(text: SearchableText, span: Span, indent: number, key: string): Span | 'empty' | undefined {
  const pad = ' '.repeat(indent);
  const open = `\n${pad}${JSON.stringify(key)}: {`;
  const start = text.indexOf(open, span[0]);
  if (start < 0 || start >= span[1]) return undefined;
  const body = start + text.lengthOf(open);
  if (text.startsWith('}', body)) return 'empty';
  const end = text.indexOf(`\n${pad}}`, body);
  return [body, end < 0 || end > span[1] ? span[1] : end];
}

/**
 * Every `"key": {…}` written at `indent` spaces inside `span`, in one scan, as findBlock finds each
 * (the first of a key, 'empty' for `{}`); undefined when a key is not plain JSON text.
 */
function blockIndex(text: SearchableText, span: Span, indent: number): Map<string, Span | 'empty'> | undefined {
  const out = new Map<string, Span | 'empty'>();
  const line = `\n${' '.repeat(indent)}"`;
  const closing = `\n${' '.repeat(indent)}}`;
  for (let at = text.indexOf(line, span[0]); at >= 0 && at < span[1]; at = text.indexOf(line, at + 1)) {
    // A newline and spaces are one byte each: the same offset in bytes and in a string.
    const quote = at + 1 + indent;
    const close = text.indexOf('": ', quote + 1);
    if (close < 0 || close >= span[1]) break;
    let key: string;
    try {
      key = JSON.parse(text.slice(quote, close + 1)) as string;
    } catch {
      return undefined; // a key with `": ` inside it
    }
    if (!text.startsWith('": {', close)) continue;
    const body = close + 4;
    if (text.startsWith('}', body)) {
      if (!out.has(key)) out.set(key, 'empty');
      continue;
    }
    const end = text.indexOf(closing, body);
    const block: Span = [body, end < 0 || end > span[1] ? span[1] : end];
    if (!out.has(key)) out.set(key, block);
    at = block[1] - 1;
  }
  return out;
}

/** The keys written at `indent` spaces inside a span (`"name": {`). */
function keysAt(text: SearchableText, span: Span, indent: number): string[] {
  const out: string[] = [];
  const re = new RegExp(`\\n {${indent}}("(?:[^"\\\\]|\\\\.)*"): \\{`, 'g');
  // A constraint section of one table: small, read as a string.
  const within = text.slice(span[0], span[1]);
  for (let m = re.exec(within); m; m = re.exec(within)) out.push(JSON.parse(m[1]) as string);
  return out;
}

/**
 * What snapshotTextHas needs of a text: a string (a staged snapshot's), or a file's UTF-8 bytes
 * (`utf8Text`), searched without decoding them. Decoding a snapshot into a string costs more than
 * reading it (a bisection reads megabytes of them); offsets are in the text's own units.
 */
export interface SearchableText {
  readonly length: number;
  /** How long `search` is in the text's units (UTF-16 code units, or bytes). */
  lengthOf(search: string): number;
  indexOf(search: string, from: number): number;
  lastIndexOf(search: string, from: number): number;
  startsWith(search: string, at: number): boolean;
  /** The text between two offsets that fall between characters (JSON punctuation), as a string. */
  slice(start: number, end: number): string;
}

/** A string as a SearchableText. */
function stringText(text: string): SearchableText {
  return {
    length: text.length,
    lengthOf: (search) => search.length,
    indexOf: (search, from) => text.indexOf(search, from),
    lastIndexOf: (search, from) => text.lastIndexOf(search, from),
    startsWith: (search, at) => text.startsWith(search, at),
    slice: (start, end) => text.slice(start, end),
  };
}

/** A file's UTF-8 bytes as a SearchableText (byte offsets; the searches are Buffer's native ones). */
export function utf8Text(bytes: Buffer): SearchableText {
  return {
    length: bytes.length,
    lengthOf: (search) => Buffer.byteLength(search, 'utf8'),
    indexOf: (search, from) => bytes.indexOf(search, from, 'utf8'),
    lastIndexOf: (search, from) => bytes.lastIndexOf(search, from, 'utf8'),
    startsWith: (search, at) => {
      const length = Buffer.byteLength(search, 'utf8');
      return at >= 0 && at + length <= bytes.length && bytes.toString('utf8', at, at + length) === search;
    },
    slice: (start, end) => bytes.toString('utf8', start, end),
  };
}
