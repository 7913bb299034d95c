export { main } from './cli.js';
export { executeRun, type RunRequest } from './run/run-session.js';
export { runWorkload } from './run/engine.js';
export { AgentServer } from './fleet/agent-server.js';
