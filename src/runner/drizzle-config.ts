import { lstatSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { UsageError } from './errors.js';
import type { StaticObject } from './config-static.js';
import { FileRefused, ProjectFiles } from './files.js';
import { loadOxcParseSync } from './oxc.js';

export const CONFIG_NAMES = ['drizzle.config.ts', 'drizzle.config.mts', 'drizzle.config.js', 'drizzle.config.mjs', 'drizzle.config.cjs', 'drizzle.config.json'];

export interface DrizzleConfig {
  /** The config file (absolute). */
  file: string;
  /** Absolute migrations folder (`out`, default `drizzle`), relative to the config's folder. */
  out: string;
  /** `schema` as written: a file, folder or glob, or several. */
  schema: string[];
  /** `schema` is written but could not be read statically: why (only the rules that read the schema source need it). */
  schemaProblem?: string;
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
    // A link that leads nowhere is found too: reading it then says what is wrong with it.
    if (lstatSync(file, { throwIfNoEntry: false })) return file;
  }
  return undefined;
}

/**
 * Read a drizzle config *statically*: the values migration-lint needs (`out`, `schema`,
 * `dialect`, `migrations`) are literals or simple expressions in practice, while the rest
 * references env vars (`process.env.DATABASE_URL!`) and imports that may not resolve in a hook or
 * CI job. Executing the file would need those; parsing it (oxc-parser) and evaluating what can be
 * known without running it (config-static.ts) never hangs and never runs user code. A value
 * that is written but not understood is an error naming it (exit 2), never a default.
 */
export async function readDrizzleConfig(path: string, cwd = process.cwd(), files?: ProjectFiles): Promise<DrizzleConfig> {
  const absolute = resolve(path);
  // Messages name it as the user sees it: relative to the working directory of the run.
  const file = displayPath(absolute, resolve(cwd));
  let text: string;
  try {
    // Only a regular file inside the project (a config that is a link out of it, a FIFO or `/dev/zero` is refused by name).
    text = (files ?? ProjectFiles.around(dirname(absolute), cwd)).read(absolute);
  } catch (error) {
    if (error instanceof FileRefused) throw error;
    throw new UsageError(`${file}: cannot read the drizzle config (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  const values = absolute.endsWith('.json') ? fromJson(file, text) : await fromSource(file, absolute, text);
  const base = dirname(absolute);
  const dialect = values.dialect;
  if (dialect && dialect !== 'postgresql' && dialect !== 'pg') {
    throw new UsageError(`${file}: dialect "${dialect}" is not supported; migration-lint lints PostgreSQL migrations (dialect "postgresql")`);
  }
  return {
    file: absolute,
    out: resolve(base, values.out ?? 'drizzle'),
    schema: values.schema ?? [],
    ...(values.schemaProblem ? { schemaProblem: values.schemaProblem } : {}),
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
  schemaProblem?: string;
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

/** What the config reader understands, for messages. */
const UNDERSTOOD = "literals, consts of this file, template literals, path.join/resolve and process.env.X ?? '…'";

/** The values of a TypeScript or JavaScript config, parsed with oxc-parser and evaluated statically (config-static.ts). */
async function fromSource(file: string, absolute: string, text: string): Promise<RawValues> {
  const [parseSync, { ConfigSource, isObject }] = await Promise.all([loadOxcParseSync(), import('./config-static.js')]);
  const parsed = parseSync(absolute, text) as { program: never; errors: { message: string; labels?: { start: number }[] }[] };
  const source = new ConfigSource(text, parsed.program, dirname(absolute));
  const error = parsed.errors[0];
  if (error) {
    const at = error.labels?.[0] ? ` at ${source.where({ type: '', start: error.labels[0].start, end: 0 })}` : '';
    throw new UsageError(`${file}: cannot parse the drizzle config (${error.message}${at})`, 'fix the file, or pass the migrations folder: npx migration-lint path/to/drizzle');
  }
  const config = source.configObject();
  if (!config.known || !isObject(config.value)) {
    const what = config.known ? 'is not an object' : source.exported ? `is \`${source.quote(config.node)}\`, which migration-lint cannot evaluate without running it` : 'has no `export default` (or `module.exports =`)';
    throw new UsageError(`${file}: the config ${what}`, 'pass the migrations folder instead: npx migration-lint path/to/drizzle');
  }
  type Kind = 'string' | 'strings' | 'boolean';
  type Read = { value?: string | string[] | boolean; problem?: string };
  /** A key's value; `problem` when it is written but not understood (the whole expression quoted). */
  const read = (object: StaticObject, key: string, kind: Kind, label = key): Read => {
    const found = source.property(object, key);
    if (!found) return {};
    const written = object.properties.get(key);
    // A spread that cannot be read may or may not set it: only `out` may not be guessed (the
    // folder linted); the others keep their defaults, as when they are not written.
    if (!written && !found.known && key !== 'out') return {};
    if (!found.known) {
      // Not understood in a const it refers to: point at that part too.
      const elsewhere = written && (found.node.start < written.start || found.node.end > written.end);
      const inner = elsewhere ? ` (\`${source.quote(found.node)}\` at ${source.where(found.node)})` : '';
      const what = written ? `is \`${source.quote(written)}\`${inner}` : `may be set by \`${source.quote(found.node)}\``;
      return { problem: `${file}: \`${label}\` ${what}, which migration-lint cannot evaluate without running the config (it reads ${UNDERSTOOD})` };
    }
    const v = found.value;
    if (kind === 'string' && typeof v === 'string') return { value: v };
    if (kind === 'boolean' && typeof v === 'boolean') return { value: v };
    if (kind === 'strings' && (typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string')))) return { value: typeof v === 'string' ? [v] : (v as string[]) };
    return { problem: `${file}: \`${label}\` is \`${source.quote(written ?? found.value as never)}\`, not ${kind === 'string' ? 'a string' : kind === 'boolean' ? 'true or false' : 'a string or an array of strings'}` };
  };
  /** A key whose value must be understood: exit 2 otherwise. */
  const required = (object: StaticObject, key: string, kind: Kind, hint: string, label = key) => {
    const r = read(object, key, kind, label);
    if (r.problem) throw new UsageError(r.problem, hint);
    return r.value;
  };
  const root = config.value;
  const outHint = 'pass the migrations folder instead: npx migration-lint path/to/drizzle';
  const values: RawValues = {
    out: required(root, 'out', 'string', outHint) as string | undefined,
    dialect: required(root, 'dialect', 'string', "write dialect: 'postgresql'") as string | undefined,
  };
  const schema = read(root, 'schema', 'strings');
  if (schema.problem) values.schemaProblem = schema.problem;
  else if (schema.value) values.schema = schema.value as string[];
  const breakpoints = read(root, 'breakpoints', 'boolean');
  if (typeof breakpoints.value === 'boolean') values.breakpoints = breakpoints.value;
  const driver = read(root, 'driver', 'string');
  if (typeof driver.value === 'string') values.driver = driver.value;
  const migrations = source.property(root, 'migrations');
  if (migrations && (migrations.known || root.properties.has('migrations'))) {
    if (!migrations.known || !isObject(migrations.value)) throw new UsageError(`${file}: \`migrations\` ${migrations.known ? 'is not an object' : `is \`${source.quote(migrations.node)}\`, which migration-lint cannot evaluate without running the config`}`, 'write it as { table: \'…\', schema: \'…\' }');
    const hint = "write it as a string literal, as drizzle's migrator reads it";
    values.migrationsTable = required(migrations.value, 'table', 'string', hint, 'migrations.table') as string | undefined;
    values.migrationsSchema = required(migrations.value, 'schema', 'string', hint, 'migrations.schema') as string | undefined;
    values.prefix = required(migrations.value, 'prefix', 'string', hint, 'migrations.prefix') as string | undefined;
  }
  return values;
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
