import { isAbsolute, relative, resolve, sep } from 'node:path';
import { repoRoot } from './git-exec.js';

/**
 * Where CI reports' paths start. GitHub annotations, code-scanning alerts (SARIF) and GitLab
 * Code Quality attach to a file by its path in the repository, whatever folder the linter ran
 * in (`working-directory: packages/db`): the workspace the CI checked out (GITHUB_WORKSPACE,
 * CI_PROJECT_DIR), else the git repository's top level; undefined outside any.
 */
export async function reportRoot(cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const workspace = env.GITHUB_WORKSPACE || env.CI_PROJECT_DIR;
  if (workspace) return resolve(workspace);
  return repoRoot(cwd);
}

/** A display path (relative to `cwd`, or absolute) as a `/`-separated path from `root`; unchanged when it lies outside. */
export function fromRoot(root: string, cwd: string): (file: string) => string {
  return (file) => {
    const rel = relative(root, resolve(cwd, file));
    return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel.split(sep).join('/') : file;
  };
}
