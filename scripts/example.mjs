// `npm run example`: lint the bundled example project the way a user would (`npx migration-lint`
// in the folder holding drizzle.config.ts). The example contains real mistakes, so the linter
// exits 1; this script succeeds when that happens and fails on anything else.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = fileURLToPath(new URL('../bin/migration-lint.js', import.meta.url));
const run = spawnSync(process.execPath, [bin, ...process.argv.slice(2)], { cwd: `${root}examples/shop`, stdio: 'inherit' });
if (run.status === 1) {
  console.log('\n(exit code 1: migration-lint found the mistakes planted in examples/shop, as expected)');
} else {
  console.error(`\nexpected exit code 1 (errors found in the example), got ${run.status ?? run.signal}`);
  process.exitCode = 1;
}
