/**
 * How each phase ended, as the run engine saw it: written to manifest.json (`phases`), the input of the
 * verdict's completeness (report model). Pure.
 */
import type { PhaseDone } from '../protocol/messages.js';

export type AgentEnd = PhaseDone['endedBy'] | 'lost' | 'failed' | 'interrupted';
export type PhaseOutcome = 'completed' | 'interrupted' | 'incomplete' | 'failed';

export interface AgentPhaseRecord {
  agentId: string;
  clients: number;
  startSkewMs: number;
  elapsedMs: number;
  endedBy: AgentEnd;
}

export interface PhaseRecordInput {
  name: string;
  startedAtMs: number;
  durationMs: number;
  agents: AgentPhaseRecord[];
  /** The run was interrupted while this phase ran. */
  interrupted: boolean;
}

export interface PhaseRecord extends Omit<PhaseRecordInput, 'interrupted'> {
  outcome: PhaseOutcome;
  reasons: string[];
}

/**
 * The phase's outcome: interrupted beats everything; a phase where every agent with clients failed or was
 * lost measured nothing it was asked for (failed); some of them (incomplete); else completed.
 */
export function phaseRecord(p: PhaseRecordInput): PhaseRecord {
  const { interrupted, ...rest } = p;
  const working = p.agents.filter((a) => a.clients > 0);
  const bad = working.filter((a) => a.endedBy === 'lost' || a.endedBy === 'failed');
  const reasons = bad.map((a) => `agent ${a.agentId} ${a.endedBy === 'lost' ? 'was lost' : 'failed its phase'}`);
  let outcome: PhaseOutcome = 'completed';
  if (interrupted) {
    outcome = 'interrupted';
    reasons.unshift(`interrupted after ${(p.durationMs / 1000).toFixed(1)} s`);
  } else if (working.length > 0 && bad.length === working.length) outcome = 'failed';
  else if (bad.length > 0) outcome = 'incomplete';
  return { ...rest, outcome, reasons };
}
