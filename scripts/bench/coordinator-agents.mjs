// Simulated agents for the coordinator benchmark: many real socket.io connections from one process,
// each handshaking like an agent and sending one interval report per second, acknowledged, as agents do.
//   node coordinator-agents.mjs <url> <token> <firstIndex> <count> <opsPerReport> <valuesPerOp>
// Talks to its parent over IPC: 'connected' when all sockets are up; then {startAtMs, intervals} starts the
// reports; 'done' with ack counts at the end.
import { dist } from './lib.mjs';

const [url, token, firstArg, countArg, opsArg, valuesArg] = process.argv.slice(2);
const first = Number(firstArg);
const count = Number(countArg);
const opsPerReport = Number(opsArg);
const valuesPerOp = Number(valuesArg);
const common = await dist('common/dist/index.js');
const { io } = await import(new URL('../../node_modules/socket.io-client/build/esm-debug/index.js', import.meta.url).href).catch(() => import('socket.io-client'));

// Reports carry real histograms: `valuesPerOp` latencies around 3 ms per op kind, encoded once here.
const ops = Array.from({ length: opsPerReport }, (_, k) => {
  const h = common.newAgentHistogram();
  for (let i = 0; i < valuesPerOp; i++) common.recordUs(h, 1000 + ((i * 7919 + k * 131) % 9000));
  return { op: `op-${k}`, count: valuesPerOp, errors: k === 0 ? { DEADLINE_EXCEEDED: 1 } : {}, histogram: common.encodeHistogram(h) };
});

const agents = [];
await Promise.all(
  Array.from({ length: count }, (_, i) => {
    const agentId = `sim-${first + i}`;
    const socket = io(url, {
      forceNew: true, // one real connection per simulated agent, not one multiplexed manager
      transports: ['websocket'],
      reconnection: false,
      auth: { protocolVersion: common.PROTOCOL_VERSION, token, agentId, host: 'bench', role: 'agent', pid: process.pid, agentVersion: 'bench', nodeVersion: process.version },
    });
    agents.push({ agentId, socket, seq: 0 });
    return new Promise((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
  }),
);
process.send('connected');

process.on('message', async ({ startAtMs, intervals }) => {
  let acked = 0;
  let failed = 0;
  const sends = [];
  for (let k = 0; k < intervals; k++) {
    const intervalStartMs = startAtMs + k * 1000;
    const wait = intervalStartMs + 1000 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    // Every agent closes its interval at the same instant (synchronized phases): a burst each second.
    for (const a of agents) {
      const report = { runId: 'bench', agentId: a.agentId, seq: a.seq++, phase: 'bench', intervalStartMs, intervalMs: 1000, ops, cpuUs: 1000, lateStarts: 0 };
      sends.push(
        a.socket
          .timeout(30_000)
          .emitWithAck('interval', report)
          .then((ack) => (ack?.ok ? acked++ : failed++), () => failed++),
      );
    }
  }
  await Promise.all(sends);
  for (const a of agents) a.socket.close();
  process.send({ acked, failed }, () => process.exit(0));
});
