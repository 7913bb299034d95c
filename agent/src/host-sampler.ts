import { readdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { type HostSample, hostSampleFrom, parseLoadavg, parsePidStats, parseProcStat, type PidStat, type ProcessSnapshot, type ProcStat, type SamplingStart } from '@etcdlab/common';
import type { Logger } from 'pino';
import { wallNowMs } from './phase-execution.js';

function readProcesses(): Map<number, PidStat> {
  const lines: string[] = [];
  for (const d of readdirSync('/proc')) {
    if (d.charCodeAt(0) < 48 || d.charCodeAt(0) > 57) continue;
    try {
      lines.push(readFileSync(`/proc/${d}/stat`, 'utf8').trimEnd());
    } catch {
      /* the process ended between readdir and read */
    }
  }
  return parsePidStats(lines.join('\n'));
}

function readCmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0+$/, '').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

function memAvailableMb(): number {
  const m = /MemAvailable:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : 0;
}

/**
 * Samples this host from /proc once per interval during a run, so that a noisy neighbour, CPU steal or
 * a saturated core shows beside the results. Command lines are read only for processes that used CPU.
 */
export class HostSampler {
  private timer: NodeJS.Timeout | undefined;
  private last: { stat: ProcStat; procs: ProcessSnapshot } | undefined;

  constructor(
    private readonly agentId: string,
    private readonly send: (s: HostSample) => void,
    private readonly logger: Logger,
  ) {}

  start(msg: SamplingStart): void {
    this.stop();
    this.last = this.read(new Map());
    this.timer = setInterval(() => this.tick(msg), msg.intervalMs);
    this.timer.unref();
    this.logger.info({ runId: msg.runId, intervalMs: msg.intervalMs }, 'host sampling started');
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.last = undefined;
  }

  private read(prev: Map<number, PidStat>): { stat: ProcStat; procs: ProcessSnapshot } {
    const stat = parseProcStat(readFileSync('/proc/stat', 'utf8'));
    const stats = readProcesses();
    const cmdlines = new Map<number, string>();
    for (const [pid, s] of stats) {
      const p = prev.get(pid);
      if (p && p.start === s.start && s.ticks > p.ticks) cmdlines.set(pid, readCmdline(pid));
    }
    return { stat, procs: { stats, cmdlines } };
  }

  private tick(msg: SamplingStart): void {
    if (!this.last) return;
    try {
      const now = this.read(this.last.procs.stats);
      const sample = hostSampleFrom(
        { runId: msg.runId, agentId: this.agentId, host: hostname(), t: wallNowMs(), selfPid: process.pid, markers: msg.ownMarkers },
        this.last,
        { ...now, load1: parseLoadavg(readFileSync('/proc/loadavg', 'utf8'))[0], memAvailableMb: memAvailableMb() },
      );
      this.last = now;
      this.send(sample);
    } catch (err) {
      this.logger.warn({ err: String(err) }, 'host sample failed');
    }
  }
}
