import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { sha256 } from '../engine/hash.js';
import type { Finding, Fix, Rule } from '../engine/types.js';
import { inertJson } from './safe-text.js';

/**
 * SARIF 2.1.0, for GitHub code scanning and other SARIF viewers: rule metadata (description,
 * help, help URI, default level) in `tool.driver.rules`, one result per finding, with a
 * fingerprint that survives line moves.
 */
export function formatSarif(findings: readonly Finding[], rules: readonly Rule[], version: string, root?: string): string {
  const used = rules.filter((r) => findings.some((f) => f.rule === r.id) || r.meta.defaultSeverity !== 'off');
  const index = new Map(used.map((r, i) => [r.id, i]));
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'migration-lint',
            version,
            informationUri: 'https://github.com/migration-lint/migration-lint',
            rules: used.map((r) => ({
              id: r.id,
              name: r.id.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase()),
              shortDescription: { text: r.meta.description },
              fullDescription: { text: r.meta.description },
              helpUri: r.meta.docsUrl,
              help: { text: `${r.meta.description} See ${r.meta.docsUrl}`, markdown: `${r.meta.description}\n\n[Documentation](${r.meta.docsUrl})` },
              defaultConfiguration: { level: r.meta.defaultSeverity === 'error' ? 'error' : r.meta.defaultSeverity === 'warn' ? 'warning' : 'none' },
              properties: { category: r.meta.category, tags: [r.meta.category, 'drizzle', 'postgresql'] },
            })),
          },
        },
        // Result paths are relative to the repository root (SRCROOT), as code scanning expects.
        ...(root ? { originalUriBaseIds: { [SRCROOT]: { uri: pathToFileURL(root).href.replace(/\/?$/, '/') } } } : {}),
        results: findings.map((f) => ({
          ruleId: f.rule,
          ...(index.has(f.rule) ? { ruleIndex: index.get(f.rule) } : {}),
          level: f.severity === 'error' ? 'error' : 'warning',
          message: { text: f.help ? `${f.message}\n\n${f.help}` : f.message },
          locations: [
            {
              physicalLocation: {
                artifactLocation: artifactLocation(f.file, root),
                region: { startLine: f.line, startColumn: f.column, endLine: f.endLine, endColumn: Math.max(f.endColumn, f.column) },
              },
            },
          ],
          ...(f.related?.length
            ? {
                relatedLocations: f.related.map((r, i) => ({
                  id: i + 1,
                  physicalLocation: { artifactLocation: { uri: r.file.split('\\').join('/') }, region: { startLine: r.line, startColumn: r.column, endLine: r.endLine, endColumn: Math.max(r.endColumn, r.column) } },
                  message: { text: r.message },
                })),
              }
            : {}),
          partialFingerprints: { 'migrationLint/v1': fingerprint(f) },
          ...(f.fix || f.suggestions?.length ? { fixes: [...(f.fix ? [sarifFix(f.fix, 'fix', root)] : []), ...(f.suggestions ?? []).map((s) => sarifFix(s, 'suggestion', root))] } : {}),
        })),
      },
    ],
  };
  return inertJson(JSON.stringify(log, null, 2)) + '\n';
}

const SRCROOT = '%SRCROOT%';

/** A relative path (from the root, when there is one) is a URI reference under SRCROOT; an absolute one a file URI. */
function artifactLocation(file: string, root: string | undefined): { uri: string; uriBaseId?: string } {
  if (isAbsolute(file)) return { uri: pathToFileURL(file).href };
  const uri = file.split('\\').join('/').split('/').map(encodeURIComponent).join('/');
  return root ? { uri, uriBaseId: SRCROOT } : { uri };
}

/**
 * A SARIF fix: its replacements grouped by file. SARIF has no word for a suggestion: the one
 * `--fix` applies comes first, with `properties.kind` "fix"; suggestions follow, "suggestion".
 */
function sarifFix(fix: Fix, kind: 'fix' | 'suggestion', root: string | undefined) {
  const files = [...new Set(fix.edits.map((e) => e.file))];
  return {
    description: { text: fix.description },
    artifactChanges: files.map((file) => ({
      artifactLocation: artifactLocation(file, root),
      replacements: fix.edits
        .filter((e) => e.file === file)
        .map((e) => ({ deletedRegion: { startLine: e.line, startColumn: e.column, endLine: e.endLine, endColumn: e.endColumn }, insertedContent: { text: e.text } })),
    })),
    properties: { kind },
  };
}

/** Stable across line moves: rule, file, migration and the statement text (or the message). */
export function fingerprint(f: Finding): string {
  return sha256([f.rule, f.file, f.migration, f.statement ?? f.message].join('\0')).slice(0, 32);
}
