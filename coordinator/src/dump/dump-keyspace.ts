/**
 * Streams a keyspace (or a prefix) out of etcd at one revision, page by page (docs/dump.md): the first
 * page fixes the revision (or --revision does), every later page is read at it, so the dump is one
 * consistent snapshot however long it takes. Pages are sized to about 4 MiB from the rows seen, and the
 * output is awaited (backpressure), so memory stays flat whatever the keyspace weighs.
 */
import type { Writable } from 'node:stream';
import { EtcdClient, isEtcdRequestError, prefixRangeEnd } from '@etcdlab/agent/etcd';
import { etcdClientTls, type TlsMaterial } from '../cluster/target.js';
import { type DumpFormat, header, nextPageLimit, row } from './dump-rows.js';

export const PAGE_TARGET_BYTES = 4 * 1024 * 1024;
export const PAGE_MAX_KEYS = 10_000;
const FIRST_PAGE_KEYS = 100;
const CALL_DEADLINE_MS = 60_000;

export interface DumpOptions {
  endpoints: readonly string[];
  tls?: TlsMaterial;
  /** Keys starting with it; '' = the whole keyspace. */
  prefix: string;
  format: DumpFormat;
  keysOnly: boolean;
  /** Dump at this revision (it must not be compacted); else the cluster's current one. */
  revision?: number;
  out: Writable;
  /** A progress line (stderr), about once a second. */
  progress(line: string): void;
  /** Ctrl-C or SIGTERM: the dump stops after the page it is on, every row written whole. */
  signal?: AbortSignal;
}

export interface DumpResult {
  revision: number;
  rows: number;
  /** Bytes of keys and values read from etcd. */
  bytes: number;
  /** Bytes written out. */
  written: number;
  pages: number;
  durationMs: number;
  /** Why it stopped before the end (the rows before it were written); the cause picks the fix shown. */
  stopped?: DumpStop;
}

export interface DumpStop {
  cause: 'interrupted' | 'output-closed' | 'output' | 'compacted' | 'cluster';
  message: string;
}

/** An output stream that failed: its reader went away (EPIPE), or a write failed (a full disk). */
export class DumpOutputError extends Error {
  constructor(readonly closedByReader: boolean, message: string) {
    super(message);
  }
}

export async function dumpKeyspace(o: DumpOptions): Promise<DumpResult> {
  const start = Date.now();
  const buffers = etcdClientTls(o.tls);
  const client = new EtcdClient({ endpoints: [...o.endpoints], connections: 1, ...(buffers ? { tls: buffers } : {}) });
  const r: DumpResult = { revision: o.revision ?? 0, rows: 0, bytes: 0, written: 0, pages: 0, durationMs: 0 };
  // '' would be the single empty key: the whole keyspace is [\0, \0) in etcd's terms.
  let next: Buffer = o.prefix === '' ? Buffer.from([0]) : Buffer.from(o.prefix);
  const end: Buffer = o.prefix === '' ? Buffer.from([0]) : Buffer.from(prefixRangeEnd(Buffer.from(o.prefix)));
  let limit = FIRST_PAGE_KEYS;
  let shownAt = Date.now();
  // An output error (a pipe closed by its reader: EPIPE, a full disk) may come between writes: kept here
  // and raised at the next write, never an unhandled 'error' event.
  const sink: Sink = { out: o.out, failed: undefined };
  const onError = (err: Error) => (sink.failed ??= err);
  o.out.on('error', onError);
  try {
    await write(sink, header(o.format, o.keysOnly), r);
    for (;;) {
      if (o.signal?.aborted) {
        r.stopped = { cause: 'interrupted', message: 'interrupted (Ctrl-C or SIGTERM)' };
        break;
      }
      let page;
      try {
        page = await client.range({ key: next, rangeEnd: end, limit, keysOnly: o.keysOnly, ...(r.revision > 0 ? { revision: r.revision } : {}) }, CALL_DEADLINE_MS);
      } catch (err) {
        // A page over the client's response limit: the same keys in smaller pages.
        if (isEtcdRequestError(err) && err.codeName === 'RESOURCE_EXHAUSTED' && limit > 1) {
          limit = Math.max(1, Math.floor(limit / 4));
          continue;
        }
        throw err;
      }
      if (r.revision === 0) r.revision = page.header?.revision ?? 0;
      r.pages++;
      let pageBytes = 0;
      let chunk = '';
      for (const kv of page.kvs) {
        pageBytes += kv.key.byteLength + kv.value.byteLength;
        chunk += row(o.format, kv, o.keysOnly);
      }
      r.rows += page.kvs.length;
      r.bytes += pageBytes;
      await write(sink, chunk, r);
      if (Date.now() - shownAt >= 1000) {
        shownAt = Date.now();
        o.progress(progressLine(r, start));
      }
      const last = page.kvs[page.kvs.length - 1];
      if (!page.more || !last) break;
      next = Buffer.concat([last.key, Buffer.from([0])]);
      limit = nextPageLimit(page.kvs.length, pageBytes, PAGE_TARGET_BYTES, PAGE_MAX_KEYS, FIRST_PAGE_KEYS);
    }
  } catch (err) {
    r.stopped = stopOf(err, r.revision);
  } finally {
    o.out.off('error', onError);
    await client.close().catch(() => undefined);
  }
  r.durationMs = Date.now() - start;
  return r;
}

/**
 * A --revision etcd cannot serve, found before anything is written: compacted (older than the compaction
 * point) or in the future. Returns the problem in words with the current revision, or undefined when fine.
 */
export async function revisionProblem(o: { endpoints: readonly string[]; tls?: TlsMaterial; revision: number }): Promise<string | undefined> {
  const buffers = etcdClientTls(o.tls);
  const client = new EtcdClient({ endpoints: [...o.endpoints], connections: 1, ...(buffers ? { tls: buffers } : {}) });
  try {
    const now = await client.currentRevision(CALL_DEADLINE_MS);
    if (o.revision > now) return `revision ${o.revision} is in the future: the cluster is at ${now}`;
    try {
      await client.range({ key: Buffer.from([0]), limit: 1, keysOnly: true, revision: o.revision }, CALL_DEADLINE_MS);
    } catch (err) {
      if (/compacted/.test((err as Error).message)) return `revision ${o.revision} is compacted: etcd keeps history only from its last compaction up to ${now}`;
      throw err;
    }
    return undefined;
  } finally {
    await client.close().catch(() => undefined);
  }
}

export function progressLine(r: DumpResult, start: number): string {
  const s = Math.max(Date.now() - start, 1) / 1000;
  return `dump: ${r.rows.toLocaleString('en-US')} rows, ${(r.bytes / 1e6).toFixed(1)} MB at revision ${r.revision} (${Math.round(r.rows / s).toLocaleString('en-US')} rows/s, ${(r.bytes / 1e6 / s).toFixed(1)} MB/s)`;
}

function stopOf(err: unknown, revision: number): DumpStop {
  const message = (err as Error).message ?? String(err);
  if (err instanceof DumpOutputError) return { cause: err.closedByReader ? 'output-closed' : 'output', message };
  // etcd's ErrCompacted: the revision went while the dump ran (a --revision compacted before is refused earlier).
  if (isEtcdRequestError(err) && /compacted/.test(message)) return { cause: 'compacted', message: `revision ${revision} was compacted while the dump ran (${message})` };
  return { cause: 'cluster', message };
}

interface Sink {
  out: Writable;
  failed: Error | undefined;
}

/** Writes and waits for the stream to take more (a slow reader slows the dump; it does not fill memory). */
async function write(sink: Sink, s: string, r: DumpResult): Promise<void> {
  if (sink.failed) throw outputError(sink.failed);
  if (s === '') return;
  r.written += Buffer.byteLength(s);
  if (sink.out.write(s)) return;
  await new Promise<void>((resolve, reject) => {
    const done = (err?: Error) => {
      sink.out.off('drain', drained);
      sink.out.off('error', done);
      sink.out.off('close', closed);
      if (err) reject(outputError(err));
      else resolve();
    };
    const drained = () => done();
    const closed = () => done(sink.failed ?? new DumpOutputError(true, 'the output was closed before the dump ended'));
    sink.out.on('drain', drained);
    sink.out.on('error', done);
    sink.out.on('close', closed);
  });
}

function outputError(err: Error): DumpOutputError {
  if (err instanceof DumpOutputError) return err;
  const epipe = (err as NodeJS.ErrnoException).code === 'EPIPE';
  return new DumpOutputError(epipe, epipe ? 'the output was closed by its reader (EPIPE) before the dump ended' : `the output could not be written: ${err.message}`);
}
