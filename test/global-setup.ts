import { execFileSync } from 'node:child_process';

/** CLI tests run the real binary, which runs dist/: build it once, fresh, before any test. */
export default function setup(): void {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });
}
