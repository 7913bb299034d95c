import type { AgentEnd, AgentRestart } from '@etcdlab/common';
import type { Logger } from 'pino';
import type { AgentServer, ConnectedAgent } from '../fleet/agent-server.js';

const wallNowMs = (): number => performance.timeOrigin + performance.now();

/** How long a restarted agent's resend of its predecessor's spool is waited for before deciding on a rejoin. */
const RECOVERED_WAIT_MS = 10_000;

export interface PhaseAgentsOptions {
  phase: string;
  ids: readonly string[];
  server: AgentServer;
  logger: Logger;
  /** How long an agent may be away, or connected and silent, before its share of the phase ends. */
  lostAfterMs: number;
  /** The instance each agent had when the phase was prepared; a new one is a restarted process. */
  instanceOf: Map<string, string>;
  /**
   * A restarted agent came back while the phase runs: rejoin it (resolves true) or not (false: its share
   * ends at the time it was lost). Throwing counts as not rejoined.
   */
  rejoin(agent: ConnectedAgent): Promise<boolean>;
  warn(message: string): void;
}

/**
 * Who a phase still waits for, and every limit on that wait: an agent that went away and did not come back
 * within lostAfterMs, one that is connected but sends nothing for as long, one that came back as a new
 * process (rejoined or closed at the time it was lost), one that is not heard from after an interrupt.
 * Each ending is said with the agent's name; `done` resolves when nobody is pending.
 */
export class PhaseAgents {
  readonly pending: Set<string>;
  readonly ends = new Map<string, AgentEnd>();
  readonly restarts: AgentRestart[] = [];
  readonly done: Promise<void>;
  private finish!: () => void;
  private readonly lastHeard = new Map<string, number>();
  private readonly awayAt = new Map<string, number>();
  private readonly lostTimers = new Map<string, NodeJS.Timeout>();
  /** How an earlier instance of the agent ended its share (its end report, resent from a spool). */
  private readonly earlierEnds = new Map<string, AgentEnd>();
  /** Reports of earlier instances received since the agent's current connection, and who waits for them. */
  private readonly earlierHeard = new Map<string, number>();
  private readonly earlierWaiters = new Map<string, () => void>();
  private watchdog: NodeJS.Timeout | undefined;
  private abortTimer: NodeJS.Timeout | undefined;
  private aborted = false;
  private readonly onDisconnect = (a: ConnectedAgent) => this.disconnected(a);
  private readonly onConnect = (a: ConnectedAgent) => this.connected(a);

  constructor(private readonly o: PhaseAgentsOptions) {
    this.pending = new Set(o.ids);
    this.done = new Promise<void>((r) => (this.finish = r));
    if (this.pending.size === 0) this.finish();
    o.server.on('disconnected', this.onDisconnect);
    o.server.on('connected', this.onConnect);
  }

  /**
   * Agents already connected when the phase is taken over (a resumed coordinator) are looked at as if
   * they had just connected: a new process is a restart (wait for its resend, then rejoin or not).
   */
  takeOver(): void {
    for (const id of this.o.ids) {
      const a = this.o.server.get(id);
      if (a) this.connected(a);
    }
  }

  /** A report from the agent (any instance): it is alive and working. */
  heard(id: string): void {
    this.lastHeard.set(id, wallNowMs());
  }

  /** A report of an earlier instance of the agent arrived (from the spool a restarted process resends). */
  heardEarlier(id: string, end?: AgentEnd): void {
    this.heard(id);
    if (end) this.earlierEnds.set(id, end);
    this.earlierHeard.set(id, (this.earlierHeard.get(id) ?? 0) + 1);
    this.earlierWaiters.get(id)?.();
  }

  markDone(id: string, end: AgentEnd): void {
    if (!this.pending.has(id)) return;
    this.ends.set(id, end);
    this.pending.delete(id);
    clearTimeout(this.lostTimers.get(id));
    if (this.pending.size === 0) this.finish();
  }

  giveUp(id: string, why: string, end: AgentEnd): void {
    if (!this.pending.has(id)) return;
    const warning = `agent ${id} ${why} during phase ${this.o.phase}; its results up to then are kept`;
    this.o.logger.error({ agentId: id, phase: this.o.phase }, warning);
    this.o.warn(warning);
    this.markDone(id, end);
  }

  /**
   * From `sinceMs` on (the synchronized start; a resumed coordinator: the time it took over), an agent that sends nothing for lostAfterMs (plus an interval: it
   * reports every interval, even an idle one) is given up on, connected or not: a hung or stopped process
   * keeps its connection until the ping timeout, and an agent that is back but knows nothing would never end.
   */
  watch(sinceMs: number, intervalMs: number): void {
    const limit = this.o.lostAfterMs + intervalMs;
    this.watchdog = setInterval(() => {
      const now = wallNowMs();
      for (const id of [...this.pending]) {
        const since = Math.max(sinceMs, this.lastHeard.get(id) ?? -Infinity);
        if (now - since > limit) this.giveUp(id, `was lost (no report for ${(limit / 1000).toFixed(0)} s, ${this.o.server.get(id) ? 'still connected' : 'disconnected'})`, 'lost');
      }
    }, 1000);
  }

  /** After an interrupt nobody waits long: the away now, the silent within 10 s. */
  abort(): void {
    this.aborted = true;
    for (const id of [...this.pending]) if (!this.o.server.get(id)) this.giveUp(id, 'went away after the interrupt', 'interrupted');
    this.abortTimer = setTimeout(() => {
      for (const id of [...this.pending]) this.giveUp(id, 'sent no end report within 10 s of the interrupt', 'interrupted');
    }, 10_000);
  }

  close(): void {
    this.o.server.off('disconnected', this.onDisconnect);
    this.o.server.off('connected', this.onConnect);
    for (const t of this.lostTimers.values()) clearTimeout(t);
    clearInterval(this.watchdog);
    clearTimeout(this.abortTimer);
    for (const wake of this.earlierWaiters.values()) wake();
  }

  /**
   * A restarted process first resends what its predecessor spooled (hello.recovered reports): the decision
   * to rejoin waits for them (bounded: 10 s), so a predecessor that finished its share is not run twice.
   */
  private recoveredFrom(a: ConnectedAgent): Promise<void> {
    const id = a.hello.agentId;
    const want = a.hello.recovered ?? 0;
    this.earlierHeard.set(id, 0);
    if (want === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(finish, RECOVERED_WAIT_MS);
      function finish(): void {
        clearTimeout(timer);
        resolve();
      }
      this.earlierWaiters.set(id, () => {
        if ((this.earlierHeard.get(id) ?? 0) < want && this.pending.has(id)) return;
        this.earlierWaiters.delete(id);
        finish();
      });
    });
  }

  private disconnected(a: ConnectedAgent): void {
    const id = a.hello.agentId;
    // The old connection of an agent that is already back (a restart or a quick reconnect) is not a loss.
    if (this.o.server.get(id)) return;
    if (this.aborted) return this.giveUp(id, 'went away after the interrupt', 'interrupted');
    if (!this.pending.has(id) || this.lostTimers.has(id)) return;
    this.awayAt.set(id, wallNowMs());
    this.lostTimers.set(
      id,
      setTimeout(() => {
        this.lostTimers.delete(id);
        if (!this.o.server.get(id)) this.giveUp(id, `was lost (away for more than ${(this.o.lostAfterMs / 1000).toFixed(0)} s)`, 'lost');
      }, this.o.lostAfterMs),
    );
  }

  private connected(a: ConnectedAgent): void {
    const id = a.hello.agentId;
    clearTimeout(this.lostTimers.get(id));
    this.lostTimers.delete(id);
    const known = this.o.instanceOf.get(id);
    this.o.instanceOf.set(id, a.hello.instance);
    if (!this.pending.has(id) || known === undefined || known === a.hello.instance) return;
    // A new process: it knows nothing of the phase. Its predecessor's share ends when it was last heard of.
    const backAtMs = wallNowMs();
    const awayAtMs = this.awayAt.get(id) ?? backAtMs;
    const lostAtMs = Math.min(awayAtMs, this.lastHeard.get(id) ?? backAtMs);
    this.awayAt.delete(id);
    this.heard(id);
    void this.recoveredFrom(a)
      .then(async () => {
        const earlier = this.earlierEnds.get(id);
        // The predecessor ran its whole share (its end report came from the spool): nothing to rejoin.
        if (earlier !== undefined && earlier !== 'stopped') return 'finished' as const;
        return this.pending.has(id) && !this.aborted ? this.o.rejoin(a) : false;
      })
      .catch((err: unknown) => {
        this.o.logger.error({ agentId: id, err: String(err) }, 'restarted agent could not rejoin');
        return false;
      })
      .then((rejoined) => {
        const earlier = this.earlierEnds.get(id);
        // Not a loss: the earlier process ran its share to the end; the new one only delivered it.
        if (rejoined === 'finished' && earlier) return this.markDone(id, earlier);
        this.restarts.push({ agentId: id, lostAtMs, awayAtMs, backAtMs, rejoined: rejoined === true });
        if (rejoined === false && earlier === 'stopped') this.giveUp(id, `restarted (back after ${((backAtMs - lostAtMs) / 1000).toFixed(1)} s) and could not rejoin the phase; its earlier process had stopped its load`, 'stopped');
        else if (rejoined === false) this.giveUp(id, `restarted (back after ${((backAtMs - lostAtMs) / 1000).toFixed(1)} s) and could not rejoin the phase`, 'lost');
      });
  }
}
