import { z } from 'zod';
import { agentPhasePlanSchema } from '../workload/plan-schema.js';

/** Bumped on any incompatible change to the messages below; agents and coordinator must agree exactly. */
export const PROTOCOL_VERSION = 4;

/** An agent process's instance id (hello, and every report it makes). */
export const instanceSchema = z.string().regex(/^[A-Za-z0-9-]{1,40}$/);

export const agentRoleSchema = z.enum(['agent', 'monitor']);

/** Sent in socket.io's handshake `auth`; checked before the connection is accepted. */
export const helloSchema = z.strictObject({
  protocolVersion: z.number().int(),
  token: z.string().min(1),
  agentId: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/),
  /** New in every agent process: tells a restarted agent (same id) from a reconnect of the same process. */
  instance: instanceSchema,
  host: z.string().min(1),
  role: agentRoleSchema,
  pid: z.number().int(),
  agentVersion: z.string(),
  nodeVersion: z.string(),
  /** Reports an earlier process of this agent left in its spool, sent first: a restart waits for them. */
  recovered: z.number().int().min(0).optional(),
});
export type Hello = z.infer<typeof helloSchema>;

/** What the coordinator tells a refused agent (socket.io connect_error `data`). */
export const refusalSchema = z.object({ code: z.string(), message: z.string() });
export type Refusal = z.infer<typeof refusalSchema>;

/** Recorded op names: the mix's operations and what they record besides (cas-miss, watch-event, init-put, ...). */
const opName = z.string().regex(/^[a-z][a-z0-9-]{0,47}$/);

export const tlsFilesSchema = z.strictObject({ ca: z.string().optional(), cert: z.string().optional(), key: z.string().optional() });

/** Coordinator -> agent: everything needed to run one phase; acknowledged before any start. */
export const phasePrepareSchema = z.strictObject({
  runId: z.string(),
  endpoints: z.array(z.string().url()).min(1),
  /** PEM contents, not paths: the agent may run on another host. */
  tls: tlsFilesSchema.optional(),
  /** The coordinator's estimate of agentClock - coordinatorClock. */
  clockOffsetMs: z.number(),
  intervalMs: z.number().int().min(100),
  plan: agentPhasePlanSchema,
});
export type PhasePrepare = z.infer<typeof phasePrepareSchema>;

export const phaseStartSchema = z.strictObject({
  runId: z.string(),
  phase: z.string(),
  startAtMs: z.number(),
  /** A restarted agent joining a phase already running: run the rest of the schedule from now, not all of it. */
  rejoin: z.boolean().optional(),
});
export type PhaseStart = z.infer<typeof phaseStartSchema>;

export const phaseStopSchema = z.strictObject({ runId: z.string(), phase: z.string(), reason: z.string() });
export type PhaseStop = z.infer<typeof phaseStopSchema>;

export const clockPingSchema = z.strictObject({ seq: z.number().int() });
export const clockPongSchema = z.strictObject({ seq: z.number().int(), agentTimeMs: z.number() });
export type ClockPong = z.infer<typeof clockPongSchema>;

export const ackSchema = z.union([z.strictObject({ ok: z.literal(true) }), z.strictObject({ ok: z.literal(false), code: z.string(), message: z.string() })]);
export type Ack = z.infer<typeof ackSchema>;

/** Errors by gRPC status name (e.g. DEADLINE_EXCEEDED) or a transport code (e.g. ECONNREFUSED). */
const errorsByCode = z.record(z.string(), z.number().int().min(0));

export const opIntervalSchema = z.strictObject({
  op: opName,
  /** Successful operations; equals the histogram's total count. */
  count: z.number().int().min(0),
  errors: errorsByCode,
  /** HdrHistogram V2 compressed, base64: latencies of successful ops in integer microseconds. */
  histogram: z.string(),
  /** Open loop: the same ops' service time (from the actual send), beside the latency from the intended start. */
  serviceHistogram: z.string().optional(),
});
export type OpInterval = z.infer<typeof opIntervalSchema>;

/** Agent -> coordinator, once per interval per phase; acknowledged by seq. */
export const intervalReportSchema = z.strictObject({
  runId: z.string(),
  agentId: z.string(),
  instance: instanceSchema,
  /** Per-instance sequence number, strictly increasing over the whole run. */
  seq: z.number().int().min(0),
  phase: z.string(),
  /** Interval start in coordinator clock (ms): phase start + k * intervalMs. */
  intervalStartMs: z.number(),
  intervalMs: z.number().int().min(1),
  ops: z.array(opIntervalSchema),
  /** Agent process CPU time in this interval (user + system, all threads), microseconds. */
  cpuUs: z.number().min(0),
  /** Open loop: starts that could not be made on time (the client pool was busy). */
  lateStarts: z.number().int().min(0),
  /** Failed requests of the interval by the endpoint (origin) they were sent to; absent when none failed. */
  errorEndpoints: z.record(z.string().max(300), z.number().int().min(0)).optional(),
  /** Open loop: operations due before the phase end that were never started (sent in the interval of the end). */
  droppedStarts: z.number().int().min(0).optional(),
  /** A warm-up interval: written to the raw logs, left out of the phase's results. */
  warmup: z.boolean().optional(),
  /** Writes etcd acknowledged with a new revision in this interval (the witness against etcd's revision). */
  writes: z.number().int().min(0).optional(),
  /** Sent from a checkpoint: what the agent had measured of this interval when it last saved it. */
  checkpointAtMs: z.number().optional(),
});
export type IntervalReport = z.infer<typeof intervalReportSchema>;

const gapSchema = z.tuple([z.number(), z.number()]);
export const ackedPutSchema = z.strictObject({
  /** The key, base64. */
  key: z.string(),
  /** The revision etcd answered the put with: the key's mod revision. */
  revision: z.number().int().min(1),
  /** sha256 of the value, base64, first 16 characters. */
  value: z.string(),
});
export type AckedPut = z.infer<typeof ackedPutSchema>;

export const phaseDoneSchema = z.strictObject({
  runId: z.string(),
  agentId: z.string(),
  instance: instanceSchema,
  phase: z.string(),
  /** The agent's whole-phase histograms, recorded independently of its intervals (integrity check). */
  finals: z.array(opIntervalSchema),
  /** Last interval seq sent for this phase (-1 if none); the coordinator must have all up to it. */
  lastSeq: z.number().int().min(-1),
  /** Actual local start minus intended local start (ms). */
  startSkewMs: z.number(),
  elapsedMs: z.number().min(0),
  /** A rejoin: ms after the measured start at which this instance joined (its elapsedMs counts from there). */
  joinedAtMs: z.number().min(0).optional(),
  /** Why it ended: completed, duration, stopped. */
  endedBy: z.enum(['total', 'duration', 'stopped', 'idle']),
  /** Fault phases (plan.observe): stretches without a successful write / read, [fromMs, toMs] in coordinator clock. */
  gaps: z.strictObject({ write: z.array(gapSchema).optional(), read: z.array(gapSchema).optional() }).optional(),
  /** Fault phases: the last acknowledged put of each tracked key (the durability check reads them back). */
  acked: z.array(ackedPutSchema).optional(),
});
export type PhaseDone = z.infer<typeof phaseDoneSchema>;

export const agentFaultSchema = z.strictObject({ agentId: z.string(), phase: z.string().optional(), code: z.string(), message: z.string() });
export type AgentFault = z.infer<typeof agentFaultSchema>;
