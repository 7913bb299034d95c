import { describe, expect, it } from 'vitest';
import { renderHostsCheck } from '../src/hostcheck/render.js';
import { type HostCheck, HOSTS_CHECK_SCHEMA, type HostsCheckReport } from '../src/hostcheck/schema.js';
import { DEFAULT_THRESHOLDS, judgeHost, worst } from '../src/hostcheck/verdict.js';

type Measured = Omit<HostCheck, 'verdict' | 'reasons' | 'seconds'>;
const GiB = 1024 ** 3;

const healthy = (roles: HostCheck['roles'] = ['etcd', 'monitor']): Measured => ({
  name: 'etcd-1',
  address: '10.0.0.11',
  port: 22,
  user: 'root',
  roles,
  workDir: '/var/lib/etcdlab',
  reachable: true,
  os: { kernel: 'Linux 6.1.0', arch: 'x86_64', name: 'Debian GNU/Linux 12 (bookworm)' },
  cpus: 4,
  loadavg: [0.5, 0.4, 0.3],
  cpu: { busyPct: 3, stealPct: 0.2, iowaitPct: 0.1, sampleMs: 1010 },
  topProcesses: [{ pid: 900, comm: 'cron', cmdline: '/usr/sbin/cron -f', cpuPct: 0.5 }],
  memory: { totalBytes: 16 * GiB, availableBytes: 12 * GiB },
  disk: { path: '/var/lib/etcdlab', filesystem: '/dev/nvme0n1p2', mountpoint: '/', totalBytes: 200 * GiB, freeBytes: 150 * GiB },
  fsync: { method: 'fio', writes: 10029, p50Ms: 0.4, p99Ms: 2.1, maxMs: 9, meanMs: 0.6, percentiles: true },
  clock: { offsetMs: 0.4, rttMs: 0.3, rounds: 8, source: 'EPOCHREALTIME' },
  systemd: { state: 'running', mode: 'systemd', settled: true },
});
const judge = (m: Measured, quotaBytes?: number) => judgeHost(m, DEFAULT_THRESHOLDS, quotaBytes ? { quotaBytes } : {});
const checks = (m: Measured, quotaBytes?: number) => judge(m, quotaBytes).map((r) => `${r.level} ${r.check}`);

describe('verdict rules (thresholds documented in docs/hosts.md)', () => {
  it('a quiet, fast, dedicated host is ok', () => {
    expect(judge(healthy())).toEqual([]);
    expect(worst([])).toBe('ok');
  });

  it('fsync p99 over 10 ms fails an etcd host and warns on an agent host', () => {
    const slow = { ...healthy(), fsync: { method: 'fio' as const, writes: 10, p99Ms: 12.5, meanMs: 3, percentiles: true } };
    expect(checks(slow)).toEqual(['fail fsync']);
    expect(judge(slow)[0]?.message).toBe('fdatasync p99 12.5 ms > 10 ms (fio): too slow for an etcd WAL');
    expect(checks({ ...slow, roles: ['agent'] })).toEqual(['warn fsync']);
    expect(checks({ ...slow, fsync: { ...slow.fsync, p99Ms: 10 } })).toEqual([]);
  });

  it('an average-only probe (dd): fails when the average is over the limit, else warns on etcd hosts that the p99 is unknown', () => {
    const dd = (meanMs: number) => ({ ...healthy(), fsync: { method: 'dd' as const, writes: 1000, meanMs, percentiles: false } });
    expect(checks(dd(11))).toEqual(['fail fsync']);
    expect(checks(dd(1))).toEqual(['warn fsync']);
    expect(checks({ ...dd(1), roles: ['agent'] })).toEqual([]);
  });

  it('steal, noisy neighbour, load, clock, memory, disk, cpus and systemd warnings', () => {
    const m: Measured = {
      ...healthy(),
      cpus: 1,
      loadavg: [1.5, 1, 1],
      cpu: { busyPct: 80, stealPct: 7.5, iowaitPct: 0, sampleMs: 1000 },
      topProcesses: [
        { pid: 77, comm: 'ffmpeg', cmdline: 'ffmpeg -i big.mkv', cpuPct: 63.2 },
        { pid: 78, comm: 'cron', cmdline: 'cron', cpuPct: 10 },
      ],
      clock: { offsetMs: -75.25, rttMs: 1, rounds: 8, source: 'date' },
      memory: { totalBytes: GiB, availableBytes: 100 * 1024 ** 2 },
      disk: { path: '/var/lib/etcdlab', filesystem: 'x', mountpoint: '/', totalBytes: 10 * GiB, freeBytes: GiB },
      systemd: { state: 'starting', mode: 'systemd', settled: false },
    };
    expect(checks(m)).toEqual(['warn steal', 'warn neighbour', 'warn load', 'warn clock', 'warn memory', 'warn disk', 'warn cpus', 'warn systemd']);
    const text = judge(m).map((r) => r.message);
    expect(text[1]).toBe('noisy neighbour: pid 77 ffmpeg at 63.2% CPU (ffmpeg -i big.mkv)');
    expect(text[3]).toMatch(/clock offset -75\.3 ms/);
    expect(text[5]).toMatch(/1\.0 GiB free in \/var\/lib\/etcdlab, less than the etcd backend quota \(2\.0 GiB\)/);
    expect(worst(judge(m))).toBe('warn');
  });

  it('disk: almost full fails any host; the quota comes from the inventory', () => {
    const full = { ...healthy(['agent']), disk: { path: '/w', filesystem: 'x', mountpoint: '/', totalBytes: GiB, freeBytes: 100 * 1024 ** 2 } };
    expect(checks(full)).toEqual(['fail disk']);
    const etcd = { ...healthy(), disk: { path: '/w', filesystem: 'x', mountpoint: '/', totalBytes: 100 * GiB, freeBytes: 5 * GiB } };
    expect(checks(etcd)).toEqual([]);
    expect(checks(etcd, 8 * GiB)).toEqual(['warn disk']);
  });

  it('no systemd is fine (the fallback runs services), no measurement means no judgement', () => {
    expect(judge({ ...healthy(), systemd: { state: 'offline', mode: 'fallback', settled: true } })).toEqual([]);
    const bare: Measured = { name: 'x', address: 'a', port: 22, user: 'u', roles: ['etcd'], workDir: '/w', reachable: true };
    expect(judge(bare)).toEqual([]);
  });
});

describe('the table', () => {
  it('one row per host, unreachable hosts spanned, reasons and fixes below, a summary line', () => {
    const ok: HostCheck = { ...healthy(), verdict: 'ok', reasons: [], seconds: 3 };
    const gone: HostCheck = {
      name: 'etcd-2',
      address: '10.0.0.12',
      port: 22,
      user: 'root',
      roles: ['etcd'],
      workDir: '/w',
      reachable: false,
      verdict: 'fail',
      reasons: [{ level: 'fail', check: 'reach', message: 'E_SSH_UNREACHABLE: etcd-2 (root@10.0.0.12:22): cannot connect (ECONNREFUSED)' }],
      error: { code: 'E_SSH_UNREACHABLE', step: 'connect', message: 'x', fix: 'is sshd running?' },
      seconds: 0.1,
    };
    const report: HostsCheckReport = {
      schema: HOSTS_CHECK_SCHEMA,
      checkedAt: '2026-01-01T00:00:00.000Z',
      inventory: 'lab.yaml',
      coordinator: { hostname: 'me' },
      options: { fsyncSizeBytes: 22 * 1024 ** 2, diskProbe: 'auto', acceptNew: false },
      thresholds: DEFAULT_THRESHOLDS,
      hosts: [ok, gone],
      summary: { ok: 1, warn: 0, fail: 1 },
    };
    const text = renderHostsCheck(report);
    expect(text).toMatch(/│ etcd-1 │ OK\s+│ Debian GNU\/Linux 12 \(bookworm\) \/ x86_64 │\s+4 │\s+0\.50 │\s+0\.2 │ cron 1%\s+│\s+12\.0G │\s+150\.0G │\s+2\.10 \(fio\) │ \+0\.4 ±0\.1 │ running/);
    expect(text).toMatch(/│ etcd-2 │ FAIL\s+│ unreachable: E_SSH_UNREACHABLE \(step connect\)/);
    expect(text).toContain('etcd-2: FAIL reach: E_SSH_UNREACHABLE');
    expect(text).toContain('etcd-2:   fix: is sshd running?');
    expect(text.trim().split('\n').at(-1)).toBe('2 host(s): 1 ok, 0 warn, 1 fail');
  });
});
