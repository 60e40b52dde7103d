import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { AppSourceFacts, DeployCommandFacts } from '../engine/types.js';
import { LineIndex } from '../engine/source.js';
import { displayPath, type DrizzleConfig } from './drizzle-config.js';
import { DECLARATION_FILE, DEPLOY_FILE, IGNORED_SEGMENT, MAX_SOURCE_BYTES, readInto, SOURCE_FILE } from './app-paths.js';
import type { ProjectFiles } from './files.js';
import { fastGlob } from './glob.js';
import { findMigrateCalls } from './migrate-calls.js';
import { loadParseSync, ModuleGraph, type SourceModule } from './ts-modules.js';

/**
 * The deploy path: how the app applies its migrations. Its migrate() calls (TypeScript and
 * JavaScript files, read with oxc-parser, never run) and the `drizzle-kit migrate` commands of
 * its package.json scripts, Dockerfiles, compose files, Procfile and GitHub workflows.
 */

/** The app's source files, by default: every TS/JS file under the project, build output and dependencies left out. */
export const DEFAULT_APP_FILES = ['**/*.{ts,tsx,mts,cts,js,jsx,mjs,cjs}'];
export const APP_FILES_IGNORED = [
  '**/node_modules/**',
  '**/dist/**',
  '**/build/**',
  '**/out/**',
  '**/coverage/**',
  '**/.*/**',
  '**/*.d.ts',
  '**/*.d.mts',
  '**/*.d.cts',
  '**/*.min.js',
];
/** `export * from 'drizzle-orm/node-postgres/migrator'` carries `migrate`. */
const MIGRATOR_MODULE = /^drizzle-orm\/.+\/migrator$/;

export interface AppSourceOptions {
  cwd: string;
  config?: DrizzleConfig;
  /** `appFiles` globs of the migration-lint config (relative to cwd); default: DEFAULT_APP_FILES under the drizzle config's folder. */
  patterns?: readonly string[];
  /** Read a file (the git index for --staged). */
  read?: (file: string) => string;
  /** The project's files (the runner's): without `read`, files are read through it, regular files inside the project only. */
  files?: ProjectFiles;
}

/** The files the deploy-path rules read: the app's sources and its deploy files. */
export function appFiles(options: AppSourceOptions): { sources: string[]; deploy: string[] } {
  const root = options.config ? dirname(options.config.file) : options.cwd;
  const found = walk(root);
  const sources = options.patterns
    ? fastGlob().sync([...options.patterns], { cwd: options.cwd, absolute: true, onlyFiles: true, dot: false, followSymbolicLinks: false, ignore: APP_FILES_IGNORED }).filter((f) => SOURCE_FILE.test(f))
    : found.sources;
  const deploy = new Set(found.deploy);
  if (options.cwd !== root) for (const f of walk(options.cwd, 0).deploy) deploy.add(f);
  for (const dir of new Set([root, options.cwd])) for (const f of workflows(dir)) deploy.add(f);
  return { sources: sources.sort(), deploy: [...deploy].sort() };
}

/** `.github/workflows/*.{yml,yaml}`, regular files only (a readdir: fast-glob's first call costs ~10 ms to set up). */
function workflows(dir: string): string[] {
  const folder = join(dir, '.github', 'workflows');
  try {
    return readdirSync(folder, { withFileTypes: true })
      .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
      .map((e) => join(folder, e.name));
  } catch {
    return [];
  }
}

/** Folders never walked: dependencies, build output, dot folders (.git, .next, .turbo…). */
const SKIPPED_FOLDERS = new Set(['node_modules', 'dist', 'build', 'out', 'coverage']);
/** Deploy files are looked for this deep (a Dockerfile per service: `services/api/Dockerfile`). */
const DEPLOY_DEPTH = 3;

/**
 * One walk of the project for DEFAULT_APP_FILES and the deploy files (one readdir per folder;
 * a glob per pattern took ~3x as long on a 500-file app). Symbolic links are not followed.
 */
function walk(root: string, maxDepth = Infinity): { sources: string[]; deploy: string[] } {
  const sources: string[] = [];
  const deploy: string[] = [];
  const visit = (dir: string, depth: number) => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const name = entry.name;
      if (name.startsWith('.')) continue;
      const path = dir + sep + name;
      if (entry.isDirectory()) {
        if (!SKIPPED_FOLDERS.has(name) && depth < maxDepth) visit(path, depth + 1);
      } else if (entry.isFile()) {
        if (SOURCE_FILE.test(name) && !/\.d\.[mc]?ts$|\.min\.js$/.test(name)) sources.push(path);
        else if (depth <= DEPLOY_DEPTH && DEPLOY_FILE.test(name) && (depth === 0 || name !== 'package.json')) deploy.push(path);
      }
    }
  };
  visit(root, 0);
  return { sources, deploy };
}

export async function analyzeAppSource(options: AppSourceOptions): Promise<AppSourceFacts> {
  const cwd = options.cwd;
  const read = options.read ?? diskReader(options);
  const { sources, deploy } = appFiles(options);
  const problems: AppSourceFacts['problems'] = [];
  // Only files that mention a migrator are parsed (the parser is loaded only then): the rest of the app costs a read.
  const mentions: [string, string][] = [];
  // The files of the default walk are regular files (links are not followed): one shared buffer
  // reads them. Files of `appFiles` globs, or of the git index (--staged), go through `read`.
  // One byte more than the limit tells a file over it.
  const buffer = options.patterns || options.read ? undefined : Buffer.allocUnsafe(MAX_SOURCE_BYTES + 1);
  for (const file of sources) {
    if (buffer) {
      // The bytes are searched before anything is decoded: most files mention no migrator.
      const length = readInto(file, buffer);
      if (length === undefined || length > MAX_SOURCE_BYTES) continue;
      const bytes = buffer.subarray(0, length);
      if (bytes.indexOf('migrat') >= 0) mentions.push([file, bytes.toString('utf8')]);
      continue;
    }
    let text: string;
    try {
      text = read(file);
    } catch {
      continue;
    }
    if (text.length <= MAX_SOURCE_BYTES && text.includes('migrat')) mentions.push([file, text]);
  }
  const parse = mentions.length > 0 ? await loadParseSync() : () => ({ program: { body: [] }, errors: [] });
  const graph = new ModuleGraph(cwd, parse, (source) => MIGRATOR_MODULE.test(source), read);
  const candidates: SourceModule[] = [];
  for (const [file, text] of mentions) {
    const module = graph.load(file, text);
    if (module) candidates.push(module);
  }
  const config = options.config;
  const sites = findMigrateCalls(graph, candidates, { cwd, configDir: config ? dirname(config.file) : undefined });
  const { commands, bunRuns } = readDeployFiles(deploy, cwd, read);

  for (const site of sites) {
    const module = graph.modules.get(site.path);
    const bun = site.facts.driver === 'bun-sql' ? 'it uses the bun-sql driver' : module && /^#!.*\bbun\b/.test(module.text) ? 'its shebang runs it with bun' : bunRunOf(site.path, bunRuns, cwd);
    if (bun) site.facts.bun = bun;
    else delete site.facts.unclosed;
  }
  problems.push(...graph.problems.filter((p) => candidates.some((m) => m.display === p.file) || sites.some((s) => displayPath(s.path, cwd) === p.file)));
  return {
    ...(config ? { config: { file: displayPath(config.file, cwd), out: displayPath(config.out, cwd), table: config.migrationsTable, schema: config.migrationsSchema } } : {}),
    migrateCalls: sites.map((s) => s.facts),
    commands,
    scanned: sources.length,
    problems,
  };
}

// ---------------------------------------------------------------------------------------------
// Deploy files

const DRIZZLE_KIT_MIGRATE = /\bdrizzle-kit(?:@[\w.^~-]+)?\s+migrate\b/;
/** A command run by Bun: `bunx`, `bun x`, `bun run`, `bun --bun …`. */
const BUN_RUNNER = /(?:^|[\s;&|(])(bunx|bun(?:\s+--?[\w-]+(?:=\S+)?)*\s+(?:x|run)\b|bun\s+--bun\b)/;
/** `bun [flags] [run] path/to/file.ts`: a file run by Bun. */
const BUN_FILE = /(?:^|[\s;&|(])bun(?:\s+--?[\w-]+(?:=\S+)?)*\s+(?:run\s+)?(?:--?[\w-]+(?:=\S+)?\s+)*((?:\.{0,2}\/)?[\w@./-]+\.(?:[mc]?[jt]s|tsx))\b/g;
/** `bun run name` / `bun name`: a package.json script run by Bun. */
const BUN_SCRIPT = /(?:^|[\s;&|(])bun(?:\s+--?[\w-]+(?:=\S+)?)*\s+(?:run\s+)?([\w:.-]+)(?=$|[\s;&|)])/g;

interface CommandLine {
  file: string;
  line: number;
  column: number;
  text: string;
  where: string;
  /** The package.json script it is, when it is one. */
  script?: string;
  /** Folder of the file (relative paths in the command). */
  dir: string;
}

function readDeployFiles(files: readonly string[], cwd: string, read: (file: string) => string): { commands: DeployCommandFacts[]; bunRuns: { path: string; where: string }[] } {
  const lines: CommandLine[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = read(file);
    } catch {
      continue;
    }
    lines.push(...commandLines(file, text, cwd));
  }
  // Scripts that `bun run <name>` (or `bun <name>`) runs somewhere.
  const scriptsRunByBun = new Map<string, string>();
  const bunRuns: { path: string; where: string }[] = [];
  for (const line of lines) {
    const where = `${line.file}:${line.line}`;
    for (const m of line.text.matchAll(BUN_SCRIPT)) if (!/\.[mc]?[jt]sx?$/.test(m[1]) && !['x', 'run', 'install', 'i', 'add'].includes(m[1])) scriptsRunByBun.set(m[1], `\`${shorten(line.text)}\` (${where})`);
    for (const m of line.text.matchAll(BUN_FILE)) bunRuns.push({ path: resolve(line.dir, m[1]), where: `\`${shorten(line.text)}\` (${where})` });
  }
  const commands: DeployCommandFacts[] = [];
  for (const line of lines) {
    if (!DRIZZLE_KIT_MIGRATE.test(line.text)) continue;
    const segment = line.text.split(/&&|\|\||;/).find((s) => DRIZZLE_KIT_MIGRATE.test(s)) ?? line.text;
    const direct = BUN_RUNNER.test(segment) ? `\`${shorten(segment.trim())}\` runs it with Bun` : undefined;
    const viaScript = line.script !== undefined && scriptsRunByBun.has(line.script) ? `the script is run with Bun by ${scriptsRunByBun.get(line.script)}` : undefined;
    commands.push({ file: line.file, line: line.line, column: line.column, text: shorten(line.text), where: line.where, ...(direct || viaScript ? { bun: (direct ?? viaScript)! } : {}) });
  }
  return { commands, bunRuns };
}

/** The commands of a deploy file, one per line (Dockerfile continuations joined), with where they are. */
function commandLines(file: string, text: string, cwd: string): CommandLine[] {
  const display = displayPath(file, cwd);
  const dir = dirname(file);
  const name = file.slice(file.lastIndexOf(sep) + 1);
  const lines = new LineIndex(text);
  const out: CommandLine[] = [];
  if (name === 'package.json') {
    let scripts: Record<string, unknown> = {};
    try {
      scripts = (JSON.parse(text) as { scripts?: Record<string, unknown> }).scripts ?? {};
    } catch {
      return out;
    }
    for (const [script, command] of Object.entries(scripts)) {
      if (typeof command !== 'string') continue;
      const at = text.indexOf(JSON.stringify(script) + ':') >= 0 ? text.indexOf(JSON.stringify(script) + ':') : text.indexOf(JSON.stringify(script));
      const { line, column } = lines.position(Math.max(0, at));
      out.push({ file: display, line, column, text: command, where: `package.json script "${script}"`, script, dir });
    }
    return out;
  }
  const isDockerfile = /dockerfile/i.test(name);
  const raw = text.split(/\r?\n/);
  for (let i = 0; i < raw.length; i++) {
    let command = raw[i];
    const first = i;
    // A Dockerfile instruction or a shell line continues after a trailing backslash.
    while (/\\\s*$/.test(command) && i + 1 < raw.length) command = command.replace(/\\\s*$/, ' ') + raw[++i];
    const trimmed = command.trim();
    if (!trimmed || trimmed.startsWith('#')) continue;
    const column = command.length - command.trimStart().length + 1;
    const where = isDockerfile ? `${/^\w+/.exec(trimmed)?.[0]?.toUpperCase() ?? 'Dockerfile'} in ${name}` : name === 'Procfile' ? 'Procfile' : /workflows/.test(file) ? 'workflow step' : 'compose command';
    if (isDockerfile && !/^(RUN|CMD|ENTRYPOINT)\b/i.test(trimmed)) continue;
    out.push({ file: display, line: first + 1, column, text: unquoteExecForm(trimmed), where, dir });
  }
  return out;
}

/** `CMD ["bunx", "drizzle-kit", "migrate"]` → `CMD bunx drizzle-kit migrate`. */
function unquoteExecForm(text: string): string {
  const m = /^(\w+\s+|-\s+|command:\s*|entrypoint:\s*)?\[(.*)\]\s*$/i.exec(text);
  if (!m) return text;
  const words = [...m[2].matchAll(/"((?:[^"\\]|\\.)*)"|'([^']*)'/g)].map((w) => w[1] ?? w[2]);
  return `${m[1] ?? ''}${words.join(' ')}`;
}

function shorten(text: string): string {
  // eslint-disable-next-line no-control-regex
  const one = text.replace(/\s+/g, ' ').replace(/[\u0000-\u001f\u007f-\u009f]/g, '?').trim();
  return one.length > 100 ? `${one.slice(0, 97)}…` : one;
}

/** Whether a deploy file runs this file with Bun (`bun src/db/migrate.ts`), matched by path. */
function bunRunOf(path: string, runs: readonly { path: string; where: string }[], cwd: string): string | undefined {
  for (const run of runs) {
    if (run.path === path) return `it is run with Bun by ${run.where}`;
    // A path relative to a Docker WORKDIR or a CI checkout: match the end of the path.
    const rel = relative(cwd, run.path).split(sep).join('/');
    const mine = relative(cwd, path).split(sep).join('/');
    if (!rel.startsWith('..') && (mine === rel || mine.endsWith('/' + rel))) return `it is run with Bun by ${run.where}`;
    const tail = run.path.split(sep).slice(-2).join('/');
    if (path.split(sep).join('/').endsWith('/' + tail) && tail.includes('/')) return `it is run with Bun by ${run.where}`;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// --since / --staged: did the deploy path change?


/** Whether a file (repository-relative or absolute, `/`-separated) is one the deploy-path rules read. */
export function isAppPath(path: string, options: AppSourceOptions): boolean {
  const posix = path.split(sep).join('/');
  if (DEPLOY_FILE.test(posix)) return true;
  if (options.config && resolve(options.config.file).split(sep).join('/') === posix) return true;
  if (DECLARATION_FILE.test(posix) || !SOURCE_FILE.test(posix)) return false;
  // A custom `appFiles` is honoured by the full read; here any source file may belong to it.
  const rel = relative(options.config ? dirname(options.config.file) : options.cwd, posix).split(sep).join('/');
  return options.patterns !== undefined || (!rel.startsWith('..') && !IGNORED_SEGMENT.test(rel));
}

/** --since: whether a file the deploy-path rules read was added or changed since the merge base. */
export async function appChangedSince(options: AppSourceOptions, ref: string, base: string | undefined): Promise<boolean> {
  const { git, repoRoot } = await import('./git-exec.js');
  const root = await repoRoot(options.cwd);
  if (!root) return false;
  const scope = relative(root, options.config ? dirname(options.config.file) : options.cwd) || '.';
  const run = async (args: string[]) => {
    try {
      return await git(args, root);
    } catch {
      return '';
    }
  };
  const changed = (await run(['diff', '--name-only', '--diff-filter=ACMR', base ?? ref, '--', scope])) + (await run(['ls-files', '--others', '--exclude-standard', '--', scope]));
  return changed
    .split('\n')
    .filter(Boolean)
    .some((f) => isAppPath(resolve(root, f), options));
}

/**
 * --staged: when a staged file is one the deploy-path rules read, a reader of the staged content
 * (the git index where the working copy differs); undefined when none is staged.
 */
export async function appStaged(options: AppSourceOptions): Promise<{ read: (file: string) => string } | undefined> {
  const { queryStaged } = await import('./staged-query.js');
  const { selectStaged } = await import('./selection.js');
  const root = options.config ? dirname(options.config.file) : options.cwd;
  const query = await queryStaged(options.cwd, root);
  if (!query.root || !query.staged.some((f) => isAppPath(resolve(query.root!, f), options))) return undefined;
  const selection = await selectStaged(root, options.cwd);
  const staged = selection.staged ?? new Map<string, string>();
  const fromDisk = diskReader(options);
  return { read: (file) => staged.get(file) ?? fromDisk(file) };
}

/** The working tree's text of a file: through the project's checks (files.ts) when there are files to check against. */
function diskReader(options: AppSourceOptions): (file: string) => string {
  const files = options.files;
  return files ? (file) => files.read(file) : (file) => readFileSync(file, 'utf8');
}
