import { posix } from 'node:path';
import { defineRule } from '../engine/define-rule.js';

/**
 * migrate(db, { migrationsFolder, migrationsTable, migrationsSchema }) and drizzle.config's `out`
 * and `migrations.{table,schema}` must name the same folder and bookkeeping table: otherwise the
 * app applies a folder nobody generates or lints, or records its migrations where drizzle-kit
 * (and migration-lint's database checks) never look, and migrations run again.
 */
export default defineRule({
  id: 'migrator-config-mismatch',
  meta: {
    description: "migrate()'s migrationsFolder, migrationsTable or migrationsSchema differ from drizzle.config's out and migrations.table / migrations.schema.",
    category: 'correctness',
    defaultSeverity: 'error',
    messages: {
      folder: 'migrate() applies the migrations in {folder} (migrationsFolder {text}), but drizzle-kit generates them into {out} (`out` in {config}): the folder that is generated and linted is not the one deployed.',
      table: 'migrate() records applied migrations in {appTable}, but {config} names {configTable}: drizzle-kit migrate, and migration-lint\'s verify --against, baseline and hash-drift --database-url, read the other table, where these migrations look pending, so they are run again (and fail on "already exists").',
    },
    help: {
      folder: 'Pass drizzle-kit\'s folder to migrate(), e.g. `migrationsFolder: path.join(import.meta.dirname, \'{outFromFile}\')` (or change `out`, then move the migrations there).',
      table: 'Make them name the same table: pass `migrationsTable: \'{configTableName}\', migrationsSchema: \'{configSchemaName}\'` to migrate(), or set `migrations: { table: \'{appTableName}\', schema: \'{appSchemaName}\' }` in {config}, whichever the database already holds.',
    },
  },
  checkHistory({ appSource, report }) {
    const config = appSource?.config;
    if (!config) return;
    for (const call of appSource.migrateCalls) {
      const { folder } = call.options;
      if (folder && folder.resolved.length > 0 && !folder.resolved.includes(config.out)) {
        report({
          messageId: 'folder',
          data: { folder: folder.resolved[0], text: folder.text, out: config.out, config: config.file, outFromFile: posix.relative(posix.dirname(call.file), config.out) || '.' },
          file: call.file,
          line: call.line,
          column: call.column,
          migration: '',
        });
      }
      const unreadable = call.options.unreadable;
      if (unreadable.includes('migrationsTable') || unreadable.includes('migrationsSchema')) continue;
      const appTable = call.options.table ?? '__drizzle_migrations';
      const appSchema = call.options.schema ?? 'drizzle';
      if (appTable === config.table && appSchema === config.schema) continue;
      report({
        messageId: 'table',
        data: {
          appTable: `"${appSchema}"."${appTable}"`,
          configTable: `"${config.schema}"."${config.table}"`,
          config: config.file,
          configTableName: config.table,
          configSchemaName: config.schema,
          appTableName: appTable,
          appSchemaName: appSchema,
        },
        file: call.file,
        line: call.line,
        column: call.column,
        migration: '',
      });
    }
  },
});
