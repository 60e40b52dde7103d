import { basename, dirname, extname, relative } from 'node:path';
import { defineRule } from '../engine/define-rule.js';
import type { SchemaDeclaration, SchemaSourceFacts } from '../engine/types.js';

type Use = SchemaDeclaration['usedBy'][number];

const MAX_USES = 5;

/**
 * drizzle-kit builds its snapshot from the exports of the files `schema` matches. A pgEnum,
 * pgSchema or pgSequence that a table uses but no loaded file exports gets no CREATE, while the
 * table still refers to it: the deploy fails. Found in the TypeScript source, before
 * `drizzle-kit generate` writes the broken migration.
 */
export default defineRule({
  id: 'enum-not-exported',
  meta: {
    description: 'A pgEnum, pgSchema or pgSequence used by a table but not exported from a file drizzle-kit loads, so its CREATE is never generated.',
    category: 'correctness',
    defaultSeverity: 'error',
    messages: {
      enum: 'pgEnum {variable} ("{name}") is used by {uses}, but {reason}: drizzle-kit never generates CREATE TYPE {type}, yet still writes {type} as the column type, so the deploy fails with type "{error}" does not exist.',
      schema: 'pgSchema {variable} ("{name}") is used by {uses}, but {reason}: drizzle-kit never generates CREATE SCHEMA "{name}", yet still puts those objects in it, so the deploy fails with schema "{name}" does not exist.',
      sequence: 'pgSequence {variable} ("{name}") is used by {uses}, but {reason}: drizzle-kit never generates CREATE SEQUENCE {type}, so the deploy fails with relation "{error}" does not exist.',
    },
  },
  checkHistory({ schemaSource, report }) {
    if (!schemaSource) return;
    for (const declaration of schemaSource.declarations) {
      if (declaration.exported || declaration.usedBy.length === 0) continue;
      const name = declaration.sqlName ?? declaration.variable;
      const schema = detail(declaration, 'schema');
      const type = declaration.kind === 'pgSchema' ? `"${name}"` : schema ? `"${schema}"."${name}"` : `"${name}"`;
      const exportedByOwnFile = detail(declaration, 'exportedByOwnFile') === true;
      report({
        messageId: declaration.kind === 'pgEnum' ? 'enum' : declaration.kind === 'pgSchema' ? 'schema' : 'sequence',
        data: {
          variable: declaration.variable,
          name,
          type,
          error: schema && declaration.kind !== 'pgSchema' ? `${schema}.${name}` : name,
          uses: describeUses(declaration.usedBy),
          reason: exportedByOwnFile
            ? `it is exported only by ${declaration.file}, which drizzle-kit does not load (\`schema\` does not match it, and no file it matches re-exports it)`
            : 'it is not exported (drizzle-kit only sees the exports of the files `schema` matches)',
        },
        help: help(declaration, schemaSource, exportedByOwnFile),
        file: declaration.file,
        line: declaration.line,
        column: declaration.column,
        migration: '',
      });
    }
  },
});

/** An optional detail the schema-source analysis adds beyond `SchemaDeclaration` (`text`, `schema`…). */
function detail(value: object, key: string): unknown {
  return key in value ? (value as Record<string, unknown>)[key] : undefined;
}

function describeUses(uses: readonly Use[]): string {
  const names: string[] = [];
  for (const use of uses) {
    const column = detail(use, 'column');
    const name = use.table === undefined ? `${use.file}:${use.line}` : typeof column === 'string' ? `${use.table}.${column}` : use.table;
    if (!names.includes(name)) names.push(name);
  }
  const shown = names.slice(0, MAX_USES).join(', ');
  return names.length > MAX_USES ? `${shown} and ${names.length - MAX_USES} more` : shown;
}

function help(declaration: SchemaDeclaration, facts: SchemaSourceFacts, exportedByOwnFile: boolean): string {
  const name = declaration.sqlName ?? declaration.variable;
  const schema = detail(declaration, 'schema');
  const text = detail(declaration, 'text');
  const statement = typeof text === 'string' && text.trim() ? text.trim() : `const ${declaration.variable} = ${declaration.kind}(${declaration.sqlName === undefined ? '…' : `'${declaration.sqlName}'`}, …);`;
  const patterns = facts.patterns.map((p) => `'${p}'`).join(', ');
  const where = `\`schema: ${facts.patterns.length === 1 ? patterns : `[${patterns}]`}\` in ${facts.configFile}`;
  const created = declaration.kind === 'pgEnum' ? 'CREATE TYPE' : declaration.kind === 'pgSchema' ? 'CREATE SCHEMA' : 'CREATE SEQUENCE';
  const sqlObject = declaration.kind === 'pgSchema' || !schema ? `"${name}"` : `"${schema}"."${name}"`;
  const lines: string[] = [];
  if (facts.files.includes(declaration.file)) {
    lines.push(`Export it where it is declared (${declaration.file}:${declaration.line}, a file matched by ${where}):`, `  export ${statement}`);
  } else {
    const into = facts.files.find((f) => declaration.usedBy.some((u) => u.file === f)) ?? facts.files[0];
    lines.push(`${declaration.file} is not matched by ${where}, so drizzle-kit never loads it.`);
    if (!exportedByOwnFile) lines.push(`Export ${declaration.variable} there:`, `  export ${statement}`);
    if (into !== undefined) {
      lines.push(
        `${exportedByOwnFile ? 'Re-export it' : 'and re-export it'} from a file drizzle-kit loads, e.g. in ${into}:`,
        `  export { ${declaration.variable} } from '${importPath(into, declaration.file)}';`,
        `or add ${declaration.file} to \`schema\`.`,
      );
    } else {
      lines.push(`Add ${declaration.file} to \`schema\`.`);
    }
  }
  lines.push(
    `Then re-run \`drizzle-kit generate\` and check the last migration for the missing ${created} ${sqlObject}. ` +
      `If an earlier migration already uses it, that migration still fails first: move the ${created} before the first use or, if that migration was never applied anywhere, \`drizzle-kit drop\` it and generate again.`,
  );
  return lines.join('\n');
}

/** `./enums` for an import of `src/db/enums.ts` from `src/db/schema.ts`. */
function importPath(from: string, to: string): string {
  const rel = relative(dirname(from), dirname(to)).split('\\').join('/');
  const name = basename(to, extname(to));
  const path = rel ? `${rel}/${name}` : name;
  return path.startsWith('.') ? path : `./${path}`;
}
