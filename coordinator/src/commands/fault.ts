/**
 * `etcdlab fault ACTION [TARGET]`: one fault on a cluster that is up (docker or ssh by inventory, a local
 * one kept with --keep by its run folder), for manual drills. The fault is validated by the workloads'
 * own schema, checked against the cluster, injected, held for --for, undone (also on Ctrl-C), and what
 * the cluster did is printed (docs/faults.md#drills).
 */
import { ErrorCodes, FAULT_ACTIONS, faultIssues, faultSchema, InputError, toFaultSpec, zodProblems } from '@etcdlab/common';
import { Option } from 'commander';
import pino from 'pino';
import { drillStatement } from '../report/model/faults.js';
import { runDrill } from '../faults/drill.js';
import { drillRefusal, faultProblems } from '../faults/fault-check.js';
import { interruptSignal } from '../run/interrupt.js';
import { clusterOptions, opsFrom, type ClusterCommandOptions } from './cluster-ops-options.js';
import { intOption } from './options.js';
import type { Registrar } from './register.js';

interface FaultOpts extends ClusterCommandOptions {
  for?: string;
  count?: number;
  from?: string;
  ms?: string;
  jitter?: string;
  share?: string;
  json?: boolean;
}

const note = (line: string) => process.stderr.write(line + '\n');
/** A schema field as the option that sets it. */
const optionOf = (field: string): string => (field === 'action' ? '<action>' : field === 'target' ? '[target]' : `--${field}`);

function specFrom(action: string, target: string | undefined, o: FaultOpts) {
  const raw = {
    action,
    ...(target !== undefined ? { target } : {}),
    ...(o.count !== undefined ? { count: o.count } : {}),
    at: '0s',
    ...(o.for !== undefined ? { for: o.for } : {}),
    ...(o.from !== undefined ? { from: o.from } : {}),
    ...(o.ms !== undefined ? { ms: o.ms } : {}),
    ...(o.jitter !== undefined ? { jitter: o.jitter } : {}),
    ...(o.share !== undefined ? { share: Number(o.share) } : {}),
  };
  const parsed = faultSchema.safeParse(raw);
  const bad = (problems: { field: string; message: string; fix: string }[]) =>
    new InputError(ErrorCodes.optionInvalid, `etcdlab fault ${action}: ${problems.length} problem(s)`, problems.map((p) => ({ ...p, field: optionOf(p.field) })));
  if (!parsed.success) throw bad(zodProblems(parsed.error, faultSchema).map((p) => ({ field: p.field ?? 'action', message: p.message, fix: p.fix ?? '' })));
  const spec = toFaultSpec(parsed.data);
  const issues = faultIssues([spec], { durationMs: (spec.forMs ?? 0) + 1 }, []);
  if (issues.length) throw bad(issues.map((i) => ({ field: String(i.path[i.path.length - 1]), message: i.message.replace(/\b(for|every|at):/g, '--$1'), fix: i.fix.replace(/\b(for|every|at):/g, '--$1') })));
  return spec;
}

export const registerFault: Registrar = (program, setExit) => {
  const cmd = program
    .command('fault')
    .description('one fault on a cluster that is up (docker, ssh, or local kept with --keep), held --for, then undone: a manual drill (docs/faults.md)')
    .argument('<action>', FAULT_ACTIONS.join(' | '))
    .argument('[target]', 'leader (default), follower, random, or a member name')
    .option('--for <duration>', 'kill, stop, pause, partition, drop: how long it lasts, e.g. 5s')
    .addOption(new Option('--count <n>', 'follower / random: how many members').argParser(intOption('--count', 1, 6)))
    .option('--from <links>', 'partition: peers, clients or both (default)')
    .option('--ms <duration>', 'delay: added to each piece of peer traffic')
    .option('--jitter <duration>', 'delay: up to this much more')
    .option('--share <0..1>', 'drop: the share of peer traffic lost')
    .option('--json', 'print the fault record as JSON on stdout');
  clusterOptions(cmd).action(async (action: string, target: string | undefined, o: FaultOpts) => {
    const spec = specFrom(action, target, o);
    const ops = await opsFrom(o, note);
    const info = await ops.info();
    const mech = ops.faults ? await ops.faults() : undefined;
    const problems = faultProblems([{ field: '', f: spec }], o.inventory ?? o.runDir ?? '', { provider: ops.provider, members: info.members.map((m) => m.name), can: mech?.supports ?? [] }, (_e, key) => optionOf(key));
    if (problems.length) throw new InputError(ErrorCodes.optionInvalid, `etcdlab fault ${action}: ${problems.length} problem(s) with this cluster`, problems);
    const logger = pino({ level: process.env.ETCDLAB_LOG_LEVEL ?? 'silent' }, pino.destination(2));
    if (mech?.prepare && spec.forMs !== undefined) {
      const prep = await mech.prepare([spec.action]);
      for (const line of prep.notes) note(line);
      if (prep.refusals.length) throw drillRefusal(`etcdlab fault ${action}`, prep.refusals);
    }
    const warnings: string[] = [];
    const interrupt = interruptSignal(() => note('interrupted: undoing the fault (Ctrl-C again to quit at once, leaving it in place)'));
    try {
      const rec = await runDrill({ members: info.members, endpoints: info.clientEndpoints, ...(info.tls ? { tls: info.tls } : {}), ...(mech ? { faults: mech } : {}) }, spec, { logger, note, warn: (w) => (warnings.push(w), note(`warning: ${w}`)), signal: interrupt.signal });
      const statement = drillStatement(rec);
      if (o.json) process.stdout.write(JSON.stringify({ ...rec, statement, warnings }, null, 2) + '\n');
      else process.stdout.write(`${statement}\n`);
      setExit(interrupt.signal.aborted ? 130 : rec.error || warnings.length ? 1 : 0);
    } finally {
      interrupt.dispose();
    }
  });
};
