import Table from 'cli-table3';
import type { HostCheck, HostsCheckReport } from './schema.js';

const gib = (b: number | undefined) => (b === undefined ? '-' : `${(b / 1024 ** 3).toFixed(1)}G`);
const num = (x: number | undefined, digits = 1) => (x === undefined ? '-' : x.toFixed(digits));

function fsyncCell(h: HostCheck): string {
  const f = h.fsync;
  if (!f) return '-';
  return f.p99Ms !== undefined ? `${f.p99Ms.toFixed(2)} (${f.method})` : `avg ${f.meanMs.toFixed(2)} (${f.method})`;
}

function neighbourCell(h: HostCheck): string {
  const p = h.topProcesses?.[0];
  return p ? `${p.comm} ${p.cpuPct.toFixed(0)}%` : h.topProcesses ? 'none' : '-';
}

/** The table `hosts check` prints, then one line per reason. */
export function renderHostsCheck(r: HostsCheckReport, opts: { color?: boolean } = {}): string {
  const style = opts.color ? {} : { head: [], border: [] };
  const table = new Table({
    head: ['host', 'verdict', 'os / arch', 'cpus', 'load1', 'steal %', 'top neighbour', 'mem avail', 'disk free', 'fsync p99 ms', 'clock ms', 'systemd'],
    colAligns: ['left', 'left', 'left', 'right', 'right', 'right', 'left', 'right', 'right', 'right', 'right', 'left'],
    style,
  });
  for (const h of r.hosts) {
    if (!h.reachable) {
      table.push([h.name, 'FAIL', { colSpan: 10, content: `unreachable: ${h.error?.code ?? ''} (step ${h.error?.step ?? '?'})` }]);
      continue;
    }
    table.push([
      h.name,
      h.verdict.toUpperCase(),
      h.os ? `${h.os.name ?? h.os.kernel} / ${h.os.arch}` : '-',
      h.cpus === undefined ? '-' : String(h.cpus),
      num(h.loadavg?.[0], 2),
      num(h.cpu?.stealPct),
      neighbourCell(h),
      gib(h.memory?.availableBytes),
      gib(h.disk?.freeBytes),
      fsyncCell(h),
      h.clock ? `${h.clock.offsetMs >= 0 ? '+' : ''}${h.clock.offsetMs.toFixed(1)} ±${(h.clock.rttMs / 2).toFixed(1)}` : '-',
      h.systemd ? (h.systemd.mode === 'systemd' ? h.systemd.state : `no (${h.systemd.state})`) : '-',
    ]);
  }
  const lines = [table.toString()];
  for (const h of r.hosts) {
    for (const reason of h.reasons) lines.push(`${h.name}: ${reason.level.toUpperCase()} ${reason.check}: ${reason.message}`);
    if (h.error?.fix) lines.push(`${h.name}:   fix: ${h.error.fix}`);
    if (h.fsync?.note) lines.push(`${h.name}: note: ${h.fsync.note}`);
    if (h.faults) lines.push(...faultLines(h.name, h.faults));
  }
  lines.push(`${r.hosts.length} host(s): ${r.summary.ok} ok, ${r.summary.warn} warn, ${r.summary.fail} fail`);
  return lines.join('\n');
}

/** What faults on purpose a member on the host can take (docs/faults.md), one line per kind it cannot. */
function faultLines(name: string, f: NonNullable<HostCheck['faults']>): string[] {
  return [
    `${name}: faults: ${f.can.length ? f.can.join(', ') : 'none'} (compact, defrag, move-leader need nothing)${f.leftover ? '; a link fault an earlier run left is in place (the next fault run clears it)' : ''}`,
    ...f.cannot.map((c) => `${name}:   no ${c.action}: ${c.why}`),
  ];
}
