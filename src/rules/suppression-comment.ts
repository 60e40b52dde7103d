import { defineRule } from '../engine/define-rule.js';

/**
 * Reported by the engine for `-- migration-lint-ignore…` comments that cannot be trusted:
 * no reason, an unknown rule id, or nothing suppressed. It has no check of its own.
 */
export default defineRule({
  id: 'suppression-comment',
  meta: {
    description: 'A migration-lint-ignore comment without a reason, naming an unknown rule, or suppressing nothing.',
    category: 'convention',
    defaultSeverity: 'error',
    messages: {
      missingReason: 'This migration-lint-ignore comment has no reason, so it suppresses nothing: write why after a colon.',
      unknownRule: 'migration-lint-ignore names "{rule}", which is not a migration-lint rule{suggestion}.',
      unused: 'migration-lint-ignore {rule} suppresses nothing here: {scope} has no {rule} finding.',
    },
    help: {
      missingReason: '-- migration-lint-ignore {rules}: <why this is safe here>',
      unknownRule: 'Run `migration-lint rules` for the rule ids.',
      unused: 'Delete the comment (or move it to the line before the statement it is about).',
    },
  },
});
