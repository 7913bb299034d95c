/**
 * Faults for the ssh provider (docs/faults.md): the member's systemd service on its host, through sudo
 * where the login is not root. kill is SIGKILL to the service's processes, then a stop that cancels
 * systemd's own restart (Restart=on-failure), so the member stays down for the fault's `for`; pause is
 * SIGSTOP / SIGCONT to etcd. Link faults are one nftables table on the member's host (link-rules.ts).
 * prepare() probes every etcd host before anything is measured, and clears what a coordinator that died
 * during a fault left behind (a fault table, a paused member).
 */
import { ClusterError, ErrorCodes, type FaultAction, InputError, type Inventory } from '@etcdlab/common';
import type { Logger } from 'pino';
import { faultSupport } from '../../hostcheck/fault-support.js';
import { readFaultProbe } from '../../hostcheck/probes.js';
import type { RemoteHost } from '../../ssh/index.js';
import { type MemberFaults, PROVIDER_FAULTS } from '../member-faults.js';
import { etcdServiceName } from './layout.js';
import { nftClearScript, nftLinkScript } from './link-rules.js';
import { sshMembers } from './members.js';
import { detectInit, privileged } from './services.js';
import { withSessions } from './sessions.js';

const nft = (r: RemoteHost, step: string, script: string) => r.run(step, privileged(r, ['nft', '-f', '-']), { stdin: script, timeoutMs: 30_000 });

export function sshMemberFaults(inv: Inventory, log: Logger, acceptNew: boolean): MemberFaults {
  const members = sshMembers(inv);
  const unit = `${etcdServiceName(inv)}.service`;
  const session = { logger: log, note: () => undefined, acceptNew };
  const memberOf = (name: string) => {
    const m = members.find((x) => x.name === name);
    if (!m) throw new ClusterError(ErrorCodes.faultFailed, `no etcd member on a host named ${name} in ${inv.source}`);
    return m;
  };
  const onHost = async (name: string, what: string, steps: (ctl: (...a: string[]) => string[], remote: RemoteHost) => Promise<void>, needsSystemd = true): Promise<void> => {
    const m = memberOf(name);
    await withSessions(inv, [m.host], session, async (s) => {
      const remote = s.get(m.name);
      if (needsSystemd) {
        const init = await detectInit(remote);
        if (init.mode !== 'systemd') throw new ClusterError(ErrorCodes.faultFailed, `host ${name} runs its member without systemd (${init.detail}); faults need systemd`);
      }
      await steps((...a) => privileged(remote, ['systemctl', ...a]), remote);
    });
    log.warn({ member: name, unit }, what);
  };
  return {
    supports: PROVIDER_FAULTS.ssh,
    async prepare(actions: readonly FaultAction[]): Promise<string[]> {
      const notes: string[] = [];
      const problems: { file: string; field: string; message: string; fix: string }[] = [];
      await withSessions(inv, members.map((m) => m.host), session, async (s) => {
        await s.each('probe for faults', async (r) => {
          const probe = await readFaultProbe(r);
          const support = faultSupport(probe, r.host.ssh.user);
          for (const c of support.cannot.filter((x) => actions.includes(x.action)))
            problems.push({ file: inv.source, field: `hosts[${r.host.name}]`, message: `${r.host.name} cannot take a ${c.action} fault: ${c.why}`, fix: c.fix });
          if (probe.leftover) {
            await nft(r, 'clear a link fault left behind', nftClearScript());
            notes.push(`cleared a link fault an earlier coordinator left on ${r.host.name}`);
          }
          if (probe.privilege !== 'none' && support.can.includes('pause')) await r.exec(privileged(r, ['systemctl', 'kill', '--signal=SIGCONT', '--kill-who=main', unit]));
        });
      });
      if (problems.length) throw new InputError(ErrorCodes.workloadInvalid, `${problems.length} fault(s) the hosts of ${inv.source} cannot take`, problems);
      return notes;
    },
    kill: (name) =>
      onHost(name, 'fault: member killed (SIGKILL) through systemd', async (ctl, r) => {
        await r.run(`SIGKILL ${unit}`, ctl('kill', '--signal=SIGKILL', unit));
        // The unit restarts on failure by itself: the stop cancels that, so the fault lasts its `for`.
        await r.run(`hold ${unit} down`, ctl('stop', unit), { timeoutMs: 30_000 });
      }),
    stop: (name) => onHost(name, 'fault: member stopped through systemd', async (ctl, r) => void (await r.run(`stop ${unit}`, ctl('stop', unit), { timeoutMs: 60_000 }))),
    start: (name) => onHost(name, 'fault undone: member started through systemd', async (ctl, r) => void (await r.run(`start ${unit}`, ctl('start', unit), { timeoutMs: 60_000 }))),
    pause: (name) => onHost(name, 'fault: member paused (SIGSTOP)', async (ctl, r) => void (await r.run(`SIGSTOP ${unit}`, ctl('kill', '--signal=SIGSTOP', '--kill-who=main', unit)))),
    resume: (name) => onHost(name, 'fault undone: member resumed (SIGCONT)', async (ctl, r) => void (await r.run(`SIGCONT ${unit}`, ctl('kill', '--signal=SIGCONT', '--kill-who=main', unit)))),
    link: (name, fault) => {
      const m = memberOf(name);
      const script = nftLinkScript({ address: m.host.address, peerPort: inv.cluster.peerPort, clientPort: inv.cluster.clientPort }, fault);
      return onHost(name, 'fault: member link fault set through nftables', async (_ctl, r) => void (await nft(r, 'add the fault table', script)), false);
    },
    clearLink: (name) => onHost(name, 'fault undone: member links restored (nftables table deleted)', async (_ctl, r) => void (await nft(r, 'delete the fault table', nftClearScript())), false),
  };
}
