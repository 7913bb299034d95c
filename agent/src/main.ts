import { parseArgs } from 'node:util';
import pino from 'pino';
import { AgentSession, ORPHAN_LOAD_STOP_MS } from './session.js';

/**
 * etcdlab-agent: dials a coordinator and drives the load it is given. The token comes from the
 * environment (ETCDLAB_TOKEN), never from the command line, so it does not show in `ps`.
 */
const usage = `usage: etcdlab-agent --coordinator URL --id AGENT_ID [--role agent|monitor] [--log-file FILE]
                     [--exit-on-run-end] [--orphan-timeout SECONDS] [--spool-dir DIR]
                     [--load-stop-after SECONDS]
environment: ETCDLAB_TOKEN (required)`;

function fail(message: string): never {
  process.stderr.write(`etcdlab-agent: ${message}\n${usage}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        coordinator: { type: 'string' },
        id: { type: 'string' },
        role: { type: 'string', default: 'agent' },
        'log-file': { type: 'string' },
        'exit-on-run-end': { type: 'boolean', default: false },
        'orphan-timeout': { type: 'string', default: '0' },
        'spool-dir': { type: 'string' },
        'load-stop-after': { type: 'string', default: String(ORPHAN_LOAD_STOP_MS / 1000) },
      },
      strict: true,
    }));
  } catch (err) {
    fail((err as Error).message);
  }
  const token = process.env.ETCDLAB_TOKEN;
  if (!values.coordinator) fail('--coordinator is required');
  if (!values.id) fail('--id is required');
  if (!token) fail('ETCDLAB_TOKEN is not set');
  if (values.role !== 'agent' && values.role !== 'monitor') fail(`--role must be agent or monitor, not ${values.role}`);
  const orphanSec = Number(values['orphan-timeout']);
  if (!Number.isFinite(orphanSec) || orphanSec < 0) fail('--orphan-timeout must be a number of seconds >= 0');
  const loadStopSec = Number(values['load-stop-after']);
  if (!Number.isFinite(loadStopSec) || loadStopSec < 0) fail('--load-stop-after must be a number of seconds >= 0 (0: never)');

  const destination = values['log-file'] ? pino.destination({ dest: values['log-file'], mkdir: true, sync: false }) : pino.destination(1);
  const logger = pino({ base: { agent: values.id, pid: process.pid } }, destination);
  const session = new AgentSession({
    coordinatorUrl: values.coordinator,
    token,
    agentId: values.id,
    role: values.role,
    logger,
    exitOnRunEnd: values['exit-on-run-end'],
    orphanTimeoutMs: orphanSec * 1000,
    orphanLoadStopMs: loadStopSec * 1000,
    ...(values['spool-dir'] ? { spoolDir: values['spool-dir'] } : {}),
  });
  // A stop signal ends the phase in progress with its end report written to the spool (bounded: 5 s).
  for (const sig of ['SIGINT', 'SIGTERM'] as const)
    process.once(sig, () => {
      logger.warn({ signal: sig }, 'signal received; writing what was measured to the spool, then exiting');
      void session.shutdown().finally(() => {
        logger.flush();
        process.exit(0);
      });
    });
  const end = await session.ended;
  logger.info(end, 'session ended');
  logger.flush();
  if (end.reason === 'refused') {
    process.stderr.write(`etcdlab-agent: refused by coordinator: ${end.code}: ${end.message}\n`);
    process.exitCode = 3;
  } else if (end.reason === 'orphaned') process.exitCode = 4;
  // Let pino's async destination flush before the event loop empties.
  setTimeout(() => process.exit(), 50).unref();
}

void main();
