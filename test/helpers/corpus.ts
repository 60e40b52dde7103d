import { existsSync } from 'node:fs';
import { it } from 'vitest';

/**
 * The real-world histories (nine drizzle-kit migration folders) live beside the repository, not
 * in it. In a clone without them, the tests that read them are skipped, and the run says so in
 * one line (test/global-setup.ts). Assertions that need a real-world case in every clone use
 * fixtures/corpus-excerpts instead.
 */
export const CORPUS = '../shared/corpus';
export const hasCorpus = existsSync(CORPUS);

/** A test that reads ../shared/corpus: skipped without it. */
export const corpusIt: ReturnType<typeof it.skipIf> = it.skipIf(!hasCorpus);

/** The line a run without the corpus prints once. */
export const CORPUS_MISSING = `migration-lint tests: ${CORPUS} is not beside this clone, so the tests that read the real-world corpus are skipped (what it holds and where it comes from: docs/performance.md, "The real-world corpus")`;
