import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { rules } from '../src/rules/index.js';

const readme = readFileSync('README.md', 'utf8');

describe('README', () => {
  it('lists every rule in the rules table with its category and default severity', () => {
    for (const rule of Object.values(rules)) {
      expect(readme).toContain(`| [${rule.id}](docs/rules/${rule.id}.md) | ${rule.meta.category} | ${rule.meta.defaultSeverity} |`);
    }
  });

  it('states the two fresh-clone commands that .ci/run runs', () => {
    const ci = readFileSync('.ci/run', 'utf8');
    expect(readme).toContain('npm ci && npm run example');
    expect(readme).toContain('npm test ');
    expect(ci).toContain('npm ci');
    expect(ci).toContain('npm run example');
    expect(ci).toContain('npm test');
  });

  it('is written for users: benchmark internals (the corpus, its folders) live in docs/performance.md', () => {
    expect(readme).not.toContain('../shared');
    expect(readme).not.toMatch(/\b[\w-]+__[\w-]+\b/); // corpus folders are named owner__repo
    expect(readme).toContain('[docs/performance.md](docs/performance.md)');
    const performance = readFileSync('docs/performance.md', 'utf8');
    expect(performance).toContain('../shared/corpus');
    expect(performance).toContain('simstudioai__sim');
  });

  it('documents every subcommand, the exit code of warnings, and what the example catches', () => {
    for (const command of ['rules', 'explain', 'lock', 'verify', 'baseline']) expect(readme).toContain(`migration-lint ${command}`);
    expect(readme).toContain('Warnings alone exit 0; pass `--max-warnings 0` to fail on any warning');
    expect(readme).toContain('This is caught three times');
  });
});
