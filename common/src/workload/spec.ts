import type { FaultSpec } from './faults.js';
import type { Rule } from './rules.js';
import type { KeyDistribution, OpSpec } from './schema-fields.js';

/** One step of an open-loop ramp: the rate moves linearly from the previous one to `target` over `durationMs`. */
export interface RateStage {
  target: number;
  durationMs: number;
}

export interface KeySpec {
  prefix: string;
  distribution: KeyDistribution;
  space: number;
  /** zipf exponent. */
  zipf?: number;
  /** Hot set: `keys` share of the space gets `ops` share of the operations. */
  hot?: { keys: number; ops: number };
  /** Length of the key's last segment: fixed (min = max) or ranged. Absent = the index's digits. */
  size?: { min: number; max: number };
}

export interface WatchSpec {
  streams: number;
  watchersPerStream: number;
  on: 'prefix' | 'key';
}

export interface LeaseSpec {
  ttlMs: number;
  pool: number;
}

/** A pattern phase with every default filled in (rates per hour, per driver; -1 off, 0 unlimited). */
export interface PatternLoadSpec {
  /** The pattern text as written. */
  spec: string;
  /** Its name in the workload's `patterns:`, when it came from there. */
  name?: string;
  drivers: number;
  total?: number;
  putRate: number;
  skipInit: boolean;
  valSpec?: { min: number; max: number };
  churnValRate: number;
  churnLevelRate: number;
  churnLevel: number;
  churnLevelPct: number;
  getRate: number;
  getLevel: number;
  serializableGets: boolean;
  getKeysOnly: boolean;
  /** Per level: a count, or 'n' for every prefix of the level. Empty = no watchers. */
  watchCountsPerLevel: (number | 'n')[];
  watchWithPrefix: boolean;
  watchPrefixGetIntervalMs: number;
  watchersPerStream: number;
  leases?: { active: number; ttlMs: number };
  absolute: boolean;
}

/** A phase with every default filled in: what agents are planned from. */
export interface PhaseSpec {
  name: string;
  description?: string;
  /** The mix by entry name (an operation, or a label with its `op`); weights above 0 only; empty for a pattern phase. */
  ops: Record<string, OpSpec>;
  clients: number;
  connections: number;
  total?: number;
  durationMs?: number;
  /** Open loop target in ops/s for the whole phase (the ramp's start); absent = closed loop. */
  rate?: number;
  /** Ramp steps after `rate`; the last target holds until the phase ends. */
  rateStages?: RateStage[];
  /** Measured part starts after this (whole intervals); 0 = no warm-up. */
  warmupMs: number;
  keys: KeySpec;
  /** Value size in bytes; with valueSizeMax above it, each value's size is picked in [valueSize, valueSizeMax]. */
  valueSize: number;
  valueSizeMax: number;
  deadlineMs: number;
  consistency: 'linearizable' | 'serializable';
  watch?: WatchSpec;
  lease?: LeaseSpec;
  pattern?: PatternLoadSpec;
  /** Faults injected during the phase, in the order written (docs/faults.md). */
  faults?: FaultSpec[];
}

export interface Workload {
  name: string;
  description?: string;
  /** Where it was read from, for the manifest and error messages. */
  source: string;
  quick: boolean;
  patterns?: Record<string, string>;
  rules?: Rule[];
  phases: PhaseSpec[];
}
