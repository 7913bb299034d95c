import type { HostRole } from '@etcdlab/common';
import type { FsyncMethod, FsyncResult } from './fsync.js';
import type { BusyProcess } from '@etcdlab/common';
import type { SystemdMode } from './facts.js';
import type { FaultSupport } from './fault-support.js';

/** `etcdlab hosts check --json` (documented in docs/hosts.md). Bump the version on any incompatible change. */
export const HOSTS_CHECK_SCHEMA = 'etcdlab.hosts-check/1';

export type Verdict = 'ok' | 'warn' | 'fail';

export interface Reason {
  level: 'warn' | 'fail';
  /** Which check: reach, hostKey, fsync, steal, neighbour, load, clock, memory, disk, cpus, systemd, probe. */
  check: string;
  message: string;
}

export interface Thresholds {
  /** fdatasync p99 above this fails an etcd host (etcd's own guidance) and warns on others. */
  fsyncP99Ms: number;
  /** CPU steal above this (% of all CPU time over the sample) warns. */
  stealPct: number;
  /** A foreign process above this (% of one CPU) warns: a noisy neighbour. */
  foreignCpuPct: number;
  /** 1-minute load above CPUs x this warns. */
  loadPerCpu: number;
  /** |clock offset| to the coordinator above this warns (agents correct for it, logs do not). */
  clockOffsetMs: number;
  /** Available memory under this warns. */
  memAvailableBytes: number;
  /** Free disk in the work dir under this fails; for etcd hosts under the backend quota it warns. */
  diskFreeFailBytes: number;
  /** etcd hosts with fewer CPUs warn (etcd's docs: 2-4 cores for a small cluster). */
  etcdMinCpus: number;
}

export interface HostCheck {
  name: string;
  address: string;
  port: number;
  user: string;
  roles: HostRole[];
  workDir: string;
  verdict: Verdict;
  reasons: Reason[];
  reachable: boolean;
  /** Set when the host could not be checked at all (connect, host key, authentication). */
  error?: { code: string; step: string; message: string; fix?: string };
  hostKey?: { type: string; fingerprint: string; status: 'known' | 'recorded'; file: string; line: number; jump?: { type: string; fingerprint: string; status: 'known' | 'recorded'; file: string; line: number } };
  os?: { kernel: string; arch: string; name?: string };
  cpus?: number;
  loadavg?: [number, number, number];
  cpu?: { busyPct: number; stealPct: number; iowaitPct: number; sampleMs: number };
  /** Busiest processes that are not etcdlab's or sshd, over the same sample. */
  topProcesses?: BusyProcess[];
  memory?: { totalBytes: number; availableBytes: number };
  disk?: { path: string; filesystem: string; mountpoint: string; totalBytes: number; freeBytes: number };
  fsync?: FsyncResult;
  clock?: { offsetMs: number; rttMs: number; rounds: number; source: 'EPOCHREALTIME' | 'date' };
  systemd?: { state: string; mode: SystemdMode; settled: boolean };
  /** etcd hosts: the faults on purpose a member here can take (docs/faults.md), and a fault table left behind. */
  faults?: FaultSupport & { leftover: boolean };
  /** Seconds the whole check of this host took. */
  seconds: number;
}

export interface HostsCheckReport {
  schema: typeof HOSTS_CHECK_SCHEMA;
  checkedAt: string;
  inventory: string;
  coordinator: { hostname: string };
  options: { fsyncSizeBytes: number; diskProbe: 'auto' | FsyncMethod; acceptNew: boolean };
  thresholds: Thresholds;
  hosts: HostCheck[];
  summary: Record<Verdict, number>;
}
