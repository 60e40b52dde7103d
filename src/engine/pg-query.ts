import { createRequire } from 'node:module';
import type { Node } from './ast.js';

/**
 * A thin binding to libpg-query's WASM build (PostgreSQL's own parser, `wasm/libpg-query.js`),
 * instead of the package's JavaScript wrapper. The wrapper copies strings in and out of the WASM
 * heap byte by byte in JavaScript; here the runtime's native UTF-8 encoder and decoder do it, and
 * the end of an output string is found with a native search. Measured on the corpus (4,200
 * statements) that marshalling was ~50 ms of a ~1.1 s run. The results are the wrapper's: the
 * same JSON parse trees, and the same errors (message, 0-based cursor position).
 */

/** The emscripten module's exports this binding uses (names as libpg-query 18 builds them). */
interface PgQueryModule {
  HEAPU8: Uint8Array;
  HEAPU32: Uint32Array;
  _malloc(size: number): number;
  _free(ptr: number): void;
  _wasm_parse_query_raw(query: number): number;
  _wasm_free_parse_result(result: number): void;
  _wasm_parse_plpgsql(query: number): number;
  _wasm_scan(query: number): number;
  _wasm_free_string(text: number): void;
}

export interface ParseResult {
  stmts?: { stmt: Node; stmt_location?: number; stmt_len?: number }[];
}

export interface ScanResult {
  tokens: { start: number; end: number; tokenName: string }[];
}

/** A syntax error, shaped like libpg-query's `SqlError` (callers read `sqlDetails`). */
export class SqlError extends Error {
  constructor(
    message: string,
    readonly sqlDetails: { message: string; cursorPosition: number; fileName?: string; functionName?: string; lineNumber?: number },
  ) {
    super(message);
    this.name = 'SqlError';
  }
}

let loading: Promise<PgQueryModule> | undefined;
let wasm: PgQueryModule | undefined;

/** Compile and instantiate the WASM module (once; the compile runs off the main thread). */
export function loadPgQuery(): Promise<void> {
  loading ??= (createRequire(import.meta.url)('libpg-query/wasm/libpg-query.js') as () => Promise<PgQueryModule>)().then((m) => (wasm = m));
  return loading.then(() => undefined);
}

export function pgQueryLoaded(): boolean {
  return wasm !== undefined;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function loaded(): PgQueryModule {
  if (!wasm) throw new Error('internal: loadParser() must be awaited before parsing');
  return wasm;
}

/** Copy `text` into the WASM heap as a NUL-terminated UTF-8 string. */
function stringIn(m: PgQueryModule, text: string): number {
  const size = Buffer.byteLength(text, 'utf8');
  const ptr = m._malloc(size + 1);
  // Read the heap after malloc: it may have grown (and replaced the view).
  const heap = m.HEAPU8;
  encoder.encodeInto(text, heap.subarray(ptr, ptr + size));
  heap[ptr + size] = 0;
  return ptr;
}

function stringOut(m: PgQueryModule, ptr: number): string {
  if (!ptr) return '';
  const heap = m.HEAPU8;
  const end = heap.indexOf(0, ptr);
  return decoder.decode(heap.subarray(ptr, end < 0 ? heap.length : end));
}

/** Parse SQL into libpg-query's JSON parse tree; a syntax error throws `SqlError`. */
export function parseSync(query: string): ParseResult {
  if (query === '') throw new Error('Query cannot be empty');
  const m = loaded();
  const queryPtr = stringIn(m, query);
  let result = 0;
  try {
    result = m._wasm_parse_query_raw(queryPtr);
    if (!result) throw new Error('Failed to parse query: memory allocation failed');
    // struct PgQueryParseResult { char *parse_tree; char *stderr_buffer; PgQueryError *error; }
    const words = m.HEAPU32;
    const tree = words[result >>> 2];
    const error = words[(result >>> 2) + 2];
    if (error) {
      // struct PgQueryError { char *message; char *funcname; char *filename; int lineno; int cursorpos; … }
      const e = error >>> 2;
      const message = words[e] ? stringOut(m, words[e]) : 'Unknown error';
      const funcname = words[e + 1] ? stringOut(m, words[e + 1]) : undefined;
      const filename = words[e + 2] ? stringOut(m, words[e + 2]) : undefined;
      const lineno = words[e + 3] | 0;
      const cursorpos = words[e + 4] | 0;
      throw new SqlError(message, {
        message,
        cursorPosition: cursorpos > 0 ? cursorpos - 1 : 0,
        ...(filename ? { fileName: filename } : {}),
        ...(funcname ? { functionName: funcname } : {}),
        ...(lineno > 0 ? { lineNumber: lineno } : {}),
      });
    }
    if (!tree) throw new Error('No parse tree generated');
    return JSON.parse(stringOut(m, tree)) as ParseResult;
  } finally {
    m._free(queryPtr);
    if (result) m._wasm_free_parse_result(result);
  }
}

/** Parse a PL/pgSQL function body (wrapped as a function) into its JSON tree. */
export function parsePlPgSQLSync(query: string): Node {
  const text = callForString(loaded(), (m, ptr) => m._wasm_parse_plpgsql(ptr), query);
  // Success is always a JSON object; anything else is an error message.
  if (!text.startsWith('{')) throw new Error(text);
  return JSON.parse(text) as Node;
}

/** PostgreSQL's scanner: the tokens of `query`, with byte offsets. */
export function scanSync(query: string): ScanResult {
  const text = callForString(loaded(), (m, ptr) => m._wasm_scan(ptr), query);
  if (text.startsWith('syntax error') || text.startsWith('deparse error') || text.startsWith('ERROR')) throw new Error(text);
  return JSON.parse(text) as ScanResult;
}

function callForString(m: PgQueryModule, call: (m: PgQueryModule, query: number) => number, query: string): string {
  const queryPtr = stringIn(m, query);
  let result = 0;
  try {
    result = call(m, queryPtr);
    return stringOut(m, result);
  } finally {
    m._free(queryPtr);
    if (result) m._wasm_free_string(result);
  }
}
