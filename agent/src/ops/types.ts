import type { AgentPhasePlan, KeyPicker } from '@etcdlab/common';
import type { EtcdClient } from '../etcd/client.js';
import type { LeasePool } from './lease.js';
import type { RevisionTracker } from './revisions.js';
import type { ValueSource } from './values.js';

/** The etcd calls the operations use; EtcdClient provides them. */
export type EtcdTarget = Pick<
  EtcdClient,
  'put' | 'get' | 'deleteKey' | 'range' | 'putRevision' | 'deleteRange' | 'txn' | 'compact' | 'leaseGrant' | 'leaseRevoke' | 'streams'
>;

/**
 * Runs operation number j on connection conn. Resolves with nothing (recorded under the op's own name)
 * or with the name to record it under instead (e.g. `cas-miss` when the compare failed); rejects with
 * the etcd error to count.
 */
import type { AckedPuts } from './observe.js';

export type OpExecutor = (j: number, conn: number) => Promise<string | void>;

/** What every operation of an agent's phase shares. */
export interface OpContext {
  readonly plan: AgentPhasePlan;
  readonly target: EtcdTarget;
  readonly keys: KeyPicker;
  readonly values: ValueSource;
  readonly revisions: RevisionTracker;
  readonly leases: LeasePool;
  readonly deadlineMs: number;
  /** A fault phase: the last acknowledged put per tracked key (the durability check). */
  readonly acked?: AckedPuts;
}

/** A recorder for what operations observe besides their own latency (watch events, stream failures). */
export interface ObservationSink {
  success(op: string, latencyUs: number, nowPerf: number): void;
  failure(op: string, code: string, nowPerf: number): void;
}
