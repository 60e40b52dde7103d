import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { UsageError } from './errors.js';
import { git, repoRoot } from './git.js';

/**
 * Which migrations a run reports on. Statement rules report only on selected migrations (the
 * rest of the history is replayed as context); integrity rules always see the whole history.
 */
export interface Selection {
  /** Absolute paths of the files selected, or undefined for "everything". */
  files?: Set<string>;
  /** Human description for messages: `changed since origin/main`, `staged`. */
  describe: string;
  /** For --staged: file text from the git index where it differs from the working tree. */
  staged?: Map<string, string>;
  /** The git base revision used (resolved merge-base), for integrity rules that compare against it. */
  base?: string;
}

/** git through the runner's one git helper (bounded time, no optional locks); undefined on failure. */
async function tryGit(args: string[], cwd: string): Promise<string | undefined> {
  try {
    return await git(args, cwd);
  } catch {
    return undefined;
  }
}

async function requireRepo(cwd: string, flag: string): Promise<string> {
  const root = await repoRoot(cwd);
  if (!root) throw new UsageError(`${flag} needs a git repository, and ${cwd} is not inside one`);
  return root;
}

/**
 * The base to compare a change with. `--since` wins; in a GitHub Actions pull request the base
 * branch is found from GITHUB_BASE_REF (fetched when the checkout is shallow).
 */
export function resolveSince(since: string | undefined, cwd: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (since !== undefined) return since;
  if (env.GITHUB_ACTIONS === 'true' && env.GITHUB_BASE_REF) return `origin/${env.GITHUB_BASE_REF}`;
  return undefined;
}

/** Migrations added or changed since `ref` (compared with the merge base, as a pull request is). */
export async function selectSince(ref: string, dir: string, cwd: string): Promise<Selection> {
  // The repository is the one holding the migrations, wherever the command runs from.
  const root = await requireRepo(existsSync(dir) ? dir : cwd, '--since');
  if ((await tryGit(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], root)) === undefined) await fetchBase(ref, root);
  const base = (await tryGit(['merge-base', ref, 'HEAD'], root))?.trim() || (await tryGit(['rev-parse', ref], root))?.trim();
  if (!base) throw new UsageError(`--since ${ref}: no common history with HEAD`, 'fetch the full history (actions/checkout with fetch-depth: 0)');
  const rel = relative(root, dir) || '.';
  const changed = await git(['diff', '--name-only', '--diff-filter=ACMR', base, '--', rel], root);
  const untracked = await git(['ls-files', '--others', '--exclude-standard', '--', rel], root);
  return { files: toAbsolute(root, changed + untracked), describe: `added or changed since ${ref}`, base };
}

/** In CI the base branch may be missing from a shallow clone: fetch it, or say what to change. */
async function fetchBase(ref: string, root: string): Promise<void> {
  const remote = /^origin\/(.+)$/.exec(ref);
  if (remote && (await tryGit(['fetch', '--no-tags', '--quiet', 'origin', `+refs/heads/${remote[1]}:refs/remotes/${ref}`], root)) !== undefined) {
    if ((await tryGit(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], root)) !== undefined) {
      // A shallow clone also lacks the merge base: deepen until it is there (bounded).
      for (let i = 0; i < 6 && (await tryGit(['merge-base', ref, 'HEAD'], root)) === undefined; i++) {
        if ((await tryGit(['fetch', '--no-tags', '--quiet', '--deepen=200', 'origin', `+refs/heads/${remote[1]}:refs/remotes/${ref}`], root)) === undefined) break;
      }
      return;
    }
  }
  throw new UsageError(`--since ${ref}: no such revision in this clone`, 'with actions/checkout, set `fetch-depth: 0` (or fetch the base branch) before running migration-lint');
}

/** What `git diff` says is staged and unstaged under a directory, with the repository root. */
interface StagedQuery {
  root: string | undefined;
  /** Repository-relative, `/` separated. */
  staged: string[];
  unstaged: string[];
}

const stagedQueries = new Map<string, Promise<StagedQuery>>();

/**
 * One round of git: the repository root and the status run side by side (a pre-commit hook
 * waits for every round). Memoised per directory, so the CLI can start it before it loads the
 * linter (`prefetchStaged`) and the run picks it up.
 */
function queryStaged(from: string, under: string): Promise<StagedQuery> {
  const cacheKey = `${from}\u0000${under}`;
  let query = stagedQueries.get(cacheKey);
  if (!query) {
    const spec = relative(from, under) || '.';
    // One `git status` says both what is staged and what differs in the working tree.
    const status = git(['status', '--porcelain=v2', '-z', '--untracked-files=no', '--ignored=no', '--', spec], from).then(parseStatus);
    status.catch(() => undefined); // not a repository: repoRoot says so below
    query = repoRoot(from).then(async (root) => (root ? { root, ...(await status) } : { root, staged: [], unstaged: [] }));
    query.catch(() => undefined); // a prefetch nobody awaits must not crash the process
    stagedQueries.set(cacheKey, query);
  }
  return query;
}

/**
 * `git status --porcelain=v2 -z` (paths relative to the repository root, whatever the settings):
 * staged are the files added, copied, modified or renamed in the index (`git diff --cached
 * --diff-filter=ACMR`), unstaged those whose working copy differs from the index (`git diff`).
 */
export function parseStatus(output: string): { staged: string[]; unstaged: string[] } {
  const staged: string[] = [];
  const unstaged: string[] = [];
  const records = output.split('\0');
  for (let i = 0; i < records.length; i++) {
    const record = records[i];
    const type = record[0];
    // `1 XY sub mH mI mW hH hI path`, `2 XY sub mH mI mW hH hI Xscore path` + `\0origPath`, `u XY sub m1 m2 m3 mW h1 h2 h3 path`
    const fields = type === '1' ? 8 : type === '2' ? 9 : type === 'u' ? 10 : -1;
    if (fields < 0) continue;
    const path = record.split(' ').slice(fields).join(' ');
    if (type === '2') i++; // the original path of a rename or copy
    const [x, y] = [record[2], record[3]];
    if (type !== 'u' && 'ACMR'.includes(x)) staged.push(path);
    if (y !== '.') unstaged.push(path);
  }
  return { staged, unstaged };
}

/**
 * Start `--staged`'s git calls for everything under `cwd` while the linter loads (they run in
 * other processes). `selectStaged` uses them when its folder lies in `cwd`'s repository.
 */
export function prefetchStaged(cwd: string): void {
  void queryStaged(cwd, cwd);
}

/** The staged migrations, and the index content of files whose working copy differs from it. */
export async function selectStaged(dir: string, cwd: string): Promise<Selection> {
  const from = existsSync(dir) ? dir : cwd;
  const prefetched = stagedQueries.get(`${cwd}\u0000${cwd}`);
  const query = await (prefetched && isInside(dir, cwd) && !nestedRepository(from, cwd) ? prefetched : queryStaged(from, dir));
  const root = query.root;
  if (!root) throw new UsageError(`--staged needs a git repository, and ${from} is not inside one`);
  const inDir = (file: string) => isInside(resolve(root, file), dir);
  const staged = new Set(query.staged.filter(inDir).map((file) => resolve(root, file)));
  const unstaged = query.unstaged.filter(inDir);
  const content = new Map<string, string>();
  const texts: (string | undefined)[] = [];
  for (let i = 0; i < unstaged.length; i += 8) {
    // Eight git processes at a time at most.
    texts.push(...(await Promise.all(unstaged.slice(i, i + 8).map((file) => tryGit(['show', `:${file}`], root)))));
  }
  unstaged.forEach((file, i) => {
    const text = texts[i];
    if (text !== undefined) content.set(resolve(root, file), text);
  });
  return { files: staged, describe: 'staged', staged: content };
}

function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** A `.git` between `dir` and `top` (a submodule, a nested clone): its files are not `top`'s repository's. */
function nestedRepository(dir: string, top: string): boolean {
  for (let d = resolve(dir); d !== resolve(top) && isInside(d, top); d = dirname(d)) {
    if (existsSync(join(d, '.git'))) return true;
  }
  return false;
}

function toAbsolute(root: string, output: string): Set<string> {
  return new Set(
    output
      .split('\n')
      .filter(Boolean)
      .map((f) => resolve(root, f.split('/').join(sep))),
  );
}
