import { closeSync, openSync, readSync, realpathSync, statSync, type Stats } from 'node:fs';
import { join, relative } from 'node:path';
import { READ } from './file-kind.js';
import { enclosingGit } from './git-folder.js';
import { DEPLOY_FILE, mayConcernDeployPath, readHead, SOURCE_FILE } from './app-paths.js';
import { processWide } from '../runtime.js';
import { git, repoRoot } from './git-exec.js';

/**
 * `--staged`'s one round of git, in a module of its own: the CLI's front bundle (cli.ts) starts
 * it right after reading the arguments, so git runs while the rest of the linter loads.
 */

/** What `git diff` says is staged and unstaged under a directory, with the repository root. */
export interface StagedQuery {
  root: string | undefined;
  /** Repository-relative, `/` separated. */
  staged: string[];
  unstaged: string[];
  /** Staged changes to files that exist at HEAD (modified in the index): the base for hash-drift. */
  modified: string[];
  /** The commit HEAD points at; undefined before the first commit. */
  head?: string;
  /**
   * HEAD's text of the staged-modified migrations and journals (what the commit is compared
   * with), read as soon as the status is known, while the rest of the linter loads. By path;
   * undefined where git could not give it.
   */
  atHead?: Map<string, Promise<string | undefined>>;
  /**
   * What git does not track under the directory (on disk, not in the commit: untracked and
   * ignored), repository-relative; a folder git tracks nothing in is one path ending in `/`.
   */
  untracked: string[];
}

/** By directory, one map for the process: the CLI's front bundle starts the query, the rest reads it. */
const stagedQueries = processWide('staged-queries', () => new Map<string, Promise<StagedQuery>>());

/**
 * One round of git: the repository root and the status run side by side (a pre-commit hook
 * waits for every round). Memoised per directory, so the CLI can start it before it loads the
 * linter (`prefetchStaged`) and the run picks it up.
 */
export function queryStaged(from: string, under: string): Promise<StagedQuery> {
  const cacheKey = `${from}\u0000${under}`;
  let query = stagedQueries.get(cacheKey);
  if (!query) {
    const spec = relative(from, under) || '.';
    // One `git status` says what is staged, what differs in the working tree and what git does not
    // track (untracked and ignored: not in the commit; a folder of them is one line). Listing them
    // costs git a walk of the folder, not a process of its own: a second round of git after the
    // status was ~45 ms of a pre-commit run on a 2-core machine.
    const status = git(['status', '--porcelain=v2', '--branch', '-z', '--untracked-files=normal', '--ignored=matching', '--', spec], from).then(parseStatus);
    status.catch(() => undefined); // not a repository: the root says so below
    const notRepository = { root: undefined, staged: [], unstaged: [], modified: [], untracked: [] };
    query = repoRootOf(from).then(async (root) => {
      if (!root) return notRepository;
      try {
        return withHeadTexts({ root, ...(await status) });
      } catch (error) {
        // git would not read it (a `.git` it does not take, a repository it does not trust): as before, its own answer decides.
        if ((await repoRoot(from)) === undefined) return notRepository;
        throw error;
      }
    });
    query.catch(() => undefined); // a prefetch nobody awaits must not crash the process
    stagedQueries.set(cacheKey, query);
  }
  return query;
}

/** Start reading HEAD's text of the modified migrations and journals (StagedQuery.atHead), eight at a time. */
function withHeadTexts(query: StagedQuery): StagedQuery {
  const head = query.head;
  if (!head || !query.root) return query;
  const root = query.root;
  const files = query.modified.filter(isMigrationOrJournal);
  const atHead = new Map<string, Promise<string | undefined>>();
  let previous: Promise<unknown> = Promise.resolve();
  for (let i = 0; i < files.length; i += 8) {
    const batch = files.slice(i, i + 8);
    const texts = previous.then(() => Promise.all(batch.map((file) => git(['show', `${head}:${file}`], root).catch(() => undefined))));
    batch.forEach((file, j) => atHead.set(file, texts.then((all) => all[j])));
    previous = texts;
  }
  return { ...query, atHead };
}

/** A migration (`.sql`) or a drizzle journal: the files whose HEAD text hash-drift and journal-order compare with. */
export function isMigrationOrJournal(path: string): boolean {
  return path.endsWith('.sql') || path.endsWith('meta/_journal.json');
}

/**
 * `git status --porcelain=v2 --branch -z` (paths relative to the repository root, whatever the
 * settings): staged are the files added, copied, modified or renamed in the index (`git diff
 * --cached --diff-filter=ACMR`), unstaged those whose working copy differs from the index (`git
 * diff`), modified the staged ones that HEAD has under the same path (`--diff-filter=M`),
 * untracked what `git ls-files --others --directory` lists (with `--untracked-files=normal
 * --ignored=matching`: untracked and ignored paths, a folder of them as one).
 */
export function parseStatus(output: string): Omit<StagedQuery, 'root'> {
  const staged: string[] = [];
  const unstaged: string[] = [];
  const modified: string[] = [];
  const untracked: string[] = [];
  let head: string | undefined;
  const records = output.split('\0');
  for (let i = 0; i < records.length; i++) {
    const record = records[i];
    const type = record[0];
    if (record.startsWith('# branch.oid ')) {
      const oid = record.slice('# branch.oid '.length);
      if (/^[0-9a-f]{40,64}$/.test(oid)) head = oid;
      continue;
    }
    // `? path` (untracked), `! path` (ignored)
    if (type === '?' || type === '!') {
      untracked.push(record.slice(2));
      continue;
    }
    // `1 XY sub mH mI mW hH hI path`, `2 XY sub mH mI mW hH hI Xscore path` + `\0origPath`, `u XY sub m1 m2 m3 mW h1 h2 h3 path`
    const fields = type === '1' ? 8 : type === '2' ? 9 : type === 'u' ? 10 : -1;
    if (fields < 0) continue;
    const path = record.split(' ').slice(fields).join(' ');
    if (type === '2') i++; // the original path of a rename or copy
    const [x, y] = [record[2], record[3]];
    if (type !== 'u' && 'ACMR'.includes(x)) staged.push(path);
    if (type === '1' && x === 'M') modified.push(path);
    if (y !== '.') unstaged.push(path);
  }
  return { staged, unstaged, modified, untracked, ...(head ? { head } : {}) };
}

/**
 * Start `--staged`'s git calls for everything under `cwd` while the linter loads (they run in
 * other processes). `selectStaged` uses them when its folder lies in `cwd`'s repository.
 */
export function prefetchStaged(cwd: string, { anywhere: wanted = true }: { anywhere?: boolean } = {}): void {
  // Everything staged in the repository (index against HEAD: no look at the working tree, so
  // cheap in a large one), for a commit that stages no migration file anywhere. Only the hook's
  // own shape asks (`--staged` with no folder named): with a folder, that git process is spared.
  if (!wanted) {
    void queryStaged(cwd, cwd);
    return;
  }
  const anywhere = git(['diff', '--cached', '--name-only', '-z', '--diff-filter=ACMR', '--no-renames'], cwd).then((out) => out.split('\0').filter(Boolean));
  anywhere.catch(() => undefined); // not a repository, or no HEAD yet: the full query decides
  stagedAnywhere.set(cwd, anywhere);
  // The status once that answer is in, and only when the commit stages something the linter may
  // read: the CLI waits for that answer before it loads the linter, and has no use for the status
  // before the linter is loaded. Two git processes at once beside Node's start took CPU from each
  // other on 2 cores (the README's hook: +36 ms of CPU and wall against one after the other), and
  // the most frequent hook run (no migration staged) needs no status at all.
  const start = () => void queryStaged(cwd, cwd);
  anywhere.then((paths) => (mayStageLinted(paths) ? start() : undefined), start);
}

/**
 * Whether these staged paths may hold something the linter reads: a file a migrations folder
 * holds (wherever the drizzle config's `out` points), or one the deploy-path rules may read.
 * stagesNothingLinted decides on the deploy-path files by their content.
 */
function mayStageLinted(paths: readonly string[]): boolean {
  return paths.some((path) => mayBeMigrationFile(path) || SOURCE_FILE.test(path) || DEPLOY_FILE.test(path));
}

/** A file a migrations folder holds: its SQL, its journal and snapshots. */
export function mayBeMigrationFile(path: string): boolean {
  return path.endsWith('.sql') || path.endsWith('.json');
}

/** The repository's top folder once per directory (queryStaged and stagesNothingLinted share it). */
const roots = processWide('repo-roots', () => new Map<string, Promise<string | undefined>>());
function repoRootOf(dir: string): Promise<string | undefined> {
  let root = roots.get(dir);
  if (!root) {
    const found = topLevel(dir);
    roots.set(dir, (root = found !== undefined ? Promise.resolve(found) : repoRoot(dir)));
  }
  return root;
}

/** Environment variables that change where git looks for the repository: with any of them set, git is asked. */
const DISCOVERY_ENV = ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_COMMON_DIR', 'GIT_CEILING_DIRECTORIES', 'GIT_DISCOVERY_ACROSS_FILESYSTEM'];

/**
 * What `git rev-parse --show-toplevel` answers for `dir`, found as git finds it (the nearest folder
 * up with a `.git` folder holding HEAD, or a `.git` file pointing elsewhere: a worktree, a
 * submodule), as a real path; undefined when git should be asked (a discovery variable is set, no
 * `.git` is found, or the nearest one is not plainly either). A git process spared on every hook
 * run: starting one costs the main thread ~7 ms here, before the linter loads.
 */
export function topLevel(dir: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (DISCOVERY_ENV.some((name) => env[name] !== undefined)) return undefined;
  let real: string;
  try {
    real = realpathSync.native(dir);
  } catch {
    return undefined;
  }
  const found = enclosingGit(real);
  return found && gitTakes(found.dotGit, found.stat) ? found.dir : undefined;
}

/**
 * A `.git` folder holding HEAD, or a small regular `.git` file starting `gitdir:`. The checkout is
 * untrusted: a `.git` that is a FIFO or a device is never opened (reading one waits forever).
 */
function gitTakes(dotGit: string, stat: Stats): boolean {
  try {
    if (stat.isDirectory()) return statSync(join(dotGit, 'HEAD')).isFile();
    if (!stat.isFile() || stat.size > GITDIR_FILE_BYTES) return false;
    const fd = openSync(dotGit, READ);
    try {
      const head = Buffer.alloc(7);
      return readSync(fd, head, 0, 7, 0) === 7 && head.toString('latin1') === 'gitdir:';
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}

/** A `.git` file is one line (`gitdir: <path>`). */
const GITDIR_FILE_BYTES = 4096;

/** Per working directory: every path staged in its repository (prefetchStaged). */
const stagedAnywhere = processWide('staged-anywhere', () => new Map<string, Promise<string[]>>());

/**
 * True when the CLI's prefetch saw that the commit stages nothing the linter reads, anywhere in
 * the repository: no file a migrations folder holds (`.sql`, `.json`), wherever the drizzle
 * config's `out` points, and nothing the deploy-path rules read (app-paths.ts: deploy files, the
 * drizzle config, sources that name a migrator or an advisory lock; a source is judged by its
 * working copy, which is its staged text in a hook that stashes unstaged changes, as lint-staged
 * does). Then `--staged` has nothing to lint, and the drizzle config need not even be read.
 * False when unknown.
 */
export async function stagesNothingLinted(cwd: string): Promise<boolean> {
  const anywhere = stagedAnywhere.get(cwd);
  if (!anywhere) return false;
  try {
    const paths = await anywhere;
    if (!mayStageLinted(paths)) return true;
    if (paths.some(mayBeMigrationFile)) return false;
    const root = await repoRootOf(cwd);
    if (!root) return false;
    return !paths.some((path) => mayConcernDeployPath(path, (p) => readHead(join(root, p))));
  } catch {
    return false;
  }
}

/** The query prefetchStaged started for `cwd`, if it did. */
export function prefetchedStaged(cwd: string): Promise<StagedQuery> | undefined {
  return stagedQueries.get(`${cwd}\u0000${cwd}`);
}
