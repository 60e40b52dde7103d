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
});
