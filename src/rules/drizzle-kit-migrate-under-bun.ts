import { defineRule } from '../engine/define-rule.js';
import { wrapperHelp } from './deploy/wrapper-help.js';

/**
 * `drizzle-kit migrate` hangs or crashes when Bun runs it (bun#23740, bun#22929). The advice of
 * both projects is a programmatic migrate(). Found in package.json scripts, Dockerfiles, compose
 * files, Procfiles and GitHub workflows.
 */
export default defineRule({
  id: 'drizzle-kit-migrate-under-bun',
  meta: {
    description: '`drizzle-kit migrate` run by Bun (bunx, bun run, --bun), where it hangs or crashes instead of applying the migrations.',
    category: 'correctness',
    defaultSeverity: 'warn',
    messages: {
      bun: '`{command}` ({where}) runs drizzle-kit migrate under Bun: {reason}. drizzle-kit migrate hangs or crashes in Bun (bun#23740, bun#22929), so the deploy step stalls or fails without applying anything. (bunx and bun run hand a bin whose shebang is node to Node when Node is installed, unless --bun; images without Node, like oven/bun, run it in Bun.)',
    },
  },
  checkHistory({ appSource, report }) {
    for (const command of appSource?.commands ?? []) {
      if (!command.bun) continue;
      const folder = appSource!.config ? `./${appSource!.config.out}` : './drizzle';
      report({
        messageId: 'bun',
        data: { command: command.text, where: command.where, reason: command.bun },
        help: wrapperHelp(
          { driver: 'postgres-js', connection: 'client' },
          folder,
          'Apply the migrations with drizzle-orm\'s migrate() from a script Bun runs (e.g. `bun run src/db/migrate.ts`), which ends its client when done; or run drizzle-kit with Node (`npx drizzle-kit migrate` in an image that has Node). A script for postgres.js (which Bun runs), with the migration lock:',
        ),
        file: command.file,
        line: command.line,
        column: command.column,
        migration: '',
      });
    }
  },
});
