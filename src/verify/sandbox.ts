import { walk, type Node } from '../engine/ast.js';
import type { Statement } from '../engine/types.js';

/**
 * Statements verify does not send, read from the parse (libpg-query's AST, DO-block bodies
 * included, as the lint engine parses them):
 *
 * - `client`: COPY … FROM STDIN needs a data stream from the client; verify has none, and the
 *   engine would wait for it forever. Never sent.
 * - `server`: the statement reaches beyond the throwaway database — roles, database and system
 *   settings, databases, tablespaces, programs and files on the server, connections to other
 *   servers. Never sent to a real server (it would outlive verify). PGlite runs it, in memory,
 *   except what PGlite cannot do at all (`pglite: false`: COPY … PROGRAM).
 *
 * Dynamic SQL (EXECUTE of a built string) and the bodies of functions that run later are not seen
 * here: on a real server, the privileges of the connection are what bounds them (docs/verify.md).
 */
export interface Restriction {
  scope: 'client' | 'server';
  /** What it is, for the message: `CREATE ROLE`, `COPY … PROGRAM`, `pg_read_file()`. */
  what: string;
  /** Whether PGlite runs it. */
  pglite: boolean;
}

/** Statement kinds that act on the whole server (shared catalogs, the server's configuration). */
const SERVER_STATEMENTS: Record<string, string> = {
  CreateRoleStmt: 'CREATE ROLE',
  AlterRoleStmt: 'ALTER ROLE',
  AlterRoleSetStmt: 'ALTER ROLE … SET',
  DropRoleStmt: 'DROP ROLE',
  GrantRoleStmt: 'GRANT role',
  ReassignOwnedStmt: 'REASSIGN OWNED',
  DropOwnedStmt: 'DROP OWNED',
  CreatedbStmt: 'CREATE DATABASE',
  DropdbStmt: 'DROP DATABASE',
  AlterDatabaseStmt: 'ALTER DATABASE',
  AlterDatabaseSetStmt: 'ALTER DATABASE … SET',
  AlterDatabaseRefreshCollStmt: 'ALTER DATABASE … REFRESH COLLATION VERSION',
  AlterSystemStmt: 'ALTER SYSTEM',
  CreateTableSpaceStmt: 'CREATE TABLESPACE',
  DropTableSpaceStmt: 'DROP TABLESPACE',
  AlterTableSpaceOptionsStmt: 'ALTER TABLESPACE',
  CreateSubscriptionStmt: 'CREATE SUBSCRIPTION (connects to another server)',
  AlterSubscriptionStmt: 'ALTER SUBSCRIPTION',
  DropSubscriptionStmt: 'DROP SUBSCRIPTION',
  CreateForeignServerStmt: 'CREATE SERVER (a connection to another server)',
  AlterForeignServerStmt: 'ALTER SERVER',
  CreateUserMappingStmt: 'CREATE USER MAPPING',
  AlterUserMappingStmt: 'ALTER USER MAPPING',
  ImportForeignSchemaStmt: 'IMPORT FOREIGN SCHEMA (connects to another server)',
  LoadStmt: 'LOAD (a library into the server)',
  CheckPointStmt: 'CHECKPOINT',
};

/** Object types whose objects are shared by every database of the server. */
const SHARED_OBJECTS: Record<string, string> = {
  OBJECT_DATABASE: 'DATABASE',
  OBJECT_ROLE: 'ROLE',
  OBJECT_TABLESPACE: 'TABLESPACE',
  OBJECT_PARAMETER_ACL: 'PARAMETER',
  OBJECT_SUBSCRIPTION: 'SUBSCRIPTION',
};

/** Functions that read or write the server's files, run or signal its processes, or connect elsewhere. */
const SERVER_FUNCTIONS = new Set([
  'pg_read_file', 'pg_read_binary_file', 'pg_stat_file', 'pg_ls_dir', 'pg_ls_logdir', 'pg_ls_waldir', 'pg_ls_tmpdir', 'pg_ls_archive_statusdir',
  'pg_ls_logicalsnapdir', 'pg_ls_logicalmapdir', 'pg_ls_replslotdir', 'pg_ls_summariesdir', 'lo_import', 'lo_export', 'pg_file_write', 'pg_file_rename',
  'pg_file_unlink', 'pg_file_sync', 'pg_logdir_ls', 'pg_reload_conf', 'pg_rotate_logfile', 'pg_terminate_backend', 'pg_cancel_backend',
  'pg_create_physical_replication_slot', 'pg_create_logical_replication_slot', 'pg_drop_replication_slot', 'pg_copy_physical_replication_slot',
  'pg_copy_logical_replication_slot', 'pg_replication_origin_create', 'pg_replication_origin_drop', 'pg_switch_wal', 'pg_create_restore_point',
  'pg_promote', 'pg_backup_start', 'pg_backup_stop', 'pg_start_backup', 'pg_stop_backup', 'pg_log_backend_memory_contexts',
]);

function serverFunction(fields: Node): string | undefined {
  const names: Node[] = fields?.funcname ?? [];
  const last = names[names.length - 1];
  const name = String(last?.String?.sval ?? '').toLowerCase();
  if (SERVER_FUNCTIONS.has(name) || name.startsWith('dblink')) return `${name}()`;
  return undefined;
}

/** Why one parsed statement must not be sent (see Restriction), or undefined. */
function restrictionOf(statement: Statement): Restriction | undefined {
  const { kind, ast } = statement;
  if (kind === 'CopyStmt') {
    const direction = ast.is_from ? 'FROM' : 'TO';
    if (ast.is_program) return { scope: 'server', what: `COPY … ${direction} PROGRAM (runs a program on the server)`, pglite: false };
    if (ast.filename) return { scope: 'server', what: `COPY … ${direction} a server file`, pglite: true };
    if (ast.is_from) return { scope: 'client', what: 'COPY … FROM STDIN', pglite: false };
  }
  const server = SERVER_STATEMENTS[kind];
  if (server) return { scope: 'server', what: server, pglite: true };
  if (kind === 'RenameStmt' && SHARED_OBJECTS[ast.renameType]) return { scope: 'server', what: `ALTER ${SHARED_OBJECTS[ast.renameType]} … RENAME`, pglite: true };
  if (kind === 'AlterOwnerStmt' && SHARED_OBJECTS[ast.objectType]) return { scope: 'server', what: `ALTER ${SHARED_OBJECTS[ast.objectType]} … OWNER`, pglite: true };
  if ((kind === 'CommentStmt' || kind === 'SecLabelStmt') && SHARED_OBJECTS[ast.objtype]) return { scope: 'server', what: `${kind === 'CommentStmt' ? 'COMMENT' : 'SECURITY LABEL'} ON ${SHARED_OBJECTS[ast.objtype]}`, pglite: true };
  if (kind === 'GrantStmt' && SHARED_OBJECTS[ast.objtype]) return { scope: 'server', what: `${ast.is_grant ? 'GRANT' : 'REVOKE'} … ON ${SHARED_OBJECTS[ast.objtype]}`, pglite: true };
  let call: string | undefined;
  walk(ast, (tag, fields) => {
    if (!call && tag === 'FuncCall') call = serverFunction(fields);
  });
  if (call) return { scope: 'server', what: call, pglite: true };
  return undefined;
}

/**
 * Why a top-level statement must not be sent, looking inside it and inside the statements of its
 * DO block (`nested`), or undefined.
 */
export function restriction(statement: Statement, nested: readonly Statement[] = []): Restriction | undefined {
  for (const s of [statement, ...nested]) {
    const r = restrictionOf(s);
    if (r) return r;
  }
  return undefined;
}

/** The message for a statement that was not sent. */
export function notRunReason(r: Restriction): string {
  if (r.scope === 'client') return `${r.what} needs data from the client: verify has none to send, so it cannot check it`;
  if (!r.pglite) return `${r.what}: affects the whole server; PGlite cannot run it, and verify never runs it on a server`;
  return `${r.what}: affects the whole server; verify runs nothing outside its throwaway database`;
}
