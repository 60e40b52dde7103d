/**
 * Text from the repository being linted (identifiers, SQL, file names, journal tags, PostgreSQL's
 * messages) on its way to a terminal, a CI log or a rendered page. Every formatter and every
 * message the CLI prints passes such text through here, so that it cannot:
 *
 * - drive the terminal: move the cursor, erase the findings above, set the title or write the
 *   clipboard (ESC and C1 sequences, OSC 52), ring the bell;
 * - reorder or break what a reviewer reads (bidi overrides and isolates, U+2028/U+2029);
 * - become a GitHub Actions workflow command: the runner executes a line that starts with `::`
 *   once leading whitespace is trimmed (`::error …`, `::add-mask::`, `::stop-commands::`), and the
 *   legacy `##[command]` form anywhere in a line (actions/runner ActionCommand.TryParseV2 / TryParse);
 * - render an image, a link or HTML in the job summary (Markdown).
 *
 * Escapes are visible and short: `\n`, `\t`, `\x1b`, `\u202e`.
 */

/** C0 controls, DEL, C1 controls, bidi marks, embeddings, overrides and isolates, line and paragraph separators. */
const CONTROLS = '\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u2028-\\u202e\\u2066-\\u2069';
const CONTROL = new RegExp(`[${CONTROLS}]`);
const CONTROL_ALL = new RegExp(`[${CONTROLS}]`, 'g');
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

const hex = (c: string, width: number) => c.charCodeAt(0).toString(16).padStart(width, '0');
const escapeOne = (c: string) => NAMED[c] ?? (c.charCodeAt(0) <= 0xff ? `\\x${hex(c, 2)}` : `\\u${hex(c, 4)}`);

/** `text` with every control character written as a visible escape: one line, inert on any terminal. */
export function escapeControls(text: string): string {
  return CONTROL.test(text) ? text.replace(CONTROL_ALL, escapeOne) : text;
}

/**
 * What GitHub's runner trims before it looks for `::` (.NET `char.IsWhiteSpace`: JavaScript's
 * `\s` plus U+0085, and U+180E on older runtimes).
 */
const COMMAND_START = /^[\s\u0085\u180e]*:(?=:)/;

/**
 * A line of output that GitHub Actions does not run as a workflow command: a leading `::` (after
 * whitespace) and any `##[` get their first character escaped (`\x3a:`, `#\x23[`). For lines the
 * formatters build; the github formatter's own `::error` lines are the only exception.
 */
export function inertLine(line: string): string {
  let out = line.includes('##[') ? line.replaceAll('##[', '#\\x23[') : line;
  const start = COMMAND_START.exec(out);
  if (start) out = `${out.slice(0, start[0].length - 1)}\\x3a${out.slice(start[0].length)}`;
  return out;
}

/** One line of data, printed on its own (a message on stderr): controls escaped, and inert. */
export function safeLine(text: string): string {
  return inertLine(escapeControls(text));
}

/** Text whose line breaks are its own (a finding's help): each line escaped. */
export function escapedLines(text: string): string[] {
  return text.split('\n').map(escapeControls);
}

/** Lines joined into output, each made inert (see `inertLine`), each ending in a newline. */
export function outputLines(lines: readonly string[]): string {
  let out = '';
  for (const line of lines) out += inertLine(line) + '\n';
  return out;
}

/** `migration-lint: <message>` and its `  hint: …` line, for stderr. */
export function errorLines(message: string, hint?: string): string {
  return `migration-lint: ${safeLine(message)}\n${hint ? `  hint: ${safeLine(hint)}\n` : ''}`;
}

/**
 * A deep copy of a report with every string in it escaped (`escapeControls`): what a human format
 * prints of verify's results, whose strings (file names, tags, statements, PostgreSQL's messages)
 * are data wherever they appear.
 */
export function escapeStrings<T>(value: T): T {
  if (typeof value === 'string') return escapeControls(value) as T;
  if (Array.isArray(value)) return value.map(escapeStrings) as T;
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = escapeStrings(v);
  return out as T;
}

/**
 * JSON text with the characters JSON.stringify leaves raw but a terminal or a CI log acts on
 * written as `\u` escapes: DEL and C1 controls, bidi controls, U+2028/U+2029, and the `#` of
 * `##[`. The document is unchanged for a JSON reader (these can only occur inside strings, and
 * JSON.stringify already escapes C0). Newlines in strings are always `\n`, so no line of a JSON
 * document starts with data.
 */
export function inertJson(json: string): string {
  return JSON_UNSAFE.test(json) ? json.replace(JSON_UNSAFE_ALL, (c) => (c === '##[' ? '#\\u0023[' : `\\u${hex(c, 4)}`)) : json;
}
const JSON_UNSAFE_SOURCE = '[\\u007f-\\u009f\\u061c\\u200e\\u200f\\u2028-\\u202e\\u2066-\\u2069]|##\\[';
const JSON_UNSAFE = new RegExp(JSON_UNSAFE_SOURCE);
const JSON_UNSAFE_ALL = new RegExp(JSON_UNSAFE_SOURCE, 'g');

/**
 * Markdown that renders as exactly these characters: controls escaped, and every ASCII
 * punctuation mark that can start or end Markdown syntax backslash-escaped, so nothing in it is a
 * link, an image, an autolink (`:`, `.`, `@`), HTML, an entity, emphasis, math, an emoji code or
 * a table cell break. (`" ' , ; = / ? %` start nothing and are left as they are.)
 */
export function markdownText(text: string): string {
  return escapeControls(text).replace(/[!#$&()*+\-.:<>@[\\\]^_`{|}~]/g, '\\$&');
}

/** A Markdown code span of `text`, in a table cell: the fence is longer than any run of backticks in it. */
export function markdownCode(text: string): string {
  const body = escapeControls(text).replace(/\|/g, '\\|');
  const longest = (body.match(/`+/g) ?? []).reduce((n, run) => Math.max(n, run.length), 0);
  const fence = '`'.repeat(longest + 1);
  const pad = body.startsWith('`') || body.endsWith('`') || body.startsWith(' ') ? ' ' : '';
  return `${fence}${pad}${body}${pad}${fence}`;
}
