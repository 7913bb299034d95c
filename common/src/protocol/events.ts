import type { HostSample, SamplingStart } from '../host/sample.js';
import type { Ack, AgentFault, ClockPong, IntervalReport, PhaseDone, PhasePrepare, PhaseStart, PhaseStop } from './messages.js';

/** Events the coordinator emits to agents. Every callback is a socket.io acknowledgement. */
export interface CoordinatorToAgentEvents {
  'clock:ping': (ping: { seq: number }, ack: (pong: ClockPong) => void) => void;
  'phase:prepare': (msg: PhasePrepare, ack: (r: Ack) => void) => void;
  'phase:start': (msg: PhaseStart, ack: (r: Ack) => void) => void;
  'phase:stop': (msg: PhaseStop) => void;
  /** The run is over: local agents exit, service agents wait for the next coordinator. */
  'run:end': (msg: { runId: string; reason: string }) => void;
  /** This agent samples its host for the run (one agent per host); stops at run:end. */
  'sampling:start': (msg: SamplingStart) => void;
}

/** Events agents emit to the coordinator. */
export interface AgentToCoordinatorEvents {
  interval: (msg: IntervalReport, ack: (r: Ack) => void) => void;
  'phase:done': (msg: PhaseDone, ack: (r: Ack) => void) => void;
  'agent:fault': (msg: AgentFault) => void;
  /** Best effort, not acknowledged: a lost sample leaves a gap in a chart, never in the results. */
  'host:sample': (msg: HostSample) => void;
}
