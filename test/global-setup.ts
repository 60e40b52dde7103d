import { execFileSync } from 'node:child_process';
import { CORPUS_MISSING, hasCorpus } from './helpers/corpus.js';

/**
 * CLI tests run the real binary, which runs dist/bundle/: build (tsc, then the bundle) once, fresh, before any test.
 * ML_SKIP_BUILD=1 skips it when you have just built (or are iterating on a test alone).
 */
export default function setup(): void {
  if (!hasCorpus) console.log(CORPUS_MISSING);
  if (process.env.ML_SKIP_BUILD === '1') return;
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });
  execFileSync(process.execPath, ['scripts/bundle.mjs'], { stdio: 'inherit' });
}
