/**
 * The base to compare a change with. `--since` wins; in a GitHub Actions pull request the base
 * branch is found from GITHUB_BASE_REF (fetched when the checkout is shallow). A module of its
 * own: the CLI's front asks it before the linter loads.
 */
export function resolveSince(since: string | undefined, _cwd: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (since !== undefined) return since;
  if (env.GITHUB_ACTIONS === 'true' && env.GITHUB_BASE_REF) return `origin/${env.GITHUB_BASE_REF}`;
  return undefined;
}
