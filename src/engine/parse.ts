import type { Node } from './ast.js';
import { loadPgQuery, ParserLimitError, parserFailures, parsePlPgSQLSync, parseSync, scanSync, type ParseResult } from './pg-query.js';
import { splitStatements } from './lex.js';
import { inner, nodeTag, walk } from './ast.js';
import { ByteOffsets, LineIndex, type Location } from './source.js';
import { splitChunks, type Chunk } from './split.js';
import type { MigrationInput, ParseFailure, ParsedMigration, Statement } from './types.js';

const BOM = '\ufeff';

export { parserFailures } from './pg-query.js';

/**
 * Load libpg-query's WASM module. It is the heaviest thing the linter loads (~60 ms), so it is
 * loaded on first use, never at start-up (`--help` and `--version` stay instant).
 */
export async function loadParser(): Promise<void> {
  await loadPgQuery();
}

/**
 * Parse one migration into statements with exact locations in the original text. `chunkByChunk`
 * skips the one-call parse of the whole file (tests compare the two).
 */
export function parseMigration(input: MigrationInput, options: { chunkByChunk?: boolean } = {}): ParsedMigration {
  const failuresBefore = parserFailures();
  const lines = new LineIndex(input.text);
  const statements: Statement[] = [];
  const parseFailures: ParseFailure[] = [];
  const chunks = splitChunks(input.text);
  if (input.text.startsWith(BOM)) {
    // drizzle's migrator sends the file text as read, BOM included, and PostgreSQL's scanner takes
    // the BOM's bytes as the start of an identifier: the first statement fails. Report that,
    // then lint the statement as if the BOM were not there.
    parseFailures.push({
      chunk: 0,
      message: 'the file starts with a UTF-8 byte order mark (BOM), which PostgreSQL reads as part of the first word (syntax error at or near "\uFEFF…"); save the file as UTF-8 without BOM',
      location: lines.locate({ start: 0, end: 1 }),
      at: lines.locate({ start: 0, end: 0 }),
      sql: input.text.slice(0, input.text.indexOf('\n') === -1 ? input.text.length : input.text.indexOf('\n')),
    });
    chunks[0] = { ...chunks[0], text: ' ' + chunks[0].text.slice(1) };
  }
  const invalidUtf8At = input.invalidUtf8At;
  if (invalidUtf8At !== undefined) {
    const at = lines.locate({ start: invalidUtf8At, end: invalidUtf8At + 1 });
    parseFailures.push({ kind: 'encoding', chunk: 0, message: 'invalid UTF-8', location: at, at, sql: lines.lineText(at.line) });
  }
  // A large file is parsed chunk by chunk: should one statement be too much for the parser, only its
  // chunk fails, once (a failed whole-file parse would be tried again chunk by chunk).
  const whole = options.chunkByChunk || chunks.length < 2 || input.text.startsWith(BOM) || input.text.length > WHOLE_FILE_PARSE ? undefined : parseWhole(input.text, chunks, lines);
  // Appended one by one: spreading an array into push() passes each element as an argument, and
  // 130,000 statements are more arguments than the stack holds.
  if (whole) for (const statement of whole) statements.push(statement);
  else for (const chunk of chunks) parseChunk(chunk, lines, statements, parseFailures);
  const parsed = parsedOf(input, statements, parseFailures, chunks.length, invalidUtf8At);
  // A parser instance failed meanwhile (see pg-query.ts): the parse is right, but nothing it made is kept between runs.
  if (parserFailures() !== failuresBefore) notCached.add(parsed);
  return parsed;
}

/** Parses made while a parser instance failed: never cached. */
const notCached = new WeakSet<ParsedMigration>();

/** Files longer than this (characters) are parsed chunk by chunk; drizzle-kit's are a few KB (the corpus's largest: 27 KB). */
const WHOLE_FILE_PARSE = 1024 * 1024;

/**
 * One parser call for the whole file, when it splits into chunks cleanly: every statement lies
 * inside one chunk (drizzle-kit ends each with `;` before the marker, which is a comment to
 * PostgreSQL). The result is the chunk-by-chunk parse's, for a fraction of the calls; anything
 * else (a syntax error, a statement running across a marker) is left to parseChunk.
 */
function parseWhole(text: string, chunks: readonly Chunk[], lines: LineIndex): Statement[] | undefined {
  const result = tryParse(text);
  if (!result) return undefined;
  const out: Statement[] = [];
  let c = 0;
  const inOneChunk = addParsed(result, { start: 0, text }, lines, out, (span) => {
    while (c < chunks.length && span.start >= chunks[c].end) c++;
    return c < chunks.length && span.start >= chunks[c].start && span.end <= chunks[c].end ? c : undefined;
  });
  return inOneChunk ? out : undefined;
}

interface Piece {
  /** Offset of the piece in the file. */
  start: number;
  text: string;
}

function parseChunk(chunk: Chunk, lines: LineIndex, out: Statement[], failures: ParseFailure[]): void {
  if (!hasCode(chunk.text)) return;
  let limit: ParserLimitError | undefined;
  try {
    addStatements({ start: chunk.start, text: chunk.text }, chunk.index, lines, out);
    return;
  } catch (error) {
    // One bad statement must not hide the others in the same chunk: split the chunk on
    // top-level semicolons (the scanner knows strings and dollar quotes) and parse each piece.
    if (error instanceof ParserLimitError) limit = error;
  }
  // Beyond the parser's limits: its scanner is no better off, so the semicolons are found here, and
  // a chunk that is one statement is reported without a second try.
  const pieces = (limit ? splitStatements(chunk.text).map((p) => ({ start: chunk.start + p.start, text: p.text })) : splitOnSemicolons(chunk)).filter((p) => hasCode(p.text));
  if (limit && pieces.length <= 1) {
    failures.push(toFailure(limit, pieces[0] ?? { start: chunk.start, text: chunk.text }, chunk.index, lines));
    return;
  }
  for (const piece of pieces) {
    try {
      addStatements(piece, chunk.index, lines, out);
    } catch (error) {
      failures.push(toFailure(error, piece, chunk.index, lines));
    }
  }
}

function addStatements(piece: Piece, chunkIndex: number, lines: LineIndex, out: Statement[]): void {
  addParsed(parseSync(piece.text), piece, lines, out, () => chunkIndex);
}

/**
 * The parser's statements of `piece` as Statements (with the DO blocks' inner ones), located in
 * the file. `chunkOf` says which chunk a statement's span is in; undefined stops (false).
 */
function addParsed(result: ParseResult, piece: Piece, lines: LineIndex, out: Statement[], chunkOf: (span: { start: number; end: number }) => number | undefined): boolean {
  const bytes = new ByteOffsets(piece.text);
  for (const raw of result.stmts ?? []) {
    const from = bytes.toIndex(raw.stmt_location ?? 0);
    const to = raw.stmt_len ? bytes.toIndex((raw.stmt_location ?? 0) + raw.stmt_len) : piece.text.length;
    const span = trimSpan(piece.text, from, to);
    const chunk = chunkOf(span);
    if (chunk === undefined) return false;
    const recipe: Recipe = { fileOffset: piece.start + span.start, piece: [piece.start, piece.start + piece.text.length], shift: span.start };
    const statement = makeStatement(raw.stmt, piece.text.slice(span.start, span.end), recipe, chunk, lines, out.length, offsetsIn(piece.text, span.start, bytes));
    out.push(statement);
    if (statement.kind === 'DoStmt') addDoBlockStatements(statement, chunk, lines, out);
  }
  return true;
}

/**
 * How a statement's offsets were made, kept so a parse can be cached and restored exactly
 * (`serializeParsed` / `restoreParsed`): its offset in the file, and the text its AST locations
 * count bytes in (a piece of the file, or a DO block's query) minus `shift` characters.
 */
interface Recipe {
  fileOffset: number;
  /** File range of the text the parser saw; absent for DO-block queries (their text is `sql`). */
  piece?: [number, number];
  shift: number;
}

// By the statement's syntax tree: serializeParsed reads it right after the parse, and the engine
// lets the tree (and so the recipe) go when it is done with the migration.
const recipes = new WeakMap<object, Recipe>();

function offsetsIn(text: string, shift: number, known?: ByteOffsets): (loc: number | undefined) => number {
  let bytes = known;
  return (loc) => (bytes ??= new ByteOffsets(text)).toIndex(Math.max(0, loc ?? 0)) - shift;
}

function makeStatement(
  node: Node,
  sql: string,
  recipe: Recipe,
  chunk: number,
  lines: LineIndex,
  index: number,
  offsetOf: (astLocation: number | undefined) => number,
): Statement {
  const fileOffset = recipe.fileOffset;
  const statement: Statement = {
    index,
    chunk,
    kind: nodeTag(node),
    ast: inner(node),
    sql,
    location: lines.locate({ start: fileOffset, end: fileOffset + sql.length }),
    origin: 'top-level',
    offsetOf,
    locate(astLocation, length) {
      const start = fileOffset + Math.min(Math.max(0, offsetOf(astLocation)), sql.length);
      return lines.locate({ start, end: Math.min(start + Math.max(0, length), fileOffset + sql.length) });
    },
  };
  recipes.set(statement.ast, recipe);
  return statement;
}

/** A parse as plain JSON data (no functions), for the result cache. */
export interface SerializedParse {
  statements: (Omit<Statement, 'offsetOf' | 'locate'> & { recipe: Recipe })[];
  parseFailures: ParseFailure[];
  chunkCount: number;
}

/**
 * The parse of `parsed` as JSON-safe data, or undefined when it cannot be restored exactly (a
 * file starting with a BOM is parsed from a modified text). Call before the engine runs: the
 * data shares the AST objects.
 */
export function serializeParsed(parsed: ParsedMigration): SerializedParse | undefined {
  if (parsed.text.startsWith(BOM) || notCached.has(parsed)) return undefined;
  const statements: SerializedParse['statements'] = [];
  for (const s of parsed.statements) {
    const recipe = recipes.get(s.ast);
    // JSON.stringify (the cache file) recurses into the tree: a deeply nested statement is parsed again instead.
    if (!recipe || deeperThan(s.ast, MAX_CACHED_DEPTH)) return undefined;
    const { offsetOf: _o, locate: _l, ...data } = s;
    void _o;
    void _l;
    statements.push({ ...data, recipe });
  }
  return { statements, parseFailures: parsed.parseFailures, chunkCount: parsed.chunkCount };
}

/** Parse trees deeper than this are not cached (JSON.stringify overflows the stack at ~7,000 levels). */
const MAX_CACHED_DEPTH = 1000;

/** Whether the tree has more than `limit` levels of objects and arrays (counted without recursion). */
function deeperThan(root: Node, limit: number): boolean {
  const stack: [Node, number][] = [[root, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (depth > limit) return true;
    for (const k in node) {
      const v = node[k];
      if (v && typeof v === 'object') stack.push([v, depth + 1]);
    }
  }
  return false;
}

/** Rebuild a parse from `serializeParsed` data and the same text: identical to `parseMigration(input)`. */
export function restoreParsed(input: MigrationInput, data: SerializedParse): ParsedMigration {
  const lines = new LineIndex(input.text);
  const statements = data.statements.map(({ recipe, ...s }) => {
    const text = recipe.piece ? input.text.slice(recipe.piece[0], recipe.piece[1]) : s.sql;
    const offsetOf = offsetsIn(text, recipe.shift);
    const fileOffset = recipe.fileOffset;
    const statement: Statement = {
      ...s,
      offsetOf,
      locate(astLocation, length) {
        const start = fileOffset + Math.min(Math.max(0, offsetOf(astLocation)), s.sql.length);
        return lines.locate({ start, end: Math.min(start + Math.max(0, length), fileOffset + s.sql.length) });
      },
    };
    recipes.set(statement.ast, recipe);
    return statement;
  });
  return parsedOf(input, statements, data.parseFailures, data.chunkCount, input.invalidUtf8At);
}

/**
 * Older drizzle-kit versions wrapped CREATE TYPE and ADD CONSTRAINT in
 * `DO $$ BEGIN … EXCEPTION WHEN duplicate_object THEN null; END $$;`. Parse the body with the
 * PL/pgSQL parser and surface each embedded SQL statement, located in the file.
 */
function addDoBlockStatements(doStatement: Statement, chunk: number, lines: LineIndex, out: Statement[]): void {
  const block = drizzleDoBlock(doStatement.sql) ?? plpgsqlBlock(doStatement.sql);
  if (!block) return; // not PL/pgSQL (LANGUAGE sql, plv8…): the DO itself is still a statement
  const { handles, queries } = block;
  let searchFrom = 0;
  for (const query of queries) {
    const at = doStatement.sql.indexOf(query, searchFrom);
    if (at >= 0) searchFrom = at + query.length;
    const result = tryParse(query);
    if (!result) continue; // PL/pgSQL-only syntax (SELECT … INTO var); nothing for the schema model
    const offsetOf = offsetsIn(query, 0);
    for (const raw of result.stmts ?? []) {
      const start = doStatement.location.start + (at >= 0 ? at : 0);
      const statement = makeStatement(raw.stmt, query, { fileOffset: start, shift: 0 }, chunk, lines, out.length, offsetOf);
      if (at < 0) statement.location = doStatement.location;
      statement.origin = 'do-block';
      statement.doBlock = { parent: doStatement.index, handles };
      out.push(statement);
    }
  }
}

interface DoBlock {
  /** Conditions its EXCEPTION clause handles (`duplicate_object`). */
  handles: string[];
  /** The SQL statements it runs, as PL/pgSQL sees them (no trailing semicolon). */
  queries: string[];
}

/**
 * The exact block older drizzle-kit versions wrote around one statement,
 * `DO $$ BEGIN <statement>; EXCEPTION WHEN <condition> THEN null; END $$;`, read without the
 * PL/pgSQL parser (a third of the parse time of such histories). Anything else (several
 * statements, other handlers, other code) goes to plpgsqlBlock. Checked on every DO block of the
 * corpus and fixtures: the same queries and handlers as the PL/pgSQL parser gives.
 */
const DRIZZLE_DO_BLOCK = /^DO\s+\$\$\s*BEGIN\s+([^;]*?);?\s*EXCEPTION\s+WHEN\s+([a-z_]+)\s+THEN\s+null\s*;\s*END\s*\$\$\s*;?\s*$/i;

export function drizzleDoBlock(sql: string): DoBlock | undefined {
  const m = DRIZZLE_DO_BLOCK.exec(sql);
  return m ? { handles: [m[2].toLowerCase()], queries: [m[1].trim()] } : undefined;
}

export function plpgsqlBlock(sql: string): DoBlock | undefined {
  let tree: Node;
  try {
    tree = parsePlPgSQLSync(sql);
  } catch {
    return undefined;
  }
  const handles: string[] = [];
  const queries: string[] = [];
  walk(tree, (tag, fields) => {
    if (tag === 'PLpgSQL_condition' && fields.condname) handles.push(fields.condname);
    if (tag === 'PLpgSQL_stmt_execsql') {
      const query = fields.sqlstmt?.PLpgSQL_expr?.query;
      if (typeof query === 'string') queries.push(query);
    }
  });
  return { handles, queries };
}

/** Skip leading/trailing whitespace and comments so a statement's range starts at its first keyword. */
function trimSpan(text: string, from: number, to: number): { start: number; end: number } {
  let start = from;
  for (;;) {
    while (start < to && /\s/.test(text[start])) start++;
    if (text.startsWith('--', start)) {
      const nl = text.indexOf('\n', start);
      start = nl === -1 || nl > to ? to : nl + 1;
      continue;
    }
    if (text.startsWith('/*', start)) {
      const close = text.indexOf('*/', start + 2);
      start = close === -1 || close + 2 > to ? to : close + 2;
      continue;
    }
    break;
  }
  let end = to;
  while (end > start && /\s/.test(text[end - 1])) end--;
  if (text[end] === ';') end++;
  return { start, end };
}

function splitOnSemicolons(chunk: Chunk): Piece[] {
  let tokens: { start: number; end: number; tokenName: string }[];
  try {
    tokens = scanSync(chunk.text).tokens;
  } catch {
    return [{ start: chunk.start, text: chunk.text }];
  }
  const bytes = new ByteOffsets(chunk.text);
  const pieces: Piece[] = [];
  let from = 0;
  for (const token of tokens) {
    if (token.tokenName !== 'ASCII_59') continue;
    const at = bytes.toIndex(token.end);
    pieces.push({ start: chunk.start + from, text: chunk.text.slice(from, at) });
    from = at;
  }
  if (from < chunk.text.length) pieces.push({ start: chunk.start + from, text: chunk.text.slice(from) });
  return pieces;
}

function toFailure(error: unknown, piece: Piece, chunk: number, lines: LineIndex): ParseFailure {
  if (error instanceof ParserLimitError) {
    // Not PostgreSQL's verdict: a limit of the parser as migration-lint runs it (see pg-query.ts).
    const span = trimSpan(piece.text, 0, piece.text.length);
    const location = lines.locate({ start: piece.start + span.start, end: piece.start + span.end });
    const sql = piece.text.slice(span.start, Math.min(span.end, span.start + SHOWN_OF_A_LARGE_STATEMENT));
    return { kind: error.limit === 'depth' ? 'tooDeep' : 'tooLarge', chunk, message: error.message, location, at: lines.locate({ start: location.start, end: location.start }), sql: sql.length < span.end - span.start ? `${sql}…` : sql };
  }
  const details = (error as { sqlDetails?: { message?: string; cursorPosition?: number } }).sqlDetails;
  const message = details?.message ?? (error as Error).message ?? String(error);
  const span = trimSpan(piece.text, 0, piece.text.length);
  const location: Location = lines.locate({ start: piece.start + span.start, end: piece.start + span.end });
  // The parser's cursor is a 0-based character offset into the parsed text.
  const cursor = Math.min(Math.max(details?.cursorPosition ?? span.start, 0), piece.text.length);
  const at = lines.locate({ start: piece.start + cursor, end: piece.start + cursor });
  return { chunk, message, location, at, sql: piece.text.slice(span.start, span.end) };
}

/** How much of a statement too large for the parser a finding quotes. */
const SHOWN_OF_A_LARGE_STATEMENT = 200;

/** True when the text holds more than whitespace and comments. */
function hasCode(text: string): boolean {
  const span = trimSpan(text, 0, text.length);
  return span.end > span.start && text.slice(span.start, span.end).replace(/;/g, '').trim().length > 0;
}

/** Parse a standalone SQL expression (a snapshot's default, check or index predicate). */
export function parseExpression(text: string): Node | undefined {
  return tryParse(`SELECT ${text}`)?.stmts?.[0]?.stmt?.SelectStmt?.targetList?.[0]?.ResTarget?.val;
}

/** Parse a query (a snapshot view's definition) into its statement node, e.g. `{ SelectStmt: … }`. */
export function parseQuery(text: string): Node | undefined {
  return tryParse(text)?.stmts?.[0]?.stmt;
}

/** Parse a type as drizzle writes it in snapshots (`varchar(255)`, `timestamp(3) with time zone`). */
export function parseTypeName(text: string): Node | undefined {
  return tryParse(`SELECT NULL::${text}`)?.stmts?.[0]?.stmt?.SelectStmt?.targetList?.[0]?.ResTarget?.val?.TypeCast?.typeName;
}

/** The parse of `sql`, or undefined when PostgreSQL rejects it. */
function tryParse(sql: string): ParseResult | undefined {
  try {
    return parseSync(sql);
  } catch {
    return undefined;
  }
}

/**
 * The input's fields and its parse, its text included when it is read on demand (a getter, which
 * a spread does not copy). Assigned one by one (object spreads cost ~5 µs a migration on long
 * histories); `invalidUtf8At` is the input's, asked for once by the caller (on a streamed input a
 * getter that looks at the text again).
 */
function parsedOf(input: MigrationInput, statements: Statement[], parseFailures: ParseFailure[], chunkCount: number, invalidUtf8At: number | undefined): ParsedMigration {
  const parsed: MigrationInput = { tag: input.tag, file: input.file, text: input.text };
  if (input.idx !== undefined) parsed.idx = input.idx;
  if (input.when !== undefined) parsed.when = input.when;
  if (invalidUtf8At !== undefined) parsed.invalidUtf8At = invalidUtf8At;
  const out = parsed as ParsedMigration;
  out.statements = statements;
  out.parseFailures = parseFailures;
  out.chunkCount = chunkCount;
  return out;
}
