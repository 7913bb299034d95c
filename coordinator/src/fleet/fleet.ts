/**
 * The load agents of a run, however they run: local processes, containers on the cluster's network, or
 * services on the inventory's hosts. The one interface between the run path and the ways of having agents.
 */
import type { Logger } from 'pino';
import type { Problem } from '@etcdlab/common';
import type { ClusterTarget } from '../cluster/target.js';

export type FleetKind = 'processes' | 'containers' | 'services';

export interface Fleet {
  readonly kind: FleetKind;
  /** Where the coordinator listens for these agents (port 0: any free port). */
  readonly listen: { host: string; port: number };
  /** What the agents present in their hello (never logged or recorded). */
  readonly token: string;
  /** Load agents the run waits for. */
  readonly ids: string[];
  /** Monitor agents: clock-synced and recorded when connected, never waited for long. */
  readonly monitors: string[];
  /** The etcd endpoints as the agents reach them (containers use in-network names); default: the target's. */
  readonly agentEndpoints?: string[];
  /** For the manifest (`fleet`). */
  readonly record: Record<string, unknown>;
  /** What to do when agents do not connect: where their logs are. */
  readonly missingHint: Problem;
  /** Starts the agents once the coordinator listens at `coordinatorUrl` (services: nothing to start). */
  start(coordinatorUrl: string): Promise<void>;
  /** Stops what start() started (services keep running, waiting for the next run). */
  stop(): Promise<void>;
}

export interface FleetContext {
  target: ClusterTarget;
  runId: string;
  runDir: string;
  logger: Logger;
  note(line: string): void;
}

/** Makes a run's fleet once its cluster is known (for each point of a sweep). */
export type FleetFactory = (ctx: FleetContext) => Promise<Fleet>;
