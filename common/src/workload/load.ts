import { parseDocument } from 'yaml';
import { ErrorCodes, InputError } from '../errors.js';
import { zodProblems } from '../validation.js';
import { duplicatePhaseNames, type OpName, type ParsedPhase, workloadSchema } from './schema.js';

/** A phase with every default filled in: what agents are planned from. */
export interface PhaseSpec {
  name: string;
  description?: string;
  /** Only operations with a weight above 0. */
  ops: Partial<Record<OpName, number>>;
  clients: number;
  connections: number;
  total?: number;
  durationMs?: number;
  /** Open loop target in ops/s for the whole phase; absent = closed loop. */
  rate?: number;
  keys: { prefix: string; distribution: 'sequential' | 'uniform'; space: number };
  valueSize: number;
  deadlineMs: number;
  consistency: 'linearizable' | 'serializable';
}

export interface Workload {
  name: string;
  description?: string;
  /** Where it was read from, for the manifest and error messages. */
  source: string;
  quick: boolean;
  phases: PhaseSpec[];
}

/** Parses and validates a workload document. Every problem is reported at once; nothing is guessed. */
export function parseWorkload(text: string, file: string, opts: { quick?: boolean } = {}): Workload {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new InputError(
      ErrorCodes.workloadInvalid,
      `${file} is not valid YAML`,
      doc.errors.map((e) => ({ file, field: `line ${e.linePos?.[0]?.line ?? '?'}`, message: e.message, fix: 'correct the YAML syntax' })),
    );
  }
  const raw: unknown = doc.toJS();
  const result = workloadSchema.safeParse(raw);
  const problems = [
    ...(result.success ? [] : zodProblems(result.error, workloadSchema, file)),
    ...duplicatePhaseNames(raw).map((d) => ({ file, field: `phases[${d.index}].name`, message: `duplicate phase name "${d.name}" (also phases[${d.first}])`, fix: 'give every phase its own name' })),
  ];
  if (!result.success || problems.length > 0) {
    throw new InputError(ErrorCodes.workloadInvalid, `${file} has ${problems.length} problem(s)`, problems);
  }
  const quick = opts.quick ?? false;
  const w = result.data;
  return {
    name: w.name,
    ...(w.description ? { description: w.description } : {}),
    source: file,
    quick,
    phases: w.phases.map((p) => resolvePhase(p, quick)),
  };
}

function resolvePhase(p: ParsedPhase, quick: boolean): PhaseSpec {
  const q = quick ? p.quick : undefined;
  // In quick mode a phase's own total/duration yields to the override's; the two never mix.
  const bounded = q && (q.total !== undefined || q.duration !== undefined);
  const total = bounded ? q.total : p.total;
  const durationMs = bounded ? q.duration : p.duration;
  const clients = q?.clients ?? p.clients;
  const connections = Math.min(q?.connections ?? p.connections ?? Math.min(clients, 10), clients);
  const rate = q?.rate ?? p.rate;
  const ops: Partial<Record<OpName, number>> = {};
  for (const [op, w] of Object.entries(p.ops) as [OpName, number | undefined][]) if (w && w > 0) ops[op] = w;
  return {
    name: p.name,
    ...(p.description ? { description: p.description } : {}),
    ops,
    clients,
    connections,
    ...(total !== undefined ? { total } : {}),
    ...(durationMs !== undefined ? { durationMs } : {}),
    ...(rate !== undefined ? { rate } : {}),
    keys: {
      prefix: q?.keys?.prefix ?? p.keys.prefix ?? p.name,
      distribution: q?.keys?.distribution ?? p.keys.distribution,
      space: q?.keys?.space ?? p.keys.space,
    },
    valueSize: p.value.size,
    deadlineMs: p.deadline,
    consistency: p.consistency,
  };
}
