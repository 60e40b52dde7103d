import type { TypeRef } from '../schema/model.js';
import { typeToSql } from '../schema/model.js';
import { typeKey } from '../schema/typename.js';

/**
 * Type families whose values carry over meaningfully (a rename with a type change is still a
 * rename). Types from different families are never paired as a rename.
 */
const FAMILY: Record<string, string> = {
  text: 'text', varchar: 'text', char: 'text', citext: 'text', name: 'text',
  smallint: 'int', integer: 'int', bigint: 'int', serial: 'int', bigserial: 'int', smallserial: 'int',
  numeric: 'number', real: 'number', 'double precision': 'number', money: 'number',
  timestamp: 'time', 'timestamp with time zone': 'time', date: 'time',
  time: 'clock', 'time with time zone': 'clock',
  json: 'json', jsonb: 'json',
  boolean: 'bool', uuid: 'uuid', bytea: 'bytes', interval: 'interval',
  inet: 'net', cidr: 'net',
};

export type Compatibility = 'same' | 'family' | 'none';

export function compatibility(a: TypeRef, b: TypeRef): Compatibility {
  if (typeKey(a) === typeKey(b)) return 'same';
  if (a.arrayDims !== b.arrayDims) return 'none';
  if (!a.builtin || !b.builtin) return !a.builtin && !b.builtin && a.name === b.name ? 'family' : 'none';
  if (a.name === b.name) return 'family'; // varchar(50) vs varchar(100)
  const fa = FAMILY[a.name];
  return fa !== undefined && fa === FAMILY[b.name] ? 'family' : 'none';
}

/** The type as SQL, for messages: `varchar(100)`, `"public"."role"`. */
export function typeLabel(type: TypeRef): string {
  return typeToSql(type);
}
