import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { UsageError } from './errors.js';
import { git, repoRoot } from './git-exec.js';
import { isMigrationOrJournal, prefetchedStaged, queryStaged, type StagedQuery } from './staged-query.js';
import { baseJournal, type GitBaseFacts } from './git.js';

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
  /**
   * --staged: HEAD as the base the commit is compared with (hash-drift, journal-order): the text
   * at HEAD of the migrations and journal the commit changes. A migration this commit adds is
   * not at HEAD, so it is new. A promise: git reads those texts while the run goes on (the
   * folder, the history facts, the context plan), and only the rules need them.
   */
  head?: Promise<GitBaseFacts | undefined>;
  /**
   * --staged: what git does not track in the migrations folder (on disk, not in the commit):
   * absolute paths, a folder none of whose files git tracks as one path ending in the separator.
   * Ask with isUntracked().
   */
  untracked?: Set<string>;
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

/** The staged migrations, and the index content of files whose working copy differs from it. */
export async function selectStaged(dir: string, cwd: string): Promise<Selection> {
  const from = existsSync(dir) ? dir : cwd;
  const prefetched = prefetchedStaged(cwd);
  const query = await (prefetched && isInside(dir, cwd) && !nestedRepository(from, cwd) ? prefetched : queryStaged(from, dir));
  const root = query.root;
  if (!root) throw new UsageError(`--staged needs a git repository, and ${from} is not inside one`);
  const inDir = (file: string) => isInside(resolve(root, file), dir);
  const staged = new Set(query.staged.filter(inDir).map((file) => resolve(root, file)));
  const unstaged = query.unstaged.filter(inDir);
  // The index's text where the working tree differs, and what HEAD has of the migrations and the
  // journal this commit changes (the base it is compared with), side by side.
  const changedAtHead = query.head ? query.modified.filter((file) => inDir(file) && isMigrationOrJournal(file)) : [];
  const indexTexts = await gitTexts(unstaged.map((file) => [file, `:${file}`]), root);
  const content = new Map<string, string>();
  for (const [file, text] of indexTexts) content.set(resolve(root, file), text);
  const commit = query.head;
  const head = commit && changedAtHead.length ? textsAtHead(query, changedAtHead).then((texts) => headFacts(commit, root, texts)) : undefined;
  head?.catch(() => undefined); // awaited where the rules need it; a run that ends before then must not crash
  // Files git does not track (drizzle-kit's new journal or snapshot, not added yet): not in the commit.
  const untracked = new Set(query.untracked.map((file) => resolve(root, file) + (file.endsWith('/') ? sep : '')));
  return { files: staged, describe: 'staged', staged: content, ...(head ? { head } : {}), ...(untracked.size ? { untracked } : {}) };
}

/** --staged: true when `path` (absolute) is on disk but not in the commit: git does not track it or a folder holding it. */
export function isUntracked(selection: Selection | undefined, path: string): boolean {
  const untracked = selection?.untracked;
  if (!untracked) return false;
  if (untracked.has(path)) return true;
  for (let at = path.lastIndexOf(sep); at > 0; at = path.lastIndexOf(sep, at - 1)) if (untracked.has(path.slice(0, at + 1))) return true;
  return false;
}

/** `git show` of each object (`:path`, `<commit>:path`), eight git processes at a time at most: the texts git could give, by path. */
async function gitTexts(objects: [file: string, object: string][], root: string): Promise<Map<string, string>> {
  const texts = new Map<string, string>();
  for (let i = 0; i < objects.length; i += 8) {
    const batch = objects.slice(i, i + 8);
    const shown = await Promise.all(batch.map(([, object]) => tryGit(['show', object], root)));
    batch.forEach(([file], j) => {
      if (shown[j] !== undefined) texts.set(file, shown[j]!);
    });
  }
  return texts;
}

/** HEAD's text of these files, as the staged query started reading them. */
async function textsAtHead(query: StagedQuery, files: readonly string[]): Promise<Map<string, string>> {
  const texts = new Map<string, string>();
  for (const file of files) {
    const text = await query.atHead?.get(file);
    if (text !== undefined) texts.set(file, text);
  }
  return texts;
}

/** HEAD as a git base (what `--since HEAD` would read), from the texts of the files the commit changes. */
function headFacts(commit: string, root: string, texts: Map<string, string>): GitBaseFacts {
  const facts: GitBaseFacts = { ref: 'HEAD', commit, root, blobs: new Map(), changed: new Map(), changedByPath: new Map() };
  for (const [rel, text] of texts) {
    if (rel.endsWith('meta/_journal.json')) {
      try {
        facts.journal = baseJournal(text);
      } catch {
        facts.journalProblem = 'not valid JSON';
      }
      continue;
    }
    facts.changed.set(rel, text);
    facts.changedByPath.set(resolve(root, rel), { rel, text });
  }
  return facts;
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
