import type { Ack, IntervalReport, PhaseDone } from '@etcdlab/common';
import type { Logger } from 'pino';
import type { SpoolStore, StoredItem } from './spool-store.js';

export type SpoolItem = { event: 'interval'; payload: IntervalReport } | { event: 'phase:done'; payload: PhaseDone };

interface Queued {
  item: SpoolItem;
  file?: string;
}

/**
 * Holds reports until the coordinator acknowledges them, sending one at a time so that they arrive in
 * order (all of a phase's intervals before its end). A report whose acknowledgement does not come (a lost
 * connection, a coordinator restart) is sent again; the coordinator drops duplicates by instance and seq.
 * socket.io does not replay missed acknowledgements on reconnect, so this spool is what makes delivery
 * reliable. With a store, each report is on disk before it is sent and removed once acknowledged, so a
 * restarted agent process sends what its predecessor could not.
 */
export class ReportSpool {
  private readonly queue: Queued[] = [];
  private sending = false;
  private waiters: (() => void)[] = [];
  private closed = false;
  /** Disk writes, in push order: a report is queued only once it is on disk. */
  private writes: Promise<void> = Promise.resolve();
  private inFlight = 0;

  constructor(
    private readonly send: (item: SpoolItem) => Promise<Ack>,
    private readonly logger: Logger,
    private readonly store?: SpoolStore,
    private readonly retryDelayMs = 500,
  ) {}

  get pending(): number {
    return this.queue.length + this.inFlight;
  }

  /** Reports an earlier process left on disk go first. */
  restore(items: StoredItem[]): void {
    this.queue.push(...items);
    void this.pump();
  }

  push(item: SpoolItem): void {
    if (!this.store) {
      this.queue.push({ item });
      void this.pump();
      return;
    }
    const store = this.store;
    this.inFlight++;
    this.writes = this.writes.then(async () => {
      let file: string | undefined;
      try {
        file = await store.write(item);
      } catch (err) {
        // A full or broken disk must not stop the run: the report is still sent from memory.
        this.logger.error({ dir: store.dir, err: String(err) }, 'spool: report not written to disk; sending it from memory only');
      }
      this.inFlight--;
      this.queue.push(file ? { item, file } : { item });
      void this.pump();
    });
  }

  /** Saves (or clears) the interval in progress, after every report pushed before it is on disk. */
  checkpoint(reports: IntervalReport[] | undefined): Promise<void> {
    const store = this.store;
    if (!store) return Promise.resolve();
    this.writes = this.writes.then(() => store.checkpoint(reports).catch((err: unknown) => this.logger.warn({ err: String(err) }, 'spool: checkpoint not written')));
    return this.writes;
  }

  /** Resolves when every report pushed so far is on disk (or was found not to fit there). */
  persisted(): Promise<void> {
    return this.writes;
  }

  /** Resolves when every report pushed so far has been acknowledged. */
  drained(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  close(): void {
    this.closed = true;
  }

  private async pump(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      while (this.queue.length > 0 && !this.closed) {
        const q = this.queue[0] as Queued;
        const seq = 'seq' in q.item.payload ? q.item.payload.seq : undefined;
        let ack: Ack | undefined;
        try {
          ack = await this.send(q.item);
        } catch (err) {
          this.logger.warn({ event: q.item.event, seq, err: String(err) }, 'report not acknowledged; will resend');
          await new Promise((r) => setTimeout(r, this.retryDelayMs));
          continue;
        }
        if (!ack.ok) this.logger.error({ event: q.item.event, seq, code: ack.code, message: ack.message }, 'coordinator refused a report');
        this.queue.shift();
        if (q.file) await this.store?.remove(q.file);
      }
    } finally {
      this.sending = false;
    }
    if (this.pending === 0) {
      const w = this.waiters;
      this.waiters = [];
      for (const resolve of w) resolve();
    }
  }
}
