import type { Streams } from '../../cli.js';
import { ruleList } from '../../rules/index.js';
import { UsageError } from '../../runner/errors.js';

/** `migration-lint rules [--format json]`: every rule with its category, default severity and description. */
export default async function rules(argv: string[], io: Streams): Promise<number> {
  const json = argv.includes('--format=json') || (argv[0] === '--format' && argv[1] === 'json');
  if (argv.length > 0 && !json) throw new UsageError(`rules: unexpected argument "${argv[0]}"`, 'usage: migration-lint rules [--format json]');
  if (json) {
    io.stdout.write(JSON.stringify(ruleList.map((r) => ({ id: r.id, category: r.meta.category, severity: r.meta.defaultSeverity, description: r.meta.description, docs: r.meta.docsUrl })), null, 2) + '\n');
    return 0;
  }
  // Each column as wide as its widest cell, header included.
  const rows = [['rule', 'category', 'default', 'description'], ...[...ruleList].sort((a, b) => a.id.localeCompare(b.id)).map((r) => [r.id, r.meta.category, String(r.meta.defaultSeverity), r.meta.description])];
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((row) => row[c].length)));
  const table = rows.map((row) => row.map((cell, c) => (c < 3 ? cell.padEnd(widths[c]) : cell)).join('  ')).join('\n');
  io.stdout.write(`${table}\n\nChange a severity with --rule <id>=off|warn|error or "rules" in migration-lint.config.json; read one with: migration-lint explain <id>\n`);
  return 0;
}
