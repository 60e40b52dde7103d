import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { UsageError } from './errors.js';

export const CONFIG_NAMES = ['drizzle.config.ts', 'drizzle.config.mts', 'drizzle.config.js', 'drizzle.config.mjs', 'drizzle.config.cjs', 'drizzle.config.json'];

export interface DrizzleConfig {
  /** The config file (absolute). */
  file: string;
  /** Absolute migrations folder (`out`, default `drizzle`), relative to the config's folder. */
  out: string;
  /** `schema` as written: a file, folder or glob, or several. */
  schema: string[];
  dialect?: string;
  migrationsTable: string;
  migrationsSchema: string;
  /** Migration file prefix mode (`index`, `timestamp`, `supabase`, `unix`, `none`). */
  prefix?: string;
  breakpoints?: boolean;
  /** drizzle-kit's `driver` (`pglite`, `aws-data-api`), when it is a literal. */
  driver?: string;
}

/** Find `drizzle.config.*` in `dir` (no walking up: a monorepo has one per package). */
export function findDrizzleConfig(dir: string): string | undefined {
  for (const name of CONFIG_NAMES) {
    const file = join(dir, name);
    if (existsSync(file)) return file;
  }
  return undefined;
}

/**
 * Read a drizzle config *statically*: the values migration-lint needs (`out`, `schema`,
 * `dialect`, `migrations`) are literals in practice, while the rest references env vars
 * (`process.env.DATABASE_URL!`) and imports that may not resolve in a hook or CI job.
 * Executing the file would need those; reading it never hangs and never runs user code.
 */
export function readDrizzleConfig(file: string): DrizzleConfig {
  const absolute = resolve(file);
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (error) {
    throw new UsageError(`${file}: cannot read the drizzle config (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  const values = absolute.endsWith('.json') ? fromJson(file, text) : fromSource(file, text);
  const base = dirname(absolute);
  const dialect = values.dialect;
  if (dialect && dialect !== 'postgresql' && dialect !== 'pg') {
    throw new UsageError(`${file}: dialect "${dialect}" is not supported; migration-lint lints PostgreSQL migrations (dialect "postgresql")`);
  }
  return {
    file: absolute,
    out: resolve(base, values.out ?? 'drizzle'),
    schema: values.schema ?? [],
    dialect,
    migrationsTable: values.migrationsTable ?? '__drizzle_migrations',
    migrationsSchema: values.migrationsSchema ?? 'drizzle',
    prefix: values.prefix,
    breakpoints: values.breakpoints,
    ...(values.driver !== undefined ? { driver: values.driver } : {}),
  };
}

interface RawValues {
  out?: string;
  schema?: string[];
  dialect?: string;
  migrationsTable?: string;
  migrationsSchema?: string;
  prefix?: string;
  breakpoints?: boolean;
  driver?: string;
}

function fromJson(file: string, text: string): RawValues {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file}: not valid JSON (${(error as Error).message})`);
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new UsageError(`${file}: expected a JSON object`);
  const migrations = (json.migrations ?? {}) as Record<string, unknown>;
  const schema = json.schema;
  return {
    out: typeof json.out === 'string' ? json.out : undefined,
    schema: typeof schema === 'string' ? [schema] : Array.isArray(schema) ? schema.filter((s): s is string => typeof s === 'string') : undefined,
    dialect: typeof json.dialect === 'string' ? json.dialect : undefined,
    migrationsTable: typeof migrations.table === 'string' ? migrations.table : undefined,
    migrationsSchema: typeof migrations.schema === 'string' ? migrations.schema : undefined,
    prefix: typeof migrations.prefix === 'string' ? migrations.prefix : undefined,
    breakpoints: typeof json.breakpoints === 'boolean' ? json.breakpoints : undefined,
    driver: typeof json.driver === 'string' ? json.driver : undefined,
  };
}

const STRING = String.raw`(?:'((?:[^'\\\n]|\\.)*)'|"((?:[^"\\\n]|\\.)*)"|\x60([^\x60$]*)\x60)`;

function fromSource(file: string, source: string): RawValues {
  const text = stripComments(source);
  const migrationsBlock = /\bmigrations\s*:\s*\{([^{}]*)\}/.exec(text);
  const rest = migrationsBlock ? text.slice(0, migrationsBlock.index) + text.slice(migrationsBlock.index + migrationsBlock[0].length) : text;
  const values: RawValues = {
    out: literal(file, rest, 'out'),
    dialect: literal(file, rest, 'dialect'),
    schema: stringList(file, rest, 'schema'),
    breakpoints: /\bbreakpoints\s*:\s*false\b/.test(rest) ? false : /\bbreakpoints\s*:\s*true\b/.test(rest) ? true : undefined,
    driver: optionalLiteral(file, rest, 'driver'),
  };
  if (migrationsBlock) {
    values.migrationsTable = literal(file, migrationsBlock[1], 'table');
    values.migrationsSchema = literal(file, migrationsBlock[1], 'schema');
    values.prefix = literal(file, migrationsBlock[1], 'prefix');
  }
  return values;
}

/** The string literal value of `key:`; a key set to a non-literal is an error naming the key. */
function literal(file: string, text: string, key: string): string | undefined {
  const found = new RegExp(String.raw`(?:^|[\s,{])["']?${key}["']?\s*:\s*`).exec(text);
  if (!found) return undefined;
  const after = text.slice(found.index + found[0].length);
  const m = new RegExp('^' + STRING).exec(after);
  if (!m) {
    const expression = after.split(/[,\n}]/)[0].trim();
    throw new UsageError(
      `${file}: \`${key}\` is not a string literal (${expression}); migration-lint reads drizzle configs without running them`,
      key === 'out' ? 'pass the migrations folder instead: npx migration-lint path/to/drizzle' : undefined,
    );
  }
  return m[1] ?? m[2] ?? m[3];
}

/** A literal only some rules read (`driver`): a computed value is not an error, just unknown. */
function optionalLiteral(file: string, text: string, key: string): string | undefined {
  try {
    return literal(file, text, key);
  } catch {
    return undefined;
  }
}

function stringList(file: string, text: string, key: string): string[] | undefined {
  const found = new RegExp(String.raw`(?:^|[\s,{])["']?${key}["']?\s*:\s*\[([^\]]*)\]`).exec(text);
  if (found) return [...found[1].matchAll(new RegExp(STRING, 'g'))].map((m) => m[1] ?? m[2] ?? m[3]);
  // A computed schema path only matters to the schema-source rules.
  const one = optionalLiteral(file, text, key);
  return one === undefined ? undefined : [one];
}

/** Remove // and /* comments, keeping string contents intact. */
function stripComments(source: string): string {
  let out = '';
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '"' || c === "'" || c === '`') {
      const end = closingQuote(source, i);
      out += source.slice(i, end + 1);
      i = end;
    } else if (c === '/' && source[i + 1] === '/') {
      while (i < source.length && source[i] !== '\n') i++;
      out += '\n';
    } else if (c === '/' && source[i + 1] === '*') {
      const close = source.indexOf('*/', i + 2);
      i = close === -1 ? source.length : close + 1;
      out += ' ';
    } else out += c;
  }
  return out;
}

function closingQuote(s: string, open: number): number {
  for (let i = open + 1; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === s[open]) return i;
  }
  return s.length - 1;
}

/** `.` or `..` segments, a doubled or trailing separator: paths path.relative would normalise first. */
const NOT_NORMAL = /\/\.\.?(?:\/|$)|\/\/|.\/$/;

/** Path for messages: relative to the working directory when inside it. */
export function displayPath(path: string, cwd: string): string {
  // Normalised absolute POSIX paths (every path the runner builds with join): a prefix test.
  // path.relative resolves both paths on each call, ~10 µs: 15 ms for the corpus's 2,000 files.
  if (sep === '/' && path.startsWith('/') && cwd.startsWith('/') && !NOT_NORMAL.test(path) && !NOT_NORMAL.test(cwd)) {
    const base = cwd === '/' ? '/' : `${cwd}/`;
    return path.startsWith(base) && path.length > base.length ? path.slice(base.length) : path;
  }
  const rel = relative(cwd, path);
  return rel && !rel.startsWith('..') && !rel.startsWith('/') ? rel : path;
}
