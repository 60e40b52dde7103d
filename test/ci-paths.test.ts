import { cpSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { gitInit } from './helpers/history.js';

/**
 * A monorepo: the drizzle project in packages/db, the linter run there (the README's
 * `working-directory: packages/db`). CI attaches annotations and alerts by the path from the
 * repository root, so github, sarif and gitlab output use that path.
 */
const temp = realpathSync(mkdtempSync(join(tmpdir(), 'ml-ci-paths-')));
afterAll(() => rmSync(temp, { recursive: true, force: true }));
const require = createRequire(import.meta.url);

const root = join(temp, 'monorepo');
const pkg = join(root, 'packages', 'db');
mkdirSync(pkg, { recursive: true });
cpSync('examples/shop', pkg, { recursive: true });
gitInit(root);
const FILE = 'packages/db/drizzle/0005_orders_created_at_index.sql';
// No CI variables from the machine running the tests: each case sets its own.
const CLEAN = { GITHUB_ACTIONS: undefined, GITHUB_WORKSPACE: undefined, CI_PROJECT_DIR: undefined, GITHUB_STEP_SUMMARY: undefined };

describe('github, sarif and gitlab paths are relative to the repository root (monorepo package)', () => {
  it('github: ::error file= from the git top level, or from GITHUB_WORKSPACE; the step summary too', () => {
    const r = runCli(['--format', 'github'], { cwd: pkg, env: CLEAN });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`::error file=${FILE},line=1,`);
    expect(r.stdout).not.toMatch(/file=drizzle\//);
    const summary = join(temp, 'summary.md');
    const workspace = runCli(['--format', 'github'], { cwd: pkg, env: { ...CLEAN, GITHUB_ACTIONS: 'true', GITHUB_WORKSPACE: root, GITHUB_STEP_SUMMARY: summary } });
    expect(workspace.stdout).toContain(`::error file=${FILE},line=1,`);
    expect(readFileSync(summary, 'utf8')).toContain(FILE);
    // GITHUB_WORKSPACE wins over the git top level (a checkout in a subfolder of the workspace).
    const sub = runCli(['--format', 'github'], { cwd: pkg, env: { ...CLEAN, GITHUB_WORKSPACE: join(root, 'packages') } });
    expect(sub.stdout).toContain('::error file=db/drizzle/0005_orders_created_at_index.sql,line=1,');
  });

  it('sarif: URIs under %SRCROOT%, declared in originalUriBaseIds as the root; valid SARIF 2.1.0', () => {
    const r = runCli(['--format', 'sarif'], { cwd: pkg, env: { ...CLEAN, GITHUB_WORKSPACE: root } });
    const log = JSON.parse(r.stdout);
    const run = log.runs[0];
    expect(run.originalUriBaseIds).toEqual({ '%SRCROOT%': { uri: `${pathToFileURL(root).href}/` } });
    const location = run.results.find((x: { ruleId: string }) => x.ruleId === 'concurrently-in-transaction').locations[0].physicalLocation.artifactLocation;
    expect(location).toEqual({ uri: FILE, uriBaseId: '%SRCROOT%' });
    const Ajv = require('ajv');
    const ajv = new Ajv({ allErrors: true, schemaId: 'auto', jsonPointers: true });
    try {
      ajv.addMetaSchema(require('ajv/lib/refs/json-schema-draft-04.json'));
    } catch {
      // already known
    }
    expect(ajv.validate(require('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), log)).toBe(true);
    // The git top level without CI variables: the same paths.
    const local = JSON.parse(runCli(['--format', 'sarif'], { cwd: pkg, env: CLEAN }).stdout).runs[0];
    expect(local.results.map((x: { locations: { physicalLocation: { artifactLocation: unknown } }[] }) => x.locations[0].physicalLocation.artifactLocation)).toEqual(
      run.results.map((x: { locations: { physicalLocation: { artifactLocation: unknown } }[] }) => x.locations[0].physicalLocation.artifactLocation),
    );
  });

  it('gitlab: location.path from CI_PROJECT_DIR', () => {
    const issues = JSON.parse(runCli(['--format', 'gitlab'], { cwd: pkg, env: { ...CLEAN, CI_PROJECT_DIR: root } }).stdout) as { check_name: string; location: { path: string } }[];
    expect(issues.find((i) => i.check_name === 'concurrently-in-transaction')!.location.path).toBe(FILE);
    expect(issues.every((i) => i.location.path.startsWith('packages/db/'))).toBe(true);
  });

  it('outside a repository and without CI variables: relative to the working directory, no base in SARIF', () => {
    const alone = join(temp, 'alone');
    cpSync('examples/shop', alone, { recursive: true });
    expect(runCli(['--format', 'github'], { cwd: alone, env: { ...CLEAN, GIT_CEILING_DIRECTORIES: temp } }).stdout).toContain('::error file=drizzle/0005_orders_created_at_index.sql,');
    const run = JSON.parse(runCli(['--format', 'sarif'], { cwd: alone, env: { ...CLEAN, GIT_CEILING_DIRECTORIES: temp } }).stdout).runs[0];
    expect(run.originalUriBaseIds).toBeUndefined();
    expect(run.results[0].locations[0].physicalLocation.artifactLocation.uriBaseId).toBeUndefined();
  });
});
