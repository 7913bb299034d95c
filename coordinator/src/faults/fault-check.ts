/**
 * A workload's faults against the cluster it will run on, before anything is measured: the provider can
 * inject each lasting action, and a member named as a target is in the cluster (pure).
 */
import { ErrorCodes, FAULT_TARGETS, type FaultAction, type FaultSpec, InputError, LASTING_ACTIONS, type Workload } from '@etcdlab/common';
import { type HostRefusal, PROVIDER_FAULTS } from '../cluster/member-faults.js';
import { DROP_MODULUS, dropThreshold } from '../cluster/ssh/link-rules.js';
import type { ProviderName } from '../cluster/target.js';

/** The links a workload's faults need proxies on (a partition from clients needs the client links). */
export function linkNeeds(workload: Workload): { peer: boolean; client: boolean } | undefined {
  const links = workload.phases.flatMap((p) => (p.faults ?? []).flatMap((f) => (f.link ? [f.link] : [])));
  if (links.length === 0) return undefined;
  return { peer: links.some((l) => l.from !== 'clients'), client: links.some((l) => l.from !== 'peers') };
}

/** The lasting actions (kill, stop, pause, link faults) a workload's faults use, each once. */
export const lastingActions = (workload: Workload): FaultAction[] => [...new Set(workload.phases.flatMap((p) => (p.faults ?? []).map((f) => f.action)))].filter((a) => LASTING_ACTIONS.includes(a));

type Problem = { file: string; field: string; message: string; fix: string };
export interface FaultCluster {
  provider: ProviderName;
  members?: readonly string[];
  keep?: boolean;
  /** What the cluster's mechanism can inject, when it differs from the provider's (a kept local cluster). */
  can?: readonly FaultAction[];
}

export function checkFaultTargets(workload: Workload, cluster: FaultCluster): void {
  const problems: Problem[] = [];
  if (cluster.keep && cluster.provider === 'local' && linkNeeds(workload)) {
    problems.push({ file: '--keep', field: '--keep', message: `${workload.source} has link faults (partition, delay, drop): its cluster's links run through proxies in this process, which end with the run`, fix: 'run it without --keep' });
  }
  const entries = workload.phases.flatMap((p, i) => (p.faults ?? []).map((f, j) => ({ field: `phases[${i}].faults[${j}]`, f })));
  problems.push(...faultProblems(entries, workload.source, cluster, (field, key) => `${field}.${key}`));
  if (problems.length) throw new InputError(ErrorCodes.workloadInvalid, `${workload.source}: ${problems.length} problem(s) with the faults on this cluster`, problems);
}

/** Each fault against the cluster: the mechanism can inject it, a named member exists, the count fits. */
export function faultProblems(entries: readonly { field: string; f: FaultSpec }[], file: string, cluster: FaultCluster, fieldOf: (entry: string, key: string) => string): Problem[] {
  const problems: Problem[] = [];
  const can = cluster.can ?? PROVIDER_FAULTS[cluster.provider];
  for (const { field, f } of entries) {
    if (LASTING_ACTIONS.includes(f.action) && !can.includes(f.action)) {
      problems.push({ file, field: fieldOf(field, 'action'), message: `the ${cluster.provider} provider cannot ${f.action} a member${cluster.can ? ' here' : ''}${can.length ? ` (it can: ${can.join(', ')})` : ''}`, fix: actionFix(cluster, can) });
    }
    // nftables draws a drop with numgen in steps of 1/DROP_MODULUS: a smaller share would drop nothing.
    if (cluster.provider === 'ssh' && f.link && !f.link.cut && f.link.dropShare > 0 && dropThreshold(f.link.dropShare) === 0) {
      problems.push({ file, field: fieldOf(field, 'share'), message: `share ${f.link.dropShare} is below 1/${DROP_MODULUS}, the finest share nftables drops on ssh hosts (it would drop nothing)`, fix: `use share: ${1 / DROP_MODULUS} or more` });
    }
    if (f.link?.cut && cluster.provider === 'docker' && f.link.from !== 'both') {
      problems.push({ file, field: fieldOf(field, 'from'), message: `the docker provider cuts a member off from its network entirely; it cannot cut it from ${f.link.from} only`, fix: 'use from: both (or run it on a local cluster)' });
    }
    const named = !(FAULT_TARGETS as readonly string[]).includes(f.target) && f.action !== 'compact';
    if (named && cluster.members && !cluster.members.includes(f.target)) {
      problems.push({ file, field: fieldOf(field, 'target'), message: `no member named ${f.target} in this cluster`, fix: `use leader, follower, random, or one of: ${cluster.members.join(', ')}` });
    }
    const size = cluster.members?.length;
    const followers = f.target === 'follower' || (f.action === 'move-leader' && f.target === 'leader');
    const room = size === undefined ? undefined : followers ? size - 1 : size;
    if (room === 0 && f.action !== 'compact') problems.push({ file, field: fieldOf(field, 'target'), message: `a ${size}-member cluster has no follower`, fix: 'run it on 3 members or more (--members 3)' });
    else if (room !== undefined && f.count > room) problems.push({ file, field: fieldOf(field, 'count'), message: `${f.count} ${f.target} member(s) asked of a ${size}-member cluster`, fix: `use a count of at most ${room}` });
  }
  return problems;
}

/** The fix for an action the cluster cannot take: a run is pointed at a local cluster, a drill at what this cluster takes. */
function actionFix(cluster: FaultCluster, can: readonly FaultAction[]): string {
  if (cluster.can && cluster.provider === 'local') return 'a kept local cluster has no link proxies: put the fault in a workload and run it (quickstart -w FILE), or use kill, stop, pause (docs/faults.md)';
  if (cluster.can) return `give <action> one of ${[...can, 'compact', 'defrag', 'move-leader'].join(', ')} (what this cluster takes, docs/faults.md)`;
  return 'run it on a local cluster (quickstart / run without -i or --endpoints), or use compact, defrag or move-leader, which work on every cluster (docs/faults.md)';
}

const refusalMessage = (r: HostRefusal) => `${r.host} cannot take a ${r.action} fault: ${r.why}`;

/** A run's hosts that cannot take its faults: the workload is refused, each host named. */
export const runRefusal = (refusals: readonly HostRefusal[]): InputError =>
  new InputError(ErrorCodes.workloadInvalid, `${refusals.length} fault(s) the hosts of ${refusals[0]?.file ?? 'the inventory'} cannot take`, refusals.map((r) => ({ file: r.file, field: `hosts[${r.host}]`, message: refusalMessage(r), fix: r.fix })));

/** A drill's host that cannot take it: the option is refused, with the host's fix and where to see them all. */
export const drillRefusal = (command: string, refusals: readonly HostRefusal[]): InputError =>
  new InputError(ErrorCodes.optionInvalid, `${command}: ${refusals.length} host(s) of ${refusals[0]?.file ?? 'the inventory'} cannot take it`, refusals.map((r) => ({ file: r.file, field: '<action>', message: refusalMessage(r), fix: `${r.fix}; etcdlab hosts check -i ${r.file} says what each host takes` })));
