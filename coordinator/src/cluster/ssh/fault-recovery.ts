/**
 * What a coordinator that died during a fault leaves on ssh hosts, undone (docs/faults.md, crash
 * recovery): every etcdlab fault table deleted, and each member sent SIGCONT (a member left paused is
 * resumed). Runs before a run's health check, in `cluster up`, `down` and `clean`, and before a fault,
 * so a leftover never fails a run or silently distorts it. Returns what it cleared, as lines.
 */
import type { Inventory } from '@etcdlab/common';
import { type FaultProbe } from '../../hostcheck/fault-support.js';
import { readFaultProbe } from '../../hostcheck/probes.js';
import type { RemoteHost } from '../../ssh/index.js';
import { etcdServiceName } from './layout.js';
import { nftClearScript } from './link-rules.js';
import { sshMembers } from './members.js';
import { privileged } from './services.js';
import { type HostSessions, type SessionOptions, withSessions } from './sessions.js';

/** The state letter of the unit's main process (T: stopped by a signal), empty when it has none. */
const MAIN_STATE = `pid=$(systemctl show -p MainPID --value "$1" 2>/dev/null); [ -n "$pid" ] && [ "$pid" != 0 ] && sed -n 's/^State:[[:space:]]*\\(.\\).*/\\1/p' "/proc/$pid/status" 2>/dev/null; true`;

/** One member host; `probe` when the caller has just read it. */
export async function recoverHost(r: RemoteHost, unit: string, probe?: FaultProbe): Promise<string[]> {
  const p = probe ?? (await readFaultProbe(r));
  const notes: string[] = [];
  if (p.tables.length > 0 && p.nftPath) {
    await r.run('clear link faults left behind', privileged(r, [p.nftPath, '-f', '-']), { stdin: nftClearScript(p.tables), timeoutMs: 30_000 });
    notes.push(`cleared a link fault an earlier coordinator left on ${r.host.name} (nftables ${p.tables.join(', ')})`);
  }
  if (p.privilege !== 'none' && (p.systemd === 'running' || p.systemd === 'degraded')) {
    const state = (await r.exec(['sh', '-c', MAIN_STATE, 'etcdlab-state', unit], { timeoutMs: 30_000 })).stdout.trim();
    // Always sent: harmless to a running member, and the state read above may race a pause.
    await r.exec(privileged(r, ['systemctl', 'kill', '--signal=SIGCONT', '--kill-who=main', unit]), { timeoutMs: 30_000 });
    if (/^[Tt]/.test(state)) notes.push(`resumed ${r.host.name}'s member: an earlier coordinator left it paused (SIGSTOP); sent SIGCONT`);
  }
  return notes;
}

/** Every member host of the inventory among open sessions. */
export async function recoverMembers(inv: Inventory, s: HostSessions): Promise<string[]> {
  const names = new Set(sshMembers(inv).map((m) => m.name));
  const unit = `${etcdServiceName(inv)}.service`;
  const per = await s.each('clear faults left behind', (r) => recoverHost(r, unit), s.remotes.filter((r) => names.has(r.host.name)));
  return per.flat();
}

/** The same over its own connections to the member hosts (a run's precheck). */
export function recoverLeftFaults(inv: Inventory, o: SessionOptions): Promise<string[]> {
  return withSessions(inv, sshMembers(inv).map((m) => m.host), o, (s) => recoverMembers(inv, s));
}
