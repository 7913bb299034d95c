export { AgentSession, AGENT_VERSION, type AgentSessionOptions, type SessionEnd } from './session.js';
export { PhaseRunner, type KvTarget, errorCode } from './phase-runner.js';
export { PhaseRecorder } from './recorder.js';
export { ReportSpool } from './spool.js';
