import { statSync, type Stats } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The nearest folder from `dir` (a real path) up that holds a `.git` entry (a folder, or a file:
 * a worktree's, a submodule's), with what `stat` says of it; undefined when none does. Shared by
 * the project's boundary (files.ts `projectRoot`) and `--staged`'s repository root
 * (staged-query.ts `topLevel`), which also checks that git would take it. Small: the CLI's front
 * bundle uses it.
 */
export function enclosingGit(dir: string): { dir: string; dotGit: string; stat: Stats } | undefined {
  for (let at = dir; ; ) {
    const dotGit = join(at, '.git');
    let stat: Stats | undefined;
    try {
      stat = statSync(dotGit);
    } catch {
      // no `.git` here
    }
    if (stat) return { dir: at, dotGit, stat };
    const parent = dirname(at);
    if (parent === at) return undefined;
    at = parent;
  }
}
