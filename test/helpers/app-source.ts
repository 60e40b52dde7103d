import { runEngine } from '../../src/engine/linter.js';
import type { AppSourceFacts, Finding, Rule } from '../../src/engine/types.js';
import { analyzeAppSource } from '../../src/runner/app-source.js';
import { readDrizzleConfig } from '../../src/runner/drizzle-config.js';

/** The deploy-path facts of a fixture project (its drizzle config), or of files matched by `appFiles` globs, as the runner reads them. */
export async function appFacts(where: { config: string } | { patterns: string[] }): Promise<AppSourceFacts> {
  const cwd = process.cwd();
  // `await`: the config reader may be asynchronous (oxc-parser static evaluation).
  return 'config' in where ? analyzeAppSource({ cwd, config: await readDrizzleConfig(where.config) }) : analyzeAppSource({ cwd, patterns: where.patterns });
}

/** One rule's findings on those facts, through the engine. */
export function appFindings(rule: Rule, appSource: AppSourceFacts | undefined, severity: 'warn' | 'error' | 'off' = rule.meta.defaultSeverity as 'warn' | 'error'): Finding[] {
  return runEngine({ migrations: [], rules: [rule], settings: { pgVersion: 16, rules: { [rule.id]: severity } }, appSource }).findings;
}
