import type { LiveStats } from '@etcdlab/common';
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

  live(s: LiveStats, agentsOnline: number, agentsTotal: number): void {
    if (!this.enabled) return;
    const line = `  ${s.phase.padEnd(18)} ${s.elapsedSec.toFixed(0).padStart(4)}s  ${rate(s.opsPerSec).padStart(8)} ops/s  p50 ${ms(s.p50Us)} ms  p99 ${ms(s.p99Us)} ms  ops ${int(s.count)}  errors ${int(s.errors)}  agents ${agentsOnline}/${agentsTotal}`;
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
