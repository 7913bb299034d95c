import { parseDocument } from 'yaml';
import { ErrorCodes, InputError, type Problem } from '../errors.js';
import { zodProblems } from '../validation.js';
import { resolveRules } from './rules.js';
import { resolvePhase } from './resolve.js';
import { duplicatePhaseNames, workloadSchema } from './schema.js';
import { normaliseFlagNames } from './schema-pattern.js';
import type { Workload } from './spec.js';

export type { PhaseSpec, Workload } from './spec.js';

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
  const raw = normaliseDriverFlags(doc.toJS());
  const result = workloadSchema.safeParse(raw);
  const problems: Problem[] = [
    ...(result.success ? [] : zodProblems(result.error, workloadSchema, file)),
    ...duplicatePhaseNames(raw).map((d) => ({ file, field: `phases[${d.index}].name`, message: `duplicate phase name "${d.name}" (also phases[${d.first}])`, fix: 'give every phase its own name' })),
  ];
  if (!result.success || problems.length > 0) throw new InputError(ErrorCodes.workloadInvalid, `${file} has ${problems.length} problem(s)`, problems);

  const quick = opts.quick ?? false;
  const w = result.data;
  return {
    name: w.name,
    ...(w.description ? { description: w.description } : {}),
    source: file,
    quick,
    ...(w.patterns ? { patterns: w.patterns } : {}),
    ...(w.rules ? { rules: resolveRules(w.rules) } : {}),
    phases: w.phases.map((p) => resolvePhase(p, quick, w.patterns)),
  };
}

/** The driver's kebab-case flag names in `pattern:` blocks become the camelCase fields before validation. */
function normaliseDriverFlags(raw: unknown): unknown {
  const phases = (raw as { phases?: unknown })?.phases;
  if (!Array.isArray(phases)) return raw;
  for (const p of phases as Record<string, unknown>[]) {
    if (typeof p !== 'object' || p === null) continue;
    if ('pattern' in p) p.pattern = normaliseFlagNames(p.pattern);
    const q = p.quick as Record<string, unknown> | undefined;
    if (q && typeof q === 'object' && 'pattern' in q) q.pattern = normaliseFlagNames(q.pattern);
  }
  return raw;
}
