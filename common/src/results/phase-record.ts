/**
 * How each phase ended, as the run engine saw it: written to manifest.json (`phases`), the input of the
 * verdict's completeness (report model). Pure.
 */
import type { PhaseDone } from '../protocol/messages.js';
import type { AvailabilityRecord, DurabilityRecord, FaultRecord } from './faults.js';

export type AgentEnd = PhaseDone['endedBy'] | 'lost' | 'failed' | 'interrupted';
export type PhaseOutcome = 'completed' | 'interrupted' | 'incomplete' | 'failed';

export interface AgentPhaseRecord {
  agentId: string;
  clients: number;
  startSkewMs: number;
  elapsedMs: number;
  endedBy: AgentEnd;
}

/** An agent process that went away mid-phase and came back as a new instance (docs/resilience.md). */
export interface AgentRestart {
  agentId: string;
  /** Coordinator clock (ms): when its earlier instance was last heard of, and when the new one connected. */
  lostAtMs: number;
  /** When the coordinator saw it go (its connection closed, or the new instance arrived): it was dead by then. */
  awayAtMs?: number;
  backAtMs: number;
  /** It ran the rest of the phase's schedule; false: the phase could not be rejoined (its share ended). */
  rejoined: boolean;
}

/** The cluster's revision around a phase: every write etcd acknowledged in between made one (the witness). */
export interface RevisionWitness {
  fromRevision: number;
  toRevision: number;
}

export interface PhaseRecordInput {
  name: string;
  startedAtMs: number;
  durationMs: number;
  agents: AgentPhaseRecord[];
  /** Agents of the run not connected when the phase was planned: it ran without their share. */
  absent?: string[];
  restarts?: AgentRestart[];
  witness?: RevisionWitness;
  /** A fault phase: the faults as injected, the availability the agents saw, the durability check. */
  faults?: FaultRecord[];
  availability?: AvailabilityRecord;
  durability?: DurabilityRecord;
  /** The run was interrupted while this phase ran. */
  interrupted: boolean;
}

export interface PhaseRecord extends Omit<PhaseRecordInput, 'interrupted'> {
  outcome: PhaseOutcome;
  reasons: string[];
}

/**
 * The phase's outcome: interrupted beats everything; a phase where every agent with clients failed or was
 * lost (or none was there) measured nothing it was asked for (failed); some of them, or an agent of the
 * run absent (incomplete); else completed. A restart that rejoined is not a loss: it is stated beside.
 */
export function phaseRecord(p: PhaseRecordInput): PhaseRecord {
  const { interrupted, ...rest } = p;
  const working = p.agents.filter((a) => a.clients > 0);
  const bad = working.filter((a) => a.endedBy === 'lost' || a.endedBy === 'failed');
  // Stopped without an interrupt: the agent ended its load early (no coordinator for too long, a graceful stop).
  const stopped = interrupted ? [] : working.filter((a) => a.endedBy === 'stopped');
  const absent = p.absent ?? [];
  const reasons = [
    ...absent.map((id) => `agent ${id} was not connected when the phase started`),
    ...bad.map((a) => `agent ${a.agentId} ${a.endedBy === 'lost' ? 'was lost' : 'failed its phase'}`),
    ...stopped.map((a) => `agent ${a.agentId} stopped its load before its schedule ended`),
  ];
  let outcome: PhaseOutcome = 'completed';
  if (interrupted) {
    outcome = 'interrupted';
    reasons.unshift(`interrupted after ${(p.durationMs / 1000).toFixed(1)} s`);
  } else if (working.length === 0 && absent.length > 0) outcome = 'failed';
  else if (working.length > 0 && bad.length === working.length) outcome = 'failed';
  else if (bad.length > 0 || absent.length > 0 || stopped.length > 0) outcome = 'incomplete';
  return { ...rest, outcome, reasons };
}
