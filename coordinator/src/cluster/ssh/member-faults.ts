/**
 * Faults for the ssh provider (docs/faults.md): the member's systemd service on its host, through sudo
 * where the login is not root. kill is SIGKILL to the service's processes, then a stop that cancels
 * systemd's own restart (Restart=on-failure), so the member stays down for the fault's `for`; pause is
 * SIGSTOP / SIGCONT to etcd. Link faults are one nftables table per member on its host (link-rules.ts),
 * loaded with the nft the probe found. prepare() probes every etcd host before anything is measured,
 * says which cannot take what, and clears what a coordinator that died during a fault left behind.
 */
import { ClusterError, ErrorCodes, type FaultAction, type Inventory } from '@etcdlab/common';
import type { Logger } from 'pino';
import { type FaultProbe, faultSupport } from '../../hostcheck/fault-support.js';
import { readFaultProbe } from '../../hostcheck/probes.js';
import type { RemoteHost } from '../../ssh/index.js';
import { type FaultPreparation, type HostRefusal, type MemberFaults, PROVIDER_FAULTS } from '../member-faults.js';
import { recoverHost } from './fault-recovery.js';
import { etcdServiceName } from './layout.js';
import { farEnds, faultTable, nftClearScript, nftLinkScript } from './link-rules.js';
import { sshMembers } from './members.js';
import { detectInit, privileged } from './services.js';
import { withSessions } from './sessions.js';

export function sshMemberFaults(inv: Inventory, log: Logger, acceptNew: boolean): MemberFaults {
  const members = sshMembers(inv);
  const unit = `${etcdServiceName(inv)}.service`;
  const session = { logger: log, note: () => undefined, acceptNew };
  // What prepare() read of each host (nft's path, the machine's addresses); a fault without it probes.
  const probes = new Map<string, FaultProbe>();
  const probeOf = async (r: RemoteHost): Promise<FaultProbe> => {
    const p = probes.get(r.host.name) ?? (await readFaultProbe(r));
    probes.set(r.host.name, p);
    return p;
  };
  const nft = async (r: RemoteHost, step: string, script: string) => {
    const p = await probeOf(r);
    if (!p.nftPath) throw new ClusterError(ErrorCodes.faultFailed, `${r.host.name}: nftables cannot be used (${p.nft === true ? 'nft not found' : p.nft})`);
    await r.run(step, privileged(r, [p.nftPath, '-f', '-']), { stdin: script, timeoutMs: 30_000 });
  };
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
    async prepare(actions: readonly FaultAction[]): Promise<FaultPreparation> {
      const notes: string[] = [];
      const refusals: HostRefusal[] = [];
      await withSessions(inv, members.map((m) => m.host), session, async (s) => {
        await s.each('probe for faults', async (r) => {
          const probe = await readFaultProbe(r);
          probes.set(r.host.name, probe);
          const support = faultSupport(probe, r.host.ssh.user);
          for (const c of support.cannot.filter((x) => actions.includes(x.action))) refusals.push({ file: inv.source, host: r.host.name, action: c.action, why: c.why, fix: c.fix });
          notes.push(...(await recoverHost(r, unit, probe)));
        });
      });
      return { notes, refusals };
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
      return onHost(
        name,
        'fault: member link fault set through nftables',
        async (_ctl, r) => {
          const ends = farEnds(m.host.address, members.filter((o) => o.name !== name).map((o) => o.host.address), (await probeOf(r)).addresses);
          if (ends.sharing.length) log.warn({ member: name, sharing: ends.sharing }, 'other members share this machine: its peer links are matched by its own address only');
          const script = nftLinkScript({ member: name, address: m.host.address, peerPort: inv.cluster.peerPort, clientPort: inv.cluster.clientPort, peers: ends.peers }, fault);
          await nft(r, 'add the fault table', script);
        },
        false,
      );
    },
    clearLink: (name) => onHost(name, 'fault undone: member links restored (its nftables table deleted)', async (_ctl, r) => void (await nft(r, 'delete the fault table', nftClearScript([faultTable(name)]))), false),
  };
}
