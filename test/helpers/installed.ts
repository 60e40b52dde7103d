import { cpSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * migration-lint as a project installs it: the package's files (bin, dist, docs, package.json)
 * in `<root>/node_modules/migration-lint`, with the repository's installed packages linked
 * beside it except `without` (a package the project did not install). `<root>` is the
 * project; its CLI is `<root>/node_modules/migration-lint/bin/migration-lint.js`.
 */
export function installedCopy(root: string, without: readonly string[] = []): { project: string; bin: string } {
  const modules = join(root, 'node_modules');
  const pkg = join(modules, 'migration-lint');
  mkdirSync(pkg, { recursive: true });
  for (const entry of ['bin', 'dist', 'docs', 'package.json']) cpSync(resolve(entry), join(pkg, entry), { recursive: true });
  for (const name of readdirSync('node_modules')) {
    if (name.startsWith('.')) continue;
    if (name.startsWith('@')) {
      for (const sub of readdirSync(join('node_modules', name))) {
        if (without.includes(`${name}/${sub}`)) continue;
        mkdirSync(join(modules, name), { recursive: true });
        symlinkSync(resolve('node_modules', name, sub), join(modules, name, sub));
      }
    } else if (!without.includes(name)) symlinkSync(resolve('node_modules', name), join(modules, name));
  }
  return { project: root, bin: join(pkg, 'bin', 'migration-lint.js') };
}
