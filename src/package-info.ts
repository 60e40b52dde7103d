import { readFileSync } from 'node:fs';

/**
 * Files shipped with the package (package.json, docs/), found from this module whatever the
 * build layout: the compiled tree (dist/…/x.js) or the bundle (dist/bundle/x.js) sit at
 * different depths, so walk up to the package.json named migration-lint.
 */
let root: URL | undefined;

export function packageFile(path: string): URL {
  if (!root) {
    for (let dir = new URL('./', import.meta.url); ; dir = new URL('../', dir)) {
      try {
        const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as { name?: string };
        if (pkg.name === 'migration-lint') {
          root = dir;
          break;
        }
      } catch {
        // no package.json here: go up
      }
      if (dir.pathname === '/') throw new Error('migration-lint: its package.json is missing; reinstall it');
    }
  }
  return new URL(path, root);
}

let version: string | undefined;

/** The version in package.json. */
export function packageVersion(): string {
  version ??= (JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { version: string }).version;
  return version;
}
