import type { Rule, RuleMeta } from './types.js';

/** Where each rule's documentation lives; findings link to it. */
export const DOCS_BASE = 'https://github.com/migration-lint/migration-lint/blob/main/docs/rules/';

export function docsUrl(id: string): string {
  return `${DOCS_BASE}${id}.md`;
}

type RuleDefinition<M extends string> = Omit<Rule<M>, 'meta'> & { meta: RuleMeta<M> };

/**
 * Declare a rule: `id` must equal its file name in src/rules/ and its doc page in docs/rules/
 * (a test checks all four names). The docs URL is derived from the id, never written by hand.
 */
export function defineRule<M extends string>(rule: RuleDefinition<M>): Rule<M> {
  return { ...rule, meta: { ...rule.meta, docsUrl: docsUrl(rule.id) } };
}
