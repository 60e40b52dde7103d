import { packageFile } from '../../package-info.js';
import { readFileSync } from 'node:fs';
import type { Streams } from '../../cli.js';
import { rules } from '../../rules/index.js';
import { UsageError } from '../../runner/errors.js';
import { didYouMean } from '../../engine/did-you-mean.js';

/** `migration-lint explain <rule>`: the rule's documentation page, in the terminal. */
export default async function explain(argv: string[], io: Streams): Promise<number> {
  const id = argv[0];
  if (!id || argv.length > 1) throw new UsageError('explain needs one rule id', 'usage: migration-lint explain <rule>   (migration-lint rules lists them)');
  // Own keys only: `explain constructor` is not Object.prototype's.
  const rule = Object.hasOwn(rules, id) ? rules[id] : undefined;
  if (!rule) {
    throw new UsageError(`unknown rule "${id}"${didYouMean(id, Object.keys(rules))}`, 'run `migration-lint rules` for the list');
  }
  const doc = readFileSync(packageFile(`docs/rules/${id}.md`), 'utf8').replace(/^---\n[\s\S]*?\n---\n+/, '');
  io.stdout.write(`${doc.trimEnd()}\n\nDefault severity: ${rule.meta.defaultSeverity} · category: ${rule.meta.category} · ${rule.meta.docsUrl}\n`);
  return 0;
}
