/**
 * Faults for the ssh provider (docs/faults.md): the member's systemd service on its host, through sudo
 * where the login is not root. kill is SIGKILL to the service's processes, then a stop that cancels
 * systemd's own restart (Restart=on-failure), so the member stays down for the fault's `for`; pause is
 * SIGSTOP / SIGCONT to etcd. Hosts without systemd (the fallback supervisor) are refused by name.
 */
import { ClusterError, ErrorCodes, type Inventory } from '@etcdlab/common';
import type { Logger } from 'pino';
import type { RemoteHost } from '../../ssh/index.js';
import { type MemberFaults, PROVIDER_FAULTS } from '../member-faults.js';
import { etcdServiceName } from './layout.js';
import { sshMembers } from './members.js';
import { detectInit, privileged } from './services.js';
import { withSessions } from './sessions.js';

export function sshMemberFaults(inv: Inventory, log: Logger, acceptNew: boolean): MemberFaults {
  const members = sshMembers(inv);
  const unit = `${etcdServiceName(inv)}.service`;
  const onHost = async (name: string, what: string, steps: (ctl: (...a: string[]) => string[], remote: RemoteHost) => Promise<void>): Promise<void> => {
    const m = members.find((x) => x.name === name);
    if (!m) throw new ClusterError(ErrorCodes.faultFailed, `no etcd member on a host named ${name} in ${inv.source}`);
    await withSessions(inv, [m.host], { logger: log, note: () => undefined, acceptNew }, async (s) => {
      const remote = s.get(m.name);
      const init = await detectInit(remote);
      if (init.mode !== 'systemd') throw new ClusterError(ErrorCodes.faultFailed, `host ${name} runs its member without systemd (${init.detail}); faults need systemd`);
      await steps((...a) => privileged(remote, ['systemctl', ...a]), remote);
    });
    log.warn({ member: name, unit }, what);
  };
  return {
    supports: PROVIDER_FAULTS.ssh,
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
    link: async () => {
      throw new ClusterError(ErrorCodes.faultFailed, 'link faults on ssh hosts (tc netem / nftables) are not built yet');
    },
    clearLink: async () => undefined,
  };
}
