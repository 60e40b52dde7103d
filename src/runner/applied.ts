import { existsSync } from 'node:fs';
import { sha256 } from '../engine/hash.js';
import { displayPath } from './drizzle-config.js';
import { repoRoot } from './git-exec.js';
import { repoPath, type GitBaseFacts } from './git.js';
import type { Project } from './project.js';
import { resolveSince } from './selection.js';
import { UsageError } from './errors.js';

/**
 * Never edit history: `--fix` changes only a migration that cannot have been applied anywhere.
 * Every record of applied migrations the run has is asked, and any one of them that has the
 * migration is a reason to refuse, said as such:
 *
 * - the git base: `--since REF` (or the pull request's base in CI), the migration's file at the
 *   merge base or its entry in the base's journal; for `--staged`, HEAD;
 * - `migration-lint.lock.json` (written by `migration-lint lock` once migrations are deployed);
 * - `__drizzle_migrations`, with `--database-url` (a row with the file's hash or the entry's `when`).
 *
 * A run with none of these (no base, no lock file, no database) takes HEAD as the base: a committed
 * migration may have been pushed and deployed. Outside a git repository, with no lock file and no
 * database, nothing says what was applied, and nothing is fixed.
 */
export interface AppliedRecords {
  /** Why the migration may have been applied somewhere; undefined when no record has it. */
  why(migration: { tag: string; path: string; when?: number }, text: string): string | undefined;
}

export interface RecordOptions {
  project: Project;
  cwd: string;
  since?: string;
  staged?: boolean;
  env?: NodeJS.ProcessEnv;
  /** drizzle's bookkeeping rows (read-only), with `--database-url`. */
  database?: { url: string; table: string; rows: { hash: string; createdAt: number }[] };
}

export async function appliedRecords(options: RecordOptions): Promise<AppliedRecords> {
  const { project, cwd } = options;
  const dir = project.dir;
  const since = resolveSince(options.since, cwd, options.env);
  const lock = dir ? await readLockFile(dir, project) : undefined;
  const checks: ((m: { tag: string; path: string; when?: number }, text: string) => string | undefined)[] = [];

  const explicitBase = since !== undefined || options.staged === true;
  if (explicitBase || (!lock && !options.database)) {
    const ref = since ?? 'HEAD';
    const where = dir && existsSync(dir) ? dir : cwd;
    const base = await gitBase(ref, where, since !== undefined);
    if (base === 'no-repository') {
      if (explicitBase) throw new UsageError(`${since !== undefined ? '--since' : '--staged'} needs a git repository`);
      checks.push(() => 'nothing records where migrations were applied: this is not a git repository, and there is no migration-lint.lock.json or --database-url; record the deployed migrations with `migration-lint lock`');
    } else if (base) {
      const shown = since !== undefined ? since : 'HEAD';
      const hint = explicitBase ? '' : '; if it is new on this branch, pass --since <the branch it will be merged into>';
      checks.push((m) => {
        const inBase = base.blobs.has(repoPath(base.root, m.path)) || base.journal?.entries.some((e) => e.tag === m.tag);
        return inBase ? `${m.tag} is committed at ${shown}, and may have been deployed from there${hint}` : undefined;
      });
    }
  }
  if (lock) {
    const shown = displayPath(lock.file, cwd);
    checks.push((m) => (lock.tags.has(m.tag) ? `${shown} records ${m.tag} as deployed` : undefined));
  }
  if (options.database) {
    const { url, table, rows } = options.database;
    checks.push((m, text) => {
      const hash = sha256(text);
      return rows.some((r) => r.hash === hash || (m.when !== undefined && r.createdAt === m.when)) ? `${table} at ${url} records ${m.tag} as applied` : undefined;
    });
  }
  return {
    why(migration, text) {
      for (const check of checks) {
        const reason = check(migration, text);
        if (reason) return reason;
      }
      return undefined;
    },
  };
}

async function readLockFile(dir: string, project: Project): Promise<{ file: string; tags: Set<string> } | undefined> {
  const { readLock, lockPath } = await import('./lockfile.js');
  const read = readLock(dir, project.files);
  if (!read) return undefined;
  // An unreadable lock file records something: treat every migration as recorded.
  if (read.problem) throw new UsageError(`${lockPath(dir)}: ${read.problem}`, 'repair it (migration-lint lock --force rewrites it) before --fix');
  return { file: lockPath(dir), tags: new Set(Object.keys(read.lock?.migrations ?? {})) };
}

/** The files (at the merge base) and journal (at the tip) of the base; undefined for a repository without commits. */
async function gitBase(ref: string, dir: string, mergeBase: boolean): Promise<GitBaseFacts | 'no-repository' | undefined> {
  const root = await repoRoot(dir);
  if (!root) return 'no-repository';
  const { git } = await import('./git-exec.js');
  if (ref === 'HEAD') {
    try {
      await git(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], root);
    } catch {
      return undefined; // no commit yet: nothing is committed
    }
  }
  const { gitBaseFacts } = await import('./git.js');
  let base: string | undefined;
  if (mergeBase) {
    try {
      base = (await git(['merge-base', ref, 'HEAD'], root)).trim() || undefined;
    } catch {
      base = undefined;
    }
  }
  return gitBaseFacts(ref, dir, [], base);
}
