import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';

const require = createRequire(import.meta.url);
const temp = mkdtempSync(join(tmpdir(), 'ml-formats-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));
const SHOP = ['examples/shop/drizzle'];

describe('output formats (real binary)', () => {
  it('compact: file:line:col: severity rule message', () => {
    const r = runCli([...SHOP, '--format', 'compact']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('examples/shop/drizzle/0005_orders_created_at_index.sql:1:1: error concurrently-in-transaction CREATE INDEX CONCURRENTLY on "orders"');
    for (const line of r.stdout.trim().split('\n')) expect(line).toMatch(/^[^:]+:\d+:\d+: (error|warn) [a-z-]+ /);
  });

  it('pretty: a fix and suggestions are shown under the help as the lines they remove and add', () => {
    const r = runCli([...SHOP, '--no-color']);
    expect(r.code).toBe(1);
    const lines = r.stdout.split('\n');
    const at = lines.findIndex((l) => l.includes('fix: Add USING "note"::integer (--fix)'));
    expect(at).toBeGreaterThan(0);
    expect(lines.slice(at + 1, at + 3)).toEqual([
      '      -ALTER TABLE "orders" ALTER COLUMN "note" SET DATA TYPE integer;--> statement-breakpoint',
      '      +ALTER TABLE "orders" ALTER COLUMN "note" SET DATA TYPE integer USING "note"::integer;--> statement-breakpoint',
    ]);
    expect(r.stdout).toContain('    suggestion: Build the index without CONCURRENTLY (writes to "orders" wait while it is built)\n      -CREATE INDEX CONCURRENTLY "orders_created_at_idx"');
    expect(r.stdout).toContain('      +CREATE INDEX IF NOT EXISTS "orders_created_at_idx" ON "orders" USING btree ("created_at");');
  });

  it('github: workflow commands with escaped properties, and a step summary table', () => {
    const summary = join(temp, 'summary.md');
    const r = runCli([...SHOP, '--format', 'github'], { env: { GITHUB_STEP_SUMMARY: summary } });
    expect(r.code).toBe(1);
    const line = r.stdout.split('\n').find((l) => l.includes('title=concurrently-in-transaction'))!;
    expect(line).toMatch(/^::error file=examples\/shop\/drizzle\/0005_orders_created_at_index\.sql,line=1,endLine=1,col=1,endColumn=\d+,title=concurrently-in-transaction::CREATE INDEX CONCURRENTLY/);
    expect(line).toContain('%0A%0A'); // message and help, newlines escaped
    const md = readFileSync(summary, 'utf8');
    expect(md).toContain('### migration-lint');
    expect(md).toMatch(/\| ❌ error \| `examples\/shop\/drizzle\/0005_orders_created_at_index\.sql:1` \| \[concurrently-in-transaction\]/);
  });

  it('github is the default format inside GitHub Actions', () => {
    const r = runCli(SHOP, { env: { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: join(temp, 's2.md') } });
    expect(r.stdout).toMatch(/^::error /m);
  });

  it('sarif: valid SARIF 2.1.0 (official schema), with rule metadata, help URIs and fingerprints', () => {
    const r = runCli([...SHOP, '--format', 'sarif']);
    const log = JSON.parse(r.stdout);
    const Ajv = require('ajv');
    const ajv = new Ajv({ allErrors: true, schemaId: 'auto', jsonPointers: true });
    try {
      ajv.addMetaSchema(require('ajv/lib/refs/json-schema-draft-04.json'));
    } catch {
      // already known
    }
    const schema = require('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');
    const valid = ajv.validate(schema, log);
    expect(ajv.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    const run = log.runs[0];
    const rule = run.tool.driver.rules.find((x: { id: string }) => x.id === 'concurrently-in-transaction');
    expect(rule.helpUri).toMatch(/docs\/rules\/concurrently-in-transaction\.md$/);
    expect(rule.defaultConfiguration.level).toBe('error');
    const result = run.results.find((x: { ruleId: string }) => x.ruleId === 'concurrently-in-transaction');
    expect(run.tool.driver.rules[result.ruleIndex].id).toBe('concurrently-in-transaction');
    expect(result.locations[0].physicalLocation.region.startLine).toBe(1);
    expect(result.partialFingerprints['migrationLint/v1']).toMatch(/^[0-9a-f]{32}$/);
    // A finding's fix: one artifactChange per file, its replacements as regions and inserted text.
    const cast = run.results.find((x: { ruleId: string }) => x.ruleId === 'cast-without-using');
    expect(cast.fixes).toEqual([
      {
        description: { text: 'Add USING "note"::integer' },
        artifactChanges: [
          {
            artifactLocation: { uri: 'examples/shop/drizzle/0002_product_sku.sql', uriBaseId: '%SRCROOT%' },
            replacements: [{ deletedRegion: { startLine: 1, startColumn: 63, endLine: 1, endColumn: 63 }, insertedContent: { text: ' USING "note"::integer' } }],
          },
        ],
        properties: { kind: 'fix' },
      },
    ]);
    // Suggestions follow, marked as such.
    expect(result.fixes.map((x: { properties: { kind: string } }) => x.properties.kind)).toEqual(['suggestion', 'suggestion']);
    expect(run.results.filter((x: { fixes?: unknown }) => x.fixes === undefined).length).toBeGreaterThan(0);
  });

  it('gitlab: Code Quality JSON with stable, unique fingerprints', () => {
    const a = JSON.parse(runCli([...SHOP, '--format', 'gitlab']).stdout);
    const b = JSON.parse(runCli([...SHOP, '--format', 'gitlab']).stdout);
    expect(a.length).toBeGreaterThan(0);
    for (const issue of a) {
      expect(Object.keys(issue).sort()).toEqual(['categories', 'check_name', 'description', 'fingerprint', 'location', 'severity', 'type']);
      expect(['major', 'minor']).toContain(issue.severity);
      expect(issue.location.lines.begin).toBeGreaterThan(0);
    }
    expect(new Set(a.map((i: { fingerprint: string }) => i.fingerprint)).size).toBe(a.length);
    expect(a.map((i: { fingerprint: string }) => i.fingerprint)).toEqual(b.map((i: { fingerprint: string }) => i.fingerprint));
  });
});

describe('discoverability', () => {
  it('migration-lint rules lists every rule with category and default severity', () => {
    const r = runCli(['rules']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/column-rename-by-drop\s+data-loss\s+error\s+A column dropped/);
    const json = JSON.parse(runCli(['rules', '--format', 'json']).stdout);
    expect(json.find((x: { id: string }) => x.id === 'enum-recreate')).toMatchObject({ category: 'data-loss', severity: 'error' });
  });

  it('migration-lint explain <rule> prints the doc; an unknown rule is exit 2 with a suggestion', () => {
    const r = runCli(['explain', 'enum-recreate']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('# enum-recreate');
    expect(r.stdout).toContain('## Safe alternative');
    const bad = runCli(['explain', 'enum']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown rule "enum" \(did you mean .*enum-recreate/);
  });
});

describe('JSON in pieces (what the CLI writes): the same text as the whole document', () => {
  it('for 0, 1, and around the piece size of findings, with escapes and non-ASCII', async () => {
    const { formatJson, jsonChunks, jsonWriter, toJsonReport } = await import('../src/formatters/json.js');
    const finding = (i: number) => ({
      rule: `r${i}`,
      severity: 'error' as const,
      message: `m — "q"\n x ${i}`,
      ...(i % 2 ? {} : { help: 'h → y' }),
      file: 'f.sql',
      line: i,
      column: 1,
      endLine: i,
      endColumn: 2,
      migration: 't',
      ...(i % 3 ? { statement: 'SELECT 1;\nSELECT "2"' } : {}),
    });
    const summary = { errors: 1, warnings: 2, migrations: 3, files: 4 };
    for (const n of [0, 1, 2, 499, 500, 501, 1001]) {
      const findings = Array.from({ length: n }, (_, i) => finding(i));
      const whole = JSON.stringify(toJsonReport(findings, summary), null, 2) + '\n';
      expect({ n, text: formatJson(findings, summary) }).toEqual({ n, text: whole });
      expect([...jsonChunks(findings, summary)].length).toBe(n === 0 ? 1 : 1 + Math.ceil(n / 500));
      // As a streaming run writes it: pieces of any size as they come (empty ones too), then the summary.
      const writer = jsonWriter();
      let streamed = '';
      for (let at = 0, size = 0; at < n || size === 0; at += size, size = (size * 7 + 3) % 613) streamed += [...writer.add(findings.slice(at, at + size))].join('');
      expect({ n, text: streamed + writer.end(summary) }).toEqual({ n, text: whole });
    }
  });
});
