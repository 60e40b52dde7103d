import { gitBlobId } from '../engine/hash.js';
import { realpathSync } from 'node:fs';
import { relative, sep } from 'node:path';
import { UsageError } from './errors.js';
import { git, repoRoot } from './git-exec.js';

/**
 * Facts about the migrations folder at a git base revision (`--since REF`, or the PR base in CI):
 * the journal as it was, and the text of every migration file that existed then and differs now.
 * Only git plumbing via execFile (no shell), paths relative to the repository root.
 */
export interface GitBaseFacts {
  /** The revision as given, and the commit it resolves to. */
  ref: string;
  commit: string;
  /** Repository root (absolute). */
  root: string;
  /** The journal at the base, when the folder had one there (undefined: the folder or journal is new). */
  journal?: { entries: { tag: string; when: number; idx: number }[] };
  /** The journal existed at the base but could not be read. */
  journalProblem?: string;
  /** Paths (relative to the root, `/` separated) of the files under the folder at the base, with their blob ids. */
  blobs: Map<string, string>;
  /** Base text of the files that exist at the base and whose blob differs from the current text, by repo-relative path. */
  changed: Map<string, string>;
  /** The same, by the file's absolute path as the runner knows it, with its repo-relative path (rules do no path work). */
  changedByPath: Map<string, { rel: string; text: string }>;
}

async function listBlobs(root: string, commit: string, folder: string): Promise<Map<string, string>> {
  const listing = await git(['ls-tree', '-r', '-z', '--full-tree', commit, '--', folder === '' ? '.' : folder], root);
  const blobs = new Map<string, string>();
  for (const record of listing.split('\0')) {
    const tab = record.indexOf('\t');
    if (tab < 0) continue;
    const [, type, sha] = record.slice(0, tab).split(' ');
    if (type === 'blob') blobs.set(record.slice(tab + 1), sha);
  }
  return blobs;
}

export function repoPath(root: string, absolute: string): string {
  let real: string;
  try {
    real = realpathSync(absolute);
  } catch {
    real = absolute;
  }
  return relative(realpathSync(root), real).split(sep).join('/');
}

/**
 * Read the migrations folder `dir` at revision `ref`. `current` maps each migration's absolute
 * path to the text being linted: only files whose blob differs are read from git.
 */
export async function gitBaseFacts(ref: string, dir: string, current: { path: string; text: string }[], mergeBase?: string): Promise<GitBaseFacts> {
  const root = await repoRoot(dir);
  if (!root) throw new UsageError(`--since ${ref}: ${dir} is not inside a git repository`, 'run migration-lint inside the repository, or drop --since');
  let commit: string;
  try {
    commit = (await git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], root)).trim();
  } catch {
    commit = '';
  }
  if (!commit) throw new UsageError(`--since ${ref}: no such git revision`, 'fetch it first (CI checkouts are often shallow: `git fetch origin <branch>`), or pass an existing branch, tag or commit');
  const folder = repoPath(root, dir);
  // The journal is compared with the base's tip (a branch merged there since this one forked
  // counts); files with the merge base (what this change started from), when it is known.
  const tip = await listBlobs(root, commit, folder);
  const fileCommit = mergeBase && mergeBase !== commit ? mergeBase : commit;
  const blobs = fileCommit === commit ? tip : await listBlobs(root, fileCommit, folder);
  const facts: GitBaseFacts = { ref, commit, root, blobs, changed: new Map(), changedByPath: new Map() };
  const journalPath = `${folder === '' ? '' : `${folder}/`}meta/_journal.json`;
  const journalBlob = tip.get(journalPath);
  if (journalBlob) {
    try {
      facts.journal = baseJournal(await git(['cat-file', 'blob', journalBlob], root));
    } catch (error) {
      facts.journalProblem = (error as Error).message;
    }
  }
  await Promise.all(
    current.map(async ({ path, text }) => {
      const rel = repoPath(root, path);
      const sha = blobs.get(rel);
      if (!sha || sha === gitBlobId(Buffer.from(text, 'utf8'))) return;
      const baseText = await git(['cat-file', 'blob', sha], root);
      facts.changed.set(rel, baseText);
      facts.changedByPath.set(path, { rel, text: baseText });
    }),
  );
  return facts;
}

/** The entries of a journal's text at a base (throws when it is not JSON). */
export function baseJournal(text: string): NonNullable<GitBaseFacts['journal']> {
  const json = JSON.parse(text) as { entries?: { tag?: unknown; when?: unknown; idx?: unknown }[] };
  const entries = Array.isArray(json.entries) ? json.entries : [];
  return { entries: entries.filter((e) => e && typeof e.tag === 'string').map((e, i) => ({ tag: e.tag as string, when: Number(e.when), idx: Number(e.idx ?? i) })) };
}
