import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { classifySystemd, parseDf, parseEpochSeconds, parseMeminfo, parseOsRelease, parseSize, splitSections } from '../src/hostcheck/facts.js';
import { parseDdOutput, parseFioJson, parseProbeLatencies, percentile } from '../src/hostcheck/fsync.js';
import { cpuShares, parseLoadavg, parseProcStat } from '@etcdlab/common';
import { isOwnProcess, parseCmdlines, parsePidStats, topForeignProcesses } from '@etcdlab/common';

describe('/proc/stat and /proc/loadavg', () => {
  const a = 'cpu  1000 10 500 8000 100 0 50 40 30 0\ncpu0 500 5 250 4000 50 0 25 20 15 0\ncpu1 500 5 250 4000 50 0 25 20 15 0\nintr 123\nctxt 9\n';
  const b = 'cpu  1100 10 550 8150 110 0 60 60 40 0\ncpu0 1 1 1 1 1 1 1 1\ncpu1 1 1 1 1 1 1 1 1\n';

  it('reads the aggregate line (guest left out of the total) and counts CPUs', () => {
    const s = parseProcStat(a);
    expect(s.cpus).toBe(2);
    expect(s.cpu).toMatchObject({ user: 1000, idle: 8000, iowait: 100, steal: 40, total: 1000 + 10 + 500 + 8000 + 100 + 0 + 50 + 40 });
  });

  it('shares of the interval: steal, iowait, busy', () => {
    // deltas: user 100, system 50, idle 150, iowait 10, softirq 10, steal 20 -> total 340
    const s = cpuShares(parseProcStat(a).cpu, parseProcStat(b).cpu);
    expect(s.deltaJiffies).toBe(340);
    expect(s.stealPct).toBe(5.88);
    expect(s.iowaitPct).toBe(2.94);
    expect(s.busyPct).toBe(47.06);
    expect(cpuShares(parseProcStat(a).cpu, parseProcStat(a).cpu)).toEqual({ busyPct: 0, stealPct: 0, iowaitPct: 0, deltaJiffies: 0 });
  });

  it('old kernels without steal columns, and garbage', () => {
    expect(parseProcStat('cpu 1 2 3 4\ncpu0 1 2 3 4\n').cpu).toMatchObject({ steal: 0, total: 10 });
    expect(() => parseProcStat('intr 1\n')).toThrow(/no aggregate cpu line/);
    expect(() => parseProcStat('cpu a b c d\n')).toThrow(/unreadable/);
    expect(parseLoadavg('7.95 7.00 4.18 4/286 26456\n')).toEqual([7.95, 7, 4.18]);
    expect(() => parseLoadavg('x')).toThrow(/unreadable/);
  });
});

describe('processes', () => {
  // Real layout: pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime prio nice threads itreal starttime ...
  const stat = (pid: number, comm: string, utime: number, stime: number, start = 100, ppid = 1) => `${pid} (${comm}) S ${ppid} 0 0 0 -1 0 0 0 0 0 ${utime} ${stime} 0 0 20 0 1 0 ${start} 0 0`;

  it('parses stat lines whose comm has spaces and parentheses', () => {
    const m = parsePidStats([stat(1, 'init', 5, 5), stat(42, 'evil) (x y', 100, 50), 'garbage', stat(7, 'npm exec tsc -b', 1, 2)].join('\n'));
    expect([...m.keys()]).toEqual([1, 42, 7]);
    expect(m.get(42)).toEqual({ pid: 42, comm: 'evil) (x y', ppid: 1, ticks: 150, start: 100 });
  });

  it('splits head -v output into command lines', () => {
    const text = '==> /proc/1/cmdline <==\n/sbin/init\0splash\0\n==> /proc/2/cmdline <==\n\n==> /proc/30/cmdline <==\nnode\0/x/y.js\0--flag';
    const m = parseCmdlines(text);
    expect(m.get(1)).toBe('/sbin/init splash');
    expect(m.get(2)).toBe('');
    expect(m.get(30)).toBe('node /x/y.js --flag');
  });

  it('ranks foreign processes by CPU over the interval, leaving out ours, sshd, new and reused pids', () => {
    const before = parsePidStats([stat(10, 'stress', 0, 0), stat(11, 'etcd', 0, 0), stat(12, 'sshd', 0, 0), stat(13, 'node', 0, 0), stat(14, 'idle', 5, 5), stat(15, 'reused', 0, 0, 100), stat(16, 'sh', 0, 0)].join('\n'));
    const after = parsePidStats(
      [stat(10, 'stress', 90, 10), stat(11, 'etcd', 200, 0), stat(12, 'sshd', 50, 0), stat(13, 'node', 30, 0), stat(14, 'idle', 5, 5), stat(15, 'reused', 80, 0, 999), stat(16, 'sh', 40, 0), stat(17, 'new', 90, 0)].join('\n'),
    );
    const cmd = new Map([
      [10, 'stress --cpu 1'],
      [11, '/var/lib/etcdlab/bin/etcd --config-file /var/lib/etcdlab/etcd.yml'],
      [13, 'node /opt/etcdlab/agent.js'],
      [16, 'sh -c ... etcdlab-hostcheck'],
    ]);
    // 2 CPUs, aggregate delta 200 jiffies -> 100 jiffies of one CPU over the interval.
    const top = topForeignProcesses(before, after, cmd, 100, { workDir: '/var/lib/etcdlab', selfPid: 999 });
    expect(top).toEqual([{ pid: 10, comm: 'stress', cmdline: 'stress --cpu 1', cpuPct: 100 }]);
    expect(topForeignProcesses(before, after, cmd, 0, { workDir: '/x' })).toEqual([]);
    expect(isOwnProcess({ pid: 5, comm: 'etcd', cmdline: '/srv/lab/etcd --data-dir /srv/lab/data' }, { workDir: '/srv/lab' })).toBe(true);
    expect(isOwnProcess({ pid: 5, comm: 'etcd', cmdline: '/usr/bin/etcd --data-dir /var/lib/etcd' }, { workDir: '/srv/lab' })).toBe(false);
    expect(isOwnProcess({ pid: 5, comm: 'x', cmdline: 'anything' }, { workDir: '/', selfPid: 5 })).toBe(true);
  });
});

describe('host facts', () => {
  it('sections, meminfo, df, os-release', () => {
    const s = splitSections('@@self 123\n@@a\nline 1\nline 2\n@@empty\n@@b\nx');
    expect([...s.entries()]).toEqual([
      ['self', '123'],
      ['a', 'line 1\nline 2'],
      ['empty', ''],
      ['b', 'x'],
    ]);
    expect(parseMeminfo('MemTotal:       24684096 kB\nMemFree:  1 kB\nMemAvailable:   22550772 kB\n')).toEqual({ totalBytes: 24684096 * 1024, availableBytes: 22550772 * 1024 });
    expect(parseMeminfo('MemTotal: 100 kB\nMemFree: 10 kB\nBuffers: 5 kB\nCached: 20 kB\n').availableBytes).toBe(35 * 1024);
    expect(() => parseMeminfo('')).toThrow(/MemTotal/);
    expect(parseDf('Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/vda 264212084 23926620 82464292 23% /srv/my data\n')).toEqual({
      filesystem: '/dev/vda',
      mountpoint: '/srv/my data',
      totalBytes: 264212084 * 1024,
      freeBytes: 82464292 * 1024,
    });
    expect(() => parseDf("df: /nope: No such file or directory\n")).toThrow(/unreadable/);
    expect(parseOsRelease('NAME="Debian GNU/Linux"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n')).toBe('Debian GNU/Linux 12 (bookworm)');
    expect(parseOsRelease("NAME='Alpine'\nVERSION_ID=3.19\n")).toBe('Alpine 3.19');
    expect(parseOsRelease('')).toBeUndefined();
  });

  it('systemd states', () => {
    expect(classifySystemd('running\n')).toEqual({ state: 'running', mode: 'systemd', settled: true });
    expect(classifySystemd('degraded')).toMatchObject({ mode: 'systemd', settled: true });
    expect(classifySystemd('starting')).toMatchObject({ mode: 'systemd', settled: false });
    expect(classifySystemd('offline\n')).toEqual({ state: 'offline', mode: 'fallback', settled: true });
    expect(classifySystemd('')).toEqual({ state: 'absent', mode: 'fallback', settled: true });
    expect(classifySystemd('absent')).toMatchObject({ mode: 'fallback' });
  });

  it('epoch seconds and sizes', () => {
    expect(parseEpochSeconds('1700000000.123456\n')).toBeCloseTo(1700000000123.456, 3);
    expect(parseEpochSeconds('1700000000,5')).toBe(1700000000500);
    expect(parseEpochSeconds('1700000000.%N')).toBeUndefined();
    expect(parseSize('22m')).toBe(22 * 1024 * 1024);
    expect(parseSize('256k')).toBe(262144);
    expect(parseSize('1G')).toBe(1024 ** 3);
    expect(parseSize('23000')).toBe(23000);
    expect(parseSize('lots')).toBeUndefined();
  });
});

describe('fdatasync probes', () => {
  it('reads fio 3.33 JSON (sync latency percentiles), also after warnings', () => {
    const text = readFileSync(new URL('./fixtures/fio-3.33-fdatasync.json', import.meta.url), 'utf8');
    const expected = { method: 'fio', writes: 911, p50Ms: 0.399, p99Ms: 7.045, maxMs: 52.347, meanMs: 1.117, percentiles: true };
    expect(parseFioJson(text)).toEqual(expected);
    expect(parseFioJson('fio: note: some warning\n' + text)).toEqual(expected);
    expect(() => parseFioJson('{"jobs":[{"error":5}]}')).toThrow(/error 5/);
    expect(() => parseFioJson('{"jobs":[{"error":0,"write":{}}]}')).toThrow(/no sync latency/);
  });

  it('python3/perl latency lists give exact nearest-rank percentiles', () => {
    const us = Array.from({ length: 100 }, (_, i) => (i + 1) * 100); // 0.1 .. 10 ms
    const r = parseProbeLatencies(us.join(',') + '\n', 'python3');
    expect(r).toEqual({ method: 'python3', writes: 100, p50Ms: 5, p99Ms: 9.9, maxMs: 10, meanMs: 5.05, percentiles: true });
    expect(parseProbeLatencies('1500', 'perl')).toMatchObject({ p99Ms: 1.5, note: expect.stringMatching(/fsync/) });
    expect(() => parseProbeLatencies('', 'python3')).toThrow(/unreadable/);
    expect(() => parseProbeLatencies('1,x', 'perl')).toThrow(/unreadable/);
    expect(percentile([1, 2, 3, 4], 99)).toBe(4);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
  });

  it('dd gives only an average, and says so', () => {
    const r = parseDdOutput('20+0 records in\n20+0 records out\n46000 bytes (46 kB, 45 KiB) copied, 0.0346154 s, 1.3 MB/s\n', 20);
    expect(r).toMatchObject({ method: 'dd', writes: 20, meanMs: 1.731, percentiles: false });
    expect(r.p99Ms).toBeUndefined();
    expect(r.note).toMatch(/only the average/);
    expect(() => parseDdOutput('dd: failed to open', 20)).toThrow(/unreadable dd output/);
  });
});
