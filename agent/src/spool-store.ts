import { mkdirSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { type IntervalReport, intervalReportSchema, phaseDoneSchema } from '@etcdlab/common';
import type { Logger } from 'pino';
import type { SpoolItem } from './spool.js';

/** What a spool directory may hold before the oldest reports are given up (docs/resilience.md). */
export interface SpoolBounds {
  maxFiles: number;
  maxBytes: number;
  maxAgeMs: number;
}

export const DEFAULT_SPOOL_BOUNDS: SpoolBounds = { maxFiles: 100_000, maxBytes: 512 * 1024 * 1024, maxAgeMs: 24 * 3600_000 };

const CHECKPOINT = 'checkpoint.json';
const REPORT = /^(\d{16})-(interval|phase-done)\.json$/;

export interface StoredItem {
  item: SpoolItem;
  file: string;
}

/**
 * The spool on disk: one file per report, written (and fsynced, off the event loop) before the report is
 * sent, removed once acknowledged, read back by the next agent process on this host. File names carry a
 * sequence that orders reports across processes. The checkpoint file holds the interval in progress.
 */
export class SpoolStore {
  private order: number;
  private bytes = 0;
  private readonly sizes = new Map<string, number>();

  constructor(
    readonly dir: string,
    private readonly logger: Logger,
    private readonly bounds: SpoolBounds = DEFAULT_SPOOL_BOUNDS,
  ) {
    mkdirSync(dir, { recursive: true });
    // Ahead of every name already there, whatever the clock did across a reboot.
    const names = readdirSync(dir).filter((n) => REPORT.test(n));
    const last = names.length ? Number(names.sort().at(-1)!.slice(0, 16)) : 0;
    this.order = Math.max(last + 1, Date.now() * 1000);
  }

  /**
   * What earlier processes left: their unacknowledged reports in order, then their last checkpoint. Files
   * that are unreadable or older than the age bound are removed and said.
   */
  recover(): StoredItem[] {
    const out: StoredItem[] = [];
    const now = Date.now();
    let dropped = 0;
    let checkpoint: IntervalReport[] | undefined;
    for (const name of readdirSync(this.dir).sort()) {
      const file = join(this.dir, name);
      const m = REPORT.exec(name);
      if (!m && name !== CHECKPOINT) {
        if (name.endsWith('.tmp')) unlinkSync(file);
        continue;
      }
      const { size, mtimeMs } = statSync(file);
      if (name === CHECKPOINT) {
        checkpoint = now - mtimeMs > this.bounds.maxAgeMs ? undefined : parseCheckpoint(file);
        if (!checkpoint) dropped++;
        unlinkSync(file);
        continue;
      }
      const item = parseItem(file, m?.[2] === 'interval' ? 'interval' : 'phase:done');
      if (!item || now - mtimeMs > this.bounds.maxAgeMs) {
        dropped++;
        unlinkSync(file);
        continue;
      }
      this.sizes.set(file, size);
      this.bytes += size;
      out.push({ item, file });
    }
    // A checkpoint is only news when no report of its interval was written after it (same instance, seq).
    const first = checkpoint?.[0];
    if (checkpoint && first && !out.some(({ item }) => item.payload.instance === first.instance && ('seq' in item.payload ? item.payload.seq : item.payload.lastSeq) >= first.seq)) {
      // Becomes ordinary report files so that their acknowledgements remove them like any other.
      for (const payload of checkpoint) out.push(this.writeSync({ event: 'interval', payload }));
    }
    if (dropped) this.logger.error({ dir: this.dir, dropped }, 'spool: unreadable or expired reports removed');
    if (out.length) this.logger.warn({ dir: this.dir, reports: out.length }, 'spool: reports of an earlier agent process found; resending them');
    return out;
  }

  /** Writes a report durably; resolves with its file (removed by remove() once acknowledged). */
  async write(item: SpoolItem): Promise<string> {
    const file = this.nextName(item);
    await atomicWrite(file, JSON.stringify(item.payload));
    this.account(file, item);
    return file;
  }

  /**
   * The interval in progress (its reports as they would be sent now), replaced at each checkpoint: an
   * atomic rename, never half-written; not fsynced (a process kill keeps the page cache; a host crash
   * loses at most the last interval).
   */
  async checkpoint(reports: IntervalReport[] | undefined): Promise<void> {
    const file = join(this.dir, CHECKPOINT);
    if (reports && reports.length > 0) await atomicWrite(file, JSON.stringify(reports), false);
    else await unlink(file).catch(() => undefined);
  }

  async remove(file: string): Promise<void> {
    this.bytes -= this.sizes.get(file) ?? 0;
    this.sizes.delete(file);
    await unlink(file).catch((err: unknown) => this.logger.warn({ file, err: String(err) }, 'spool: could not remove an acknowledged report'));
  }

  private writeSync(item: SpoolItem): StoredItem {
    const file = this.nextName(item);
    // Recovery runs before anything else: a synchronous write is simplest and blocks nobody.
    writeFileSync(file, JSON.stringify(item.payload));
    this.account(file, item);
    return { item, file };
  }

  private nextName(item: SpoolItem): string {
    return join(this.dir, `${String(this.order++).padStart(16, '0')}-${item.event === 'interval' ? 'interval' : 'phase-done'}.json`);
  }

  /** Over a bound, the oldest reports are given up (and said): a coordinator away for a day is not waited for forever. */
  private account(file: string, item: SpoolItem): void {
    const size = Buffer.byteLength(JSON.stringify(item.payload));
    this.sizes.set(file, size);
    this.bytes += size;
    while (this.sizes.size > this.bounds.maxFiles || this.bytes > this.bounds.maxBytes) {
      const [oldest, n] = this.sizes.entries().next().value as [string, number];
      this.sizes.delete(oldest);
      this.bytes -= n;
      try {
        unlinkSync(oldest);
      } catch {
        /* already gone */
      }
      this.logger.error({ file: oldest, bounds: this.bounds }, 'spool: over its bound; the oldest unacknowledged report was removed');
    }
  }
}

async function atomicWrite(file: string, text: string, sync = true): Promise<void> {
  const tmp = `${file}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(text);
    if (sync) await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, file);
}

function parseCheckpoint(file: string): IntervalReport[] | undefined {
  try {
    const r = intervalReportSchema.array().min(1).safeParse(JSON.parse(readFileSync(file, 'utf8')));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

function parseItem(file: string, event: SpoolItem['event']): SpoolItem | undefined {
  try {
    const json: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (event === 'interval') {
      const r = intervalReportSchema.safeParse(json);
      return r.success ? { event, payload: r.data } : undefined;
    }
    const r = phaseDoneSchema.safeParse(json);
    return r.success ? { event, payload: r.data } : undefined;
  } catch {
    return undefined;
  }
}
