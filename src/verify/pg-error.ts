/** A PostgreSQL error, as both engines report it (fields of the ErrorResponse message). */
export interface PgError {
  message: string;
  /** SQLSTATE, e.g. 42704. */
  code?: string;
  hint?: string;
  detail?: string;
  /** 1-based character position in the statement sent, when PostgreSQL reports one. */
  position?: number;
}

export function toPgError(error: unknown): PgError {
  const e = error as { message?: string; code?: string; hint?: string; detail?: string; position?: string | number };
  const out: PgError = { message: String(e?.message ?? error) };
  if (typeof e?.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) out.code = e.code;
  if (e?.hint) out.hint = e.hint;
  if (e?.detail) out.detail = e.detail;
  const position = Number(e?.position);
  if (Number.isFinite(position) && position > 0) out.position = position;
  return out;
}

/** True for an error PostgreSQL sent (it has a SQLSTATE), as opposed to a broken connection or engine. */
export function isServerError(error: unknown): boolean {
  return toPgError(error).code !== undefined;
}
