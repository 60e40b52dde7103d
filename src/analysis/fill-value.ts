import type { SchemaState, TypeRef } from '../schema/model.js';
import { key } from '../schema/model.js';

const literal = (v: string) => `'${v.replaceAll("'", "''")}'`;

/**
 * A value existing rows could be given, for suggestions (never applied by --fix: which value is
 * right is the user's call): the empty or zero value of the type, now() for times, an enum's first
 * value. Undefined when there is no neutral value (uuid, arrays, other types).
 */
export function fillValue(type: TypeRef, schema: Readonly<SchemaState>): string | undefined {
  if (type.arrayDims > 0) return undefined;
  if (!type.builtin) {
    const values = schema.enums.get(key(type.schema, type.name))?.values;
    return values?.length ? literal(values[0]) : undefined;
  }
  if (['text', 'varchar', 'char', 'citext', 'character varying', 'character', 'bpchar'].includes(type.name)) return "''";
  if (['smallint', 'integer', 'bigint', 'numeric', 'real', 'double precision', 'decimal'].includes(type.name)) return '0';
  if (type.name === 'boolean') return 'false';
  if (['timestamp', 'timestamp with time zone', 'date'].includes(type.name)) return 'now()';
  if (type.name === 'jsonb' || type.name === 'json') return "'{}'";
  return undefined;
}
