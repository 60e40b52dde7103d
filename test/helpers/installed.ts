import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

let packed: string[] | undefined;

/** The files `npm pack` puts in the package (from the current build; no scripts run). */
export function packedFiles(): string[] {
  if (!packed) {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    packed = (JSON.parse(out) as { files: { path: string }[] }[])[0].files.map((f) => f.path).sort();
  }
  return packed;
}

/**
 * migration-lint as a project installs it: exactly the files of the package (`npm pack`) in
 * `<root>/node_modules/migration-lint`, with the repository's installed packages linked beside
 * it except `without` (a package the project did not install). `<root>` is the project; its
 * CLI is `<root>/node_modules/migration-lint/bin/migration-lint.js`.
 */
export function installedCopy(root: string, without: readonly string[] = []): { project: string; bin: string } {
  const modules = join(root, 'node_modules');
  const pkg = join(modules, 'migration-lint');
  for (const file of packedFiles()) {
    mkdirSync(dirname(join(pkg, file)), { recursive: true });
    cpSync(resolve(file), join(pkg, file));
  }
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
