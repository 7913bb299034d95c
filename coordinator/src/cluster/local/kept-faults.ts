/**
 * Faults on a local cluster kept with --keep (`etcdlab fault --run-dir`): signals to the member's process
 * group, found by the pid in cluster.json and only when /proc shows it is still our member. A killed or
 * stopped member is started again the way `cluster up --run-dir` starts one. A kept cluster has no link
 * proxies, so link faults are not offered.
 */
import { ClusterError, ErrorCodes } from '@etcdlab/common';
import type { MemberFaults } from '../member-faults.js';
import { isPidAlive, signalGroup, sleep } from './processes.js';
import { isOurMember, type ClusterState, type ClusterStateMember } from './state.js';

const GONE_WAIT_MS = 15_000;

export function keptMemberFaults(o: { state: () => Promise<ClusterState>; startStopped: () => Promise<unknown> }): MemberFaults {
  const live = async (name: string): Promise<ClusterStateMember> => {
    const s = await o.state();
    const m = s.members.find((x) => x.name === name);
    if (!m) throw new ClusterError(ErrorCodes.faultFailed, `no member named ${name} (members: ${s.members.map((x) => x.name).join(', ')})`);
    if (!(await isPidAlive(m.pid)) || !(await isOurMember(m))) throw new ClusterError(ErrorCodes.faultFailed, `member ${name} is not running (pid ${m.pid})`);
    return m;
  };
  const signalAndWait = async (name: string, sig: NodeJS.Signals): Promise<void> => {
    const m = await live(name);
    signalGroup(m.pid, 'SIGCONT'); // a paused member does not act on SIGTERM
    signalGroup(m.pid, sig);
    for (const until = Date.now() + GONE_WAIT_MS; Date.now() < until; await sleep(50)) if (!(await isPidAlive(m.pid))) return;
    throw new ClusterError(ErrorCodes.faultFailed, `member ${name} (pid ${m.pid}) was still running ${GONE_WAIT_MS / 1000} s after ${sig}`);
  };
  const notBuilt = async (): Promise<never> => {
    throw new ClusterError(ErrorCodes.faultFailed, 'a kept local cluster has no link proxies: link faults need a run (quickstart -w with the fault in the workload)');
  };
  return {
    supports: ['kill', 'stop', 'pause'],
    kill: (name) => signalAndWait(name, 'SIGKILL'),
    stop: (name) => signalAndWait(name, 'SIGTERM'),
    start: async () => void (await o.startStopped()),
    pause: async (name) => void signalGroup((await live(name)).pid, 'SIGSTOP'),
    resume: async (name) => void signalGroup((await live(name)).pid, 'SIGCONT'),
    link: notBuilt,
    clearLink: async () => undefined,
  };
}
