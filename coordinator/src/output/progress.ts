import { liveRateShort, type LiveStats } from '@etcdlab/common';
import { createLogUpdate } from 'log-update';
import { int, ms, rate } from './format.js';

/**
 * Live progress on stderr, separate from the JSON log and from stdout (which --json keeps clean).
 * On a terminal one line is redrawn in place; otherwise a plain line is printed every few seconds.
 */
export class Progress {
  private readonly tty: boolean;
  private readonly render: ReturnType<typeof createLogUpdate> | undefined;
  private lastPlain = 0;

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly enabled = true,
  ) {
    this.tty = Boolean(stream.isTTY);
    this.render = this.tty && enabled ? createLogUpdate(stream) : undefined;
  }

  note(message: string): void {
    if (!this.enabled) return;
    this.render?.clear();
    this.stream.write(message + '\n');
  }

  /**
   * The live line: this interval's rates and percentiles (labelled as such), the phase's cumulative
   * counts, the agents connected now, and for open loops the rate asked against the rate reached.
   */
  live(s: LiveStats, agentsOnline: number, agentsTotal: number, askedOpsPerSec?: number): void {
    if (!this.enabled) return;
    const i = s.interval;
    const now = i ? `last 1s: ${rate(i.opsPerSec).padStart(7)} ops/s p50 ${ms(i.p50Us)} p99 ${ms(i.p99Us)} ms` : 'last 1s: waiting for every agent';
    const open = askedOpsPerSec !== undefined && i ? `  ${liveRateShort(askedOpsPerSec, i.startedPerSec).text}` : '';
    const lost = agentsOnline < agentsTotal ? ' LOST' : '';
    const line = `  ${s.phase.padEnd(18)} ${s.elapsedSec.toFixed(0).padStart(4)}s  ${now}${open}  total ${int(s.count)} ok, ${int(s.errors)} errors  agents ${agentsOnline}/${agentsTotal}${lost}`;
    if (this.render) this.render(line);
    // Plain output (a log, CI): no line before the phase has data, then one every 5 s.
    else if (s.count + s.errors > 0 && Date.now() - this.lastPlain >= 5000) {
      this.lastPlain = Date.now();
      this.stream.write(line + '\n');
    }
  }

  /** A ✓ only for a phase that completed; otherwise its outcome and why, never a tick. */
  phaseDone(name: string, count: number, errors: number, seconds: number, end: { outcome: string; reasons: string[] }): void {
    if (!this.enabled) return;
    this.render?.clear();
    const mark = end.outcome === 'completed' ? '✓' : '✗';
    const why = end.outcome === 'completed' ? '' : ` — ${end.outcome.toUpperCase()}: ${end.reasons.join('; ')}`;
    this.stream.write(`  ${mark} ${name}: ${int(count)} ops, ${int(errors)} errors in ${seconds.toFixed(1)}s${why}\n`);
  }

  done(): void {
    this.render?.done();
  }
}
