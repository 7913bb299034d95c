import type { Ack, IntervalReport, PhaseDone } from '@etcdlab/common';
import type { Logger } from 'pino';

export type SpoolItem = { event: 'interval'; payload: IntervalReport } | { event: 'phase:done'; payload: PhaseDone };

/**
 * Holds reports until the coordinator acknowledges them, sending one at a time so that they arrive in
 * order (all of a phase's intervals before its end). A report whose acknowledgement does not come (a lost
 * connection, a coordinator restart) is sent again; the coordinator drops duplicates by agent and seq.
 * socket.io does not replay missed acknowledgements on reconnect, so this spool is what makes delivery
 * reliable.
 */
export class ReportSpool {
  private readonly queue: SpoolItem[] = [];
  private sending = false;
  private waiters: (() => void)[] = [];
  private closed = false;

  constructor(
    private readonly send: (item: SpoolItem) => Promise<Ack>,
    private readonly logger: Logger,
    private readonly retryDelayMs = 500,
  ) {}

  get pending(): number {
    return this.queue.length;
  }

  push(item: SpoolItem): void {
    this.queue.push(item);
    void this.pump();
  }

  /** Resolves when every report pushed so far has been acknowledged. */
  drained(): Promise<void> {
    if (this.queue.length === 0) return Promise.resolve();
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
        const item = this.queue[0] as SpoolItem;
        let ack: Ack | undefined;
        try {
          ack = await this.send(item);
        } catch (err) {
          this.logger.warn({ event: item.event, seq: 'seq' in item.payload ? item.payload.seq : undefined, err: String(err) }, 'report not acknowledged; will resend');
          await new Promise((r) => setTimeout(r, this.retryDelayMs));
          continue;
        }
        if (!ack.ok) this.logger.error({ event: item.event, seq: 'seq' in item.payload ? item.payload.seq : undefined, code: ack.code, message: ack.message }, 'coordinator refused a report');
        this.queue.shift();
      }
    } finally {
      this.sending = false;
    }
    if (this.queue.length === 0) {
      const w = this.waiters;
      this.waiters = [];
      for (const resolve of w) resolve();
    }
  }
}
