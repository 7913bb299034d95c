/** Error code for the counts: a gRPC status name when there is one, else the Node error code. */
export function errorCode(err: unknown): string {
  const e = err as { codeName?: unknown; code?: unknown };
  if (typeof e?.codeName === 'string') return e.codeName;
  if (typeof e?.code === 'string') return e.code;
  return 'UNKNOWN';
}
