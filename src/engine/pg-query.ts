import { createRequire } from 'node:module';
import type { Node } from './ast.js';
import { builtin } from '../runtime.js';

/**
 * A thin binding to libpg-query's WASM build (PostgreSQL's own parser, `wasm/libpg-query.js`),
 * instead of the package's JavaScript wrapper. The wrapper copies strings in and out of the WASM
 * heap byte by byte in JavaScript; here the runtime's native UTF-8 encoder and decoder do it, and
 * the end of an output string is found with a native search. Measured on the corpus (4,200
 * statements) that marshalling was ~50 ms of a ~1.1 s run. The results are the wrapper's: the
 * same JSON parse trees, and the same errors (message, 0-based cursor position).
 *
 * The parser runs in one WebAssembly instance with at most 1 GB of memory and the JavaScript
 * stack. A statement too large for that memory makes PostgreSQL end "the process" (FATAL: the
 * instance prints "Terminating process due to FATAL error" and dumps its memory contexts), and one
 * nested too deeply for that stack overflows it; either way the instance is not to be trusted
 * after (its memory is spent, its stack pointer left where the overflow was, and every later
 * statement came back as "table index is out of bounds"). So: the instance's own output never
 * reaches our stdout or stderr, a call that fails like that throws `ParserLimitError` (the
 * statement is then reported as too large or too deep for the parser, a limit of migration-lint,
 * not of PostgreSQL), and the instance is dropped. The run goes on, synchronously, with a fresh
 * instance in a worker thread (see WorkerParser), until `loadPgQuery()` makes a fresh one here.
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

/**
 * A statement migration-lint's parser cannot take: `size`, larger than it is given at all;
 * `memory`, the parser ran out of its memory on it; `depth`, nested deeper than its stack allows.
 * Limits of the parser as migration-lint runs it, not of PostgreSQL.
 */
export class ParserLimitError extends Error {
  constructor(
    readonly limit: 'size' | 'memory' | 'depth',
    /** UTF-8 bytes of the text. */
    readonly bytes: number,
  ) {
    super(limit === 'depth' ? 'nested too deeply for the parser' : `too large for the parser: ${megabytes(bytes)}`);
    this.name = 'ParserLimitError';
  }
}

/**
 * Statements larger than this are not given to the parser: its memory (1 GB) holds the parse tree
 * and its JSON text, 40–90 bytes for each byte of dense SQL (`VALUES (1), (2), …`): a 16 MB
 * statement of that kind takes ~700 MB in it and ~650 MB of JavaScript heap for the tree; ~40 MB
 * ends the instance. Real migrations are far below (the largest statement in the corpus is 27 KB).
 */
export const MAX_PARSED_BYTES = 16 * 1024 * 1024;

export function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

type Op = 'parse' | 'plpgsql' | 'scan';

/** What the instance answered: its JSON text, or PostgreSQL's error. */
type Answer = { text: string } | { error: SqlError['sqlDetails'] };

interface Instance {
  module: PgQueryModule;
  /** Set when the instance printed PostgreSQL's FATAL line during the current call. */
  fatal: boolean;
}

const GLUE = 'libpg-query/wasm/libpg-query.js';

let loading: Promise<void> | undefined;
/** Whether loadPgQuery() was ever awaited (after an instance failed, `here` is unset until it is again). */
let loaded = false;
let here: Instance | undefined;
let worker: WorkerParser | undefined;
/** Instances dropped so far (a parse made while one failed must not be cached: see parserFailures). */
let failures = 0;

/** Compile and instantiate the WASM module (once, and again after an instance failed; the compile runs off the main thread). */
export function loadPgQuery(): Promise<void> {
  loading ??= createInstance().then((instance) => {
    here = instance;
    loaded = true;
    // A fresh instance here: the stand-in thread is no longer needed.
    worker?.close();
    worker = undefined;
  });
  return loading;
}

async function createInstance(): Promise<Instance> {
  const factory = createRequire(import.meta.url)(GLUE) as (options: object) => Promise<PgQueryModule>;
  const instance = { fatal: false } as Instance;
  // PostgreSQL's messages (a FATAL error, a dump of its memory contexts) are the instance's own: never ours to print.
  instance.module = await factory({ print: (text: string) => (instance.fatal ||= isFatal(text)), printErr: () => undefined });
  return instance;
}

/** How many parser instances failed so far in this process: results made while the count changed are not to be cached. */
export function parserFailures(): number {
  return failures;
}

const codec = { encoder: new TextEncoder(), decoder: new TextDecoder() };

/** One call, on this thread's instance or (after it failed) on the stand-in thread's. */
function call(op: Op, query: string): Answer {
  const bytes = Buffer.byteLength(query, 'utf8');
  if (bytes > MAX_PARSED_BYTES) throw new ParserLimitError('size', bytes);
  const instance = here;
  if (!instance) {
    if (!loaded) throw new Error('internal: loadParser() must be awaited before parsing');
    worker ??= new WorkerParser();
    const reply = worker.call(op, query, bytes);
    if ('failed' in reply) {
      failures++;
      worker.close();
      worker = undefined;
      throw new ParserLimitError(reply.failed, bytes);
    }
    return reply.answer;
  }
  const exitCode = process.exitCode;
  instance.fatal = false;
  let answer: Answer | undefined;
  let failed: 'memory' | 'depth' | undefined;
  try {
    answer = wasmCall(instance.module, op, query, bytes, codec);
    failed = failureOf(answer, instance.fatal);
  } catch (error) {
    failed = limitOf(error);
  }
  if (failed === undefined) return answer!;
  // Dropped: the next call goes to a fresh instance, and the next loadPgQuery() makes one here.
  failures++;
  here = undefined;
  loading = undefined;
  // emscripten's exit() sets the process's exit code when PostgreSQL ends "the process".
  process.exitCode = exitCode;
  throw new ParserLimitError(failed, bytes);
}

/** Parse SQL into libpg-query's JSON parse tree; a syntax error throws `SqlError`, a statement the parser cannot take `ParserLimitError`. */
export function parseSync(query: string): ParseResult {
  if (query === '') throw new Error('Query cannot be empty');
  const answer = call('parse', query);
  if ('error' in answer) throw new SqlError(answer.error.message, answer.error);
  return JSON.parse(answer.text) as ParseResult;
}

/** Parse a PL/pgSQL function body (wrapped as a function) into its JSON tree. */
export function parsePlPgSQLSync(query: string): Node {
  const text = textOf(call('plpgsql', query));
  // Success is always a JSON object; anything else is an error message.
  if (!text.startsWith('{')) throw new Error(text);
  return JSON.parse(text) as Node;
}

/** PostgreSQL's scanner: the tokens of `query`, with byte offsets. */
export function scanSync(query: string): ScanResult {
  const text = textOf(call('scan', query));
  if (text.startsWith('syntax error') || text.startsWith('deparse error') || text.startsWith('ERROR')) throw new Error(text);
  return JSON.parse(text) as ScanResult;
}

function textOf(answer: Answer): string {
  return 'text' in answer ? answer.text : answer.error.message;
}

/*
 * The functions below run on the main thread and, as source text, in the stand-in thread
 * (WORKER_SOURCE): they use nothing but their arguments and JavaScript's and Node's globals.
 */

/** One call into an instance: the query copied in as NUL-terminated UTF-8, the answer copied out, both freed. */
function wasmCall(m: PgQueryModule, op: Op, query: string, size: number, codec: { encoder: InstanceType<typeof TextEncoder>; decoder: InstanceType<typeof TextDecoder> }): Answer {
  const out = (ptr: number): string => {
    if (!ptr) return '';
    const heap = m.HEAPU8;
    const end = heap.indexOf(0, ptr);
    return codec.decoder.decode(heap.subarray(ptr, end < 0 ? heap.length : end));
  };
  const queryPtr = m._malloc(size + 1);
  if (!queryPtr) throw new Error('Failed to parse query: memory allocation failed');
  // Read the heap after malloc: it may have grown (and replaced the view).
  const heap = m.HEAPU8;
  codec.encoder.encodeInto(query, heap.subarray(queryPtr, queryPtr + size));
  heap[queryPtr + size] = 0;
  let result = 0;
  let trapped = true;
  try {
    let answer: Answer;
    if (op === 'parse') {
      result = m._wasm_parse_query_raw(queryPtr);
      if (!result) throw new Error('Failed to parse query: memory allocation failed');
      // struct PgQueryParseResult { char *parse_tree; char *stderr_buffer; PgQueryError *error; }
      const words = m.HEAPU32;
      const tree = words[result >>> 2];
      const error = words[(result >>> 2) + 2];
      if (error) {
        // struct PgQueryError { char *message; char *funcname; char *filename; int lineno; int cursorpos; … }
        const e = error >>> 2;
        const message = words[e] ? out(words[e]) : 'Unknown error';
        const funcname = words[e + 1] ? out(words[e + 1]) : undefined;
        const filename = words[e + 2] ? out(words[e + 2]) : undefined;
        const lineno = words[e + 3] | 0;
        const cursorpos = words[e + 4] | 0;
        answer = {
          error: {
            message,
            cursorPosition: cursorpos > 0 ? cursorpos - 1 : 0,
            ...(filename ? { fileName: filename } : {}),
            ...(funcname ? { functionName: funcname } : {}),
            ...(lineno > 0 ? { lineNumber: lineno } : {}),
          },
        };
      } else if (!tree) throw new Error('No parse tree generated');
      else answer = { text: out(tree) };
    } else {
      result = op === 'plpgsql' ? m._wasm_parse_plpgsql(queryPtr) : m._wasm_scan(queryPtr);
      answer = { text: out(result) };
    }
    trapped = false;
    return answer;
  } finally {
    // After a trap the instance is dropped: calling into it again could trap again and hide the first error.
    if (!trapped) {
      m._free(queryPtr);
      if (result) {
        if (op === 'parse') m._wasm_free_parse_result(result);
        else m._wasm_free_string(result);
      }
    }
  }
}

/** A FATAL line from PostgreSQL inside the instance: it has ended "the process". */
function isFatal(text: unknown): boolean {
  return String(text).includes('FATAL');
}

/** Whether an answer came from an instance that is not to be trusted after: a FATAL error, or out of its memory. */
function failureOf(answer: Answer, fatal: boolean): 'memory' | undefined {
  return fatal || ('error' in answer && answer.error.message === 'out of memory') ? 'memory' : undefined;
}

/** Anything a call throws is the instance failing (a syntax error is an answer): too deep for the stack, or out of memory. */
function limitOf(error: unknown): 'memory' | 'depth' {
  return error instanceof RangeError && /call stack/i.test(error.message) ? 'depth' : 'memory';
}

type Reply = { answer: Answer } | { failed: 'memory' | 'depth' };

/** The stand-in thread: a fresh instance, loaded and called there, the answers read from here synchronously. */
const WORKER_SOURCE = () => `
const { workerData } = require('node:worker_threads');
const { port, signal, glue } = workerData;
const flag = new Int32Array(signal);
const codec = { encoder: new TextEncoder(), decoder: new TextDecoder() };
const wasmCall = (${wasmCall.toString()});
const isFatal = (${isFatal.toString()});
const failureOf = (${failureOf.toString()});
const limitOf = (${limitOf.toString()});
let fatal = false;
const ready = require(glue)({ print: (text) => (fatal ||= isFatal(text)), printErr: () => undefined });
port.on('message', async ({ op, query, size }) => {
  let reply;
  try {
    const m = await ready;
    fatal = false;
    const answer = wasmCall(m, op, query, size, codec);
    const failed = failureOf(answer, fatal);
    reply = failed ? { failed } : { answer };
  } catch (error) {
    reply = { failed: limitOf(error) };
  }
  port.postMessage(reply);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
});
`;

/** The main thread's stack: V8's default (984 KB), plus the 192 KB Node keeps back from a worker's `stackSizeMb`. */
const MAIN_STACK_MB = (984 + 192) / 1024;

/** How long a call on the stand-in thread may take (a 16 MB statement takes ~15–40 s on a busy machine). */
const WORKER_TIMEOUT_MS = 300_000;

/**
 * A parser instance in a worker thread, called synchronously: the lint's loop is synchronous and
 * cannot wait for a new instance here (making one is asynchronous), but it can block until another
 * thread answers. The request goes out on a message port; this thread sleeps on a shared flag
 * (Atomics.wait) that the worker raises once its reply is posted, then takes the reply off the port
 * (receiveMessageOnPort). The worker loads the WASM on its own thread while this one waits.
 */
class WorkerParser {
  private readonly worker: import('node:worker_threads').Worker;
  private readonly port: import('node:worker_threads').MessagePort;
  private readonly flag = new Int32Array(new SharedArrayBuffer(4));

  constructor() {
    const { Worker, MessageChannel } = builtin('node:worker_threads');
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const glue = createRequire(import.meta.url).resolve(GLUE);
    // stdout/stderr: true keeps whatever the thread writes to itself.
    // The main thread's stack (V8's default, 984 KB), not a worker's default (4 MB): a statement is
    // too deep for the parser, or not, whichever instance parses it.
    this.worker = new Worker(WORKER_SOURCE(), {
      eval: true,
      workerData: { port: port2, signal: this.flag.buffer, glue },
      transferList: [port2],
      stdout: true,
      stderr: true,
      resourceLimits: { stackSizeMb: MAIN_STACK_MB },
    });
    this.worker.unref();
    this.port.unref();
  }

  call(op: Op, query: string, size: number): Reply {
    const { receiveMessageOnPort } = builtin('node:worker_threads');
    Atomics.store(this.flag, 0, 0);
    this.port.postMessage({ op, query, size });
    const deadline = Date.now() + WORKER_TIMEOUT_MS;
    for (;;) {
      Atomics.wait(this.flag, 0, 0, 1000);
      const received = receiveMessageOnPort(this.port);
      if (received) return received.message as Reply;
      if (Date.now() > deadline) return { failed: 'memory' };
    }
  }

  close(): void {
    this.port.close();
    void this.worker.terminate();
  }
}
