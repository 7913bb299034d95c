/**
 * manifest.json: what a run was (invocation, cluster, workload, agents) and how it went (phase outcomes,
 * warnings, integrity, status), written by the run and read by every reader of a results folder. The
 * summary and the report are derived from it and the raw interval logs. Objects are loose: a newer run's
 * extra fields never stop a reader; the fields named here are checked at both ends.
 */
import { z } from 'zod';
import { FAULT_ACTIONS, MAX_FAULT_WINDOWS } from '../workload/faults.js';

/** Bumped on any incompatible change; 1 = folders written before the manifest carried phase outcomes. */
export const MANIFEST_SCHEMA_VERSION = 2;

const num = z.number();
const str = z.string();

export const providerSchema = z.enum(['local', 'docker', 'ssh', 'external']);

const memberDetail = z.looseObject({ name: str, clientUrl: str, peerUrl: str.optional() });
const clusterCommon = {
  members: num.int().min(0),
  endpoints: z.array(str),
  etcdVersion: str.optional(),
  tls: z.boolean().optional(),
  memberDetails: z.array(memberDetail).optional(),
};
/** The cluster, by provider: the common part and each provider's own fields. */
export const clusterRecordSchema = z.discriminatedUnion('provider', [
  z.looseObject({ provider: z.literal('local'), ...clusterCommon, etcdBinary: str.optional() }),
  z.looseObject({ provider: z.literal('docker'), ...clusterCommon, inventory: str.optional() }),
  z.looseObject({ provider: z.literal('ssh'), ...clusterCommon, inventory: str.optional(), name: str.optional() }),
  z.looseObject({ provider: z.literal('external'), ...clusterCommon }),
]);
export type ClusterRecordView = z.infer<typeof clusterRecordSchema>;

export const agentEndSchema = z.enum(['total', 'duration', 'stopped', 'idle', 'lost', 'failed', 'interrupted']);
export const phaseOutcomeSchema = z.enum(['completed', 'interrupted', 'incomplete', 'failed']);

const faultRecordSchema = z.looseObject({
  fault: num.int().min(0),
  action: z.enum(FAULT_ACTIONS),
  target: str,
  members: z.array(str).max(7),
  plannedMs: num.min(0),
  fromMs: num,
  toMs: num,
  leaderBefore: str.optional(),
  leaderAfter: str.optional(),
  termBefore: num.int().min(0).optional(),
  termAfter: num.int().min(0).optional(),
  electionMs: num.min(0).optional(),
  backMs: num.min(0).optional(),
  error: str.optional(),
});
const gapPair = z.tuple([num, num]);
const classAvailabilitySchema = z.looseObject({ longestMs: num.min(0), fromMs: num.optional(), toMs: num.optional(), agents: z.record(str, num.min(0)), gaps: z.array(gapPair).max(100) });

export const phaseRecordSchema = z.looseObject({
  name: str,
  startedAtMs: num,
  durationMs: num.min(0),
  outcome: phaseOutcomeSchema,
  reasons: z.array(str),
  agents: z.array(z.looseObject({ agentId: str, clients: num.int().min(0), startSkewMs: num, elapsedMs: num.min(0), endedBy: agentEndSchema })),
  absent: z.array(str).optional(),
  restarts: z.array(z.looseObject({ agentId: str, lostAtMs: num, awayAtMs: num.optional(), backAtMs: num, rejoined: z.boolean() })).optional(),
  witness: z.looseObject({ fromRevision: num.int().min(0), toRevision: num.int().min(0) }).optional(),
  faults: z.array(faultRecordSchema).max(MAX_FAULT_WINDOWS).optional(),
  availability: z.looseObject({ write: classAvailabilitySchema.optional(), read: classAvailabilitySchema.optional() }).optional(),
  durability: z
    .looseObject({ checked: num.int().min(0), lost: num.int().min(0), changed: num.int().min(0), unreadable: num.int().min(0), compacted: num.int().min(0), examples: z.array(z.looseObject({ key: str, revision: num, problem: str })).max(100) })
    .optional(),
});

export const integritySchema = z.object({ ok: z.boolean(), mismatches: z.array(z.object({ agentId: str, phase: str, op: str, detail: str, kind: z.enum(['histogram', 'witness']).optional() })) });

export const runStatusSchema = z.enum(['completed', 'aborted', 'failed']);

/**
 * The phase running when the manifest was last written (status running): what `run --resume` needs to
 * take it over from agents that went on without a coordinator. Written before the synchronized start.
 */
export const inProgressSchema = z.looseObject({
  name: str,
  /** Coordinator clock (ms): the synchronized start, and the start of the measured part (after the warm-up). */
  startAtMs: num,
  measuredAtMs: num,
  /** The agents the phase was planned over, with their instance at the start. */
  instances: z.record(str, str),
  absent: z.array(str).optional(),
  fromRevision: num.int().min(0).optional(),
});
export type InProgressPhase = z.infer<typeof inProgressSchema>;

/** One coordinator restart: when the earlier coordinator was last seen alive, when this one took over. */
export const resumeRecordSchema = z.looseObject({ lastSeenAtMs: num, resumedAtMs: num, phase: str.optional(), deliveredLate: num.int().min(0).optional() });
export type ResumeRecord = z.infer<typeof resumeRecordSchema>;

export const manifestSchema = z.looseObject({
  schemaVersion: num.int().min(1).max(MANIFEST_SCHEMA_VERSION, `written by a newer etcdlab (schema above ${MANIFEST_SCHEMA_VERSION}): read it with that version`).default(1),
  runId: str.regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'not a run id'),
  createdAt: str.refine((v) => !Number.isNaN(Date.parse(v)), 'not a date and time (ISO 8601, e.g. 2026-12-07T01:41:17.000Z)'),
  finishedAt: str.optional(),
  status: z.enum(['completed', 'aborted', 'failed', 'running']).optional(),
  intervalMs: num.int().min(1).default(1000),
  cluster: z.looseObject({ provider: str.default('unknown'), members: num.int().min(0).default(0), endpoints: z.array(str).default([]), etcdVersion: str.optional() }),
  workload: z.looseObject({ name: str.default('?'), source: str.default('?'), quick: z.boolean().default(false), phases: z.array(z.looseObject({})).default([]), rules: z.unknown().optional() }),
  agents: z.array(z.looseObject({ agentId: str, host: str.optional(), pid: num.optional(), clock: z.looseObject({ offsetMs: num, rttMs: num }).optional() })).default([]),
  /** Written at the end of a run (schema 2): how each phase ended, what the run noticed, the integrity check. */
  phases: z.array(phaseRecordSchema).optional(),
  runWarnings: z.array(str).optional(),
  integrity: integritySchema.optional(),
  error: z.looseObject({ code: str, message: str }).optional(),
  mergedFrom: z.array(z.object({ runId: str, dir: str, mode: z.enum(['parallel', 'sequential']) })).optional(),
  inProgress: inProgressSchema.optional(),
  resumes: z.array(resumeRecordSchema).optional(),
  /** What the user called the run (--name) and its tags (--tag k=v). */
  name: str.optional(),
  tags: z.record(str, str).optional(),
});
export type ManifestView = z.infer<typeof manifestSchema>;

/** The end-of-run manifest a run writes: checked strictly where the loose reader is lenient (a bug, not input). */
export const writtenManifestSchema = manifestSchema.extend({
  schemaVersion: z.literal(MANIFEST_SCHEMA_VERSION),
  cluster: clusterRecordSchema,
  phases: z.array(phaseRecordSchema),
  runWarnings: z.array(str),
  integrity: integritySchema,
  status: runStatusSchema,
  finishedAt: str,
});
