/**
 * The HdrHistogram interval log format (v1.3) as the results writer produces it (pure: text in and out).
 * One line per interval and op: `Tag=phase/op,start,length,maxMs,base64`, times in seconds from the
 * log's BaseTime, latencies in microseconds (the max column in milliseconds).
 */

export interface HlogEntry {
  tag: string;
  /** Seconds since the log's base time. */
  startSec: number;
  lengthSec: number;
  maxMs: number;
  /** HdrHistogram V2 compressed, base64: left exactly as recorded. */
  histogram: string;
}

export interface HlogFile {
  /** Seconds since the epoch (#[BaseTime: ...] or #[StartTime: ...]). */
  baseTimeSec?: number;
  /** Comment lines other than the format, start and base time headers. */
  comments: string[];
  entries: HlogEntry[];
  /** `line N: why` for each line that is not an interval. */
  errors: string[];
}

export function parseHlog(text: string): HlogFile {
  const out: HlogFile = { comments: [], entries: [], errors: [] };
  let startTime: number | undefined;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (!line) continue;
    if (line.startsWith('#')) {
      const base = /^#\[BaseTime:\s*([\d.]+)/.exec(line);
      const start = /^#\[StartTime:\s*([\d.]+)/.exec(line);
      if (base) out.baseTimeSec = Number(base[1]);
      else if (start) startTime = Number(start[1]);
      else if (!line.startsWith('#[Histogram log format')) out.comments.push(line);
      continue;
    }
    if (line.startsWith('"StartTimestamp"') || line.startsWith('StartTimestamp')) continue;
    const m = /^(?:Tag=([^,]*),)?([\d.]+),([\d.]+),([\d.]+),([A-Za-z0-9+/=]+)$/.exec(line);
    if (!m) {
      out.errors.push(`line ${i + 1}: not an interval line`);
      continue;
    }
    out.entries.push({ tag: m[1] ?? '', startSec: Number(m[2]), lengthSec: Number(m[3]), maxMs: Number(m[4]), histogram: m[5] as string });
  }
  if (out.baseTimeSec === undefined && startTime !== undefined) out.baseTimeSec = startTime;
  return out;
}

/** Tag suffix of an op's service-time histogram (open loop): `phase/op.service`; op names have no dots. */
export const SERVICE_TAG_SUFFIX = '.service';

/** The tag of an interval's op (and its service-time line). */
export const hlogTag = (phase: string, op: string, o: { warmup?: boolean; service?: boolean } = {}): string => `${phase}/${o.warmup ? 'warmup/' : ''}${op}${o.service ? SERVICE_TAG_SUFFIX : ''}`;

/** The header the results writer puts on every agent's log. */
export function hlogHeader(baseTimeMs: number, agentId: string): string {
  return [
    '#[Histogram log format version 1.3]',
    `#[StartTime: ${(baseTimeMs / 1000).toFixed(3)} (seconds since epoch), ${new Date(baseTimeMs).toISOString()}]`,
    `#[BaseTime: ${(baseTimeMs / 1000).toFixed(3)} (seconds since epoch)]`,
    `#[etcdlab agent ${agentId}: latencies in microseconds, tag = phase/op]`,
    '"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"',
    '',
  ].join('\n');
}

export function formatHlogEntry(e: HlogEntry): string {
  return `Tag=${e.tag},${e.startSec.toFixed(3)},${e.lengthSec.toFixed(3)},${e.maxMs.toFixed(3)},${e.histogram}\n`;
}

/** `phase/op` or `phase/warmup/op` -> its parts; phase and op names never contain a slash. */
export function splitTag(tag: string): { phase: string; op: string; warmup: boolean } | undefined {
  const parts = tag.split('/');
  if (parts.length === 2 && parts[0] && parts[1]) return { phase: parts[0], op: parts[1], warmup: false };
  if (parts.length === 3 && parts[0] && parts[1] === 'warmup' && parts[2]) return { phase: parts[0], op: parts[2], warmup: true };
  // Service-time lines (phase/op.service) keep their suffix in `op`.
  return undefined;
}
