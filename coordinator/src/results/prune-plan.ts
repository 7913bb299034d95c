/**
 * Which results folders `results prune` removes: the oldest first, until every limit given holds
 * (older than, more than N, more bytes than); a run still running is never removed. Pure.
 */
export interface RunEntry {
  runId: string;
  dir: string;
  createdAtMs: number;
  bytes: number;
  /** completed, aborted, failed; running: its coordinator is alive; unfinished: it died (resumable). */
  status: string;
}

export interface PruneLimits {
  olderThanMs?: number;
  keepLast?: number;
  maxBytes?: number;
}

export function prunePlan(entries: readonly RunEntry[], limits: PruneLimits, nowMs: number): { remove: RunEntry[]; keep: RunEntry[] } {
  const newestFirst = [...entries].sort((a, b) => b.createdAtMs - a.createdAtMs);
  const remove = new Set<RunEntry>();
  for (const [i, e] of newestFirst.entries()) {
    if (e.status === 'running') continue;
    if (limits.olderThanMs !== undefined && nowMs - e.createdAtMs > limits.olderThanMs) remove.add(e);
    if (limits.keepLast !== undefined && i >= limits.keepLast) remove.add(e);
  }
  if (limits.maxBytes !== undefined) {
    let total = newestFirst.filter((e) => !remove.has(e)).reduce((a, e) => a + e.bytes, 0);
    for (const e of [...newestFirst].reverse()) {
      if (total <= limits.maxBytes) break;
      if (e.status === 'running' || remove.has(e)) continue;
      remove.add(e);
      total -= e.bytes;
    }
  }
  return { remove: newestFirst.filter((e) => remove.has(e)).reverse(), keep: newestFirst.filter((e) => !remove.has(e)) };
}

/** `500m`, `2g`, `1.5t`, or bytes. */
export function parseSize(v: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)b?\s*$/i.exec(v);
  if (!m) return undefined;
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[(m[2] ?? '').toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  return Math.round(Number(m[1]) * unit);
}

/** `7d`, `12h`, `30m`. */
export function parseAge(v: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(d|h|m)\s*$/.exec(v);
  if (!m) return undefined;
  return Math.round(Number(m[1]) * { d: 86_400_000, h: 3_600_000, m: 60_000 }[m[2] as 'd' | 'h' | 'm']);
}
