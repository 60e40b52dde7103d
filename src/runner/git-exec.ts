import { builtin } from '../runtime.js';

/**
 * The runner's one way to run git: execFile (no shell), bounded time, no optional locks. A module
 * of its own, small, because the CLI's front bundle starts --staged's git calls with it before
 * the linter loads (staged-query.ts).
 */

/** A git call that takes longer is stopped (a hung credential prompt, a network filesystem). */
const GIT_TIMEOUT = 30_000;

export async function git(args: string[], cwd: string): Promise<string> {
  // Loaded on the first git call: runs without --staged / --since never need it.
  const { execFile } = builtin('node:child_process');
  return new Promise((resolvePromise, reject) => {
    execFile('git', args, { cwd, maxBuffer: 256 * 1024 * 1024, timeout: GIT_TIMEOUT, encoding: 'buffer', env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' } }, (error, stdout, stderr) => {
      if (error) {
        const message = Buffer.isBuffer(stderr) && stderr.length > 0 ? stderr.toString().trim() : error.message;
        reject(Object.assign(new Error(message), { code: (error as NodeJS.ErrnoException).code }));
      } else resolvePromise(stdout.toString());
    });
  });
}

/** Repository root of `dir`, or undefined when it is not inside a git work tree. */
export async function repoRoot(dir: string): Promise<string | undefined> {
  try {
    return (await git(['rev-parse', '--show-toplevel'], dir)).trim();
  } catch {
    return undefined;
  }
}
