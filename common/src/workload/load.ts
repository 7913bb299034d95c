import { parseYamlInput } from '../yaml-input.js';
import { ErrorCodes, InputError, type Problem } from '../errors.js';
import { zodProblems } from '../validation.js';
import { resolveRules } from './rules.js';
import { resolvePhase } from './resolve.js';
import { duplicatePhaseNames, workloadSchema } from './schema.js';
import { normaliseFlagNames } from './schema-pattern.js';
import { applyOverrides, type WorkloadOverrides } from './overrides.js';
import type { Workload } from './spec.js';

export type { PhaseSpec, Workload } from './spec.js';

/** Parses and validates a workload document. Every problem is reported at once; nothing is guessed. */
export function parseWorkload(text: string, file: string, opts: { quick?: boolean; overrides?: WorkloadOverrides } = {}): Workload {
  const js = parseYamlInput(text, file, ErrorCodes.workloadInvalid);
  const kebabBlocks = kebabPatternBlocks(js);
  const raw = normaliseDriverFlags(js);
  const applied = applyOverrides(raw, opts.overrides ?? {});
  if (applied.missingPhase)
    throw new InputError(ErrorCodes.optionInvalid, `--phase ${opts.overrides?.phase}: ${file} has no such phase`, [{ field: '--phase', message: `no phase named "${opts.overrides?.phase}"`, fix: `use one of: ${applied.missingPhase.join(', ')}` }]);
  const result = workloadSchema.safeParse(raw);
  // A problem in a value the command line set names the flag first.
  const byFlag = (p: Problem): Problem => {
    const flag = [...applied.from].find(([path]) => p.field === path || p.field?.startsWith(`${path}.`))?.[1];
    return flag ? { ...p, field: `${flag} (${p.field})` } : p;
  };
  const problems: Problem[] = [
    ...(result.success ? [] : zodProblems(result.error, workloadSchema, file).map((p) => byFlag(inUsersSpelling(p, kebabBlocks)))),
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

/** Paths (`phases[0].pattern`, `phases[0].quick.pattern`) of pattern blocks written with the driver's kebab-case flag names. */
function kebabPatternBlocks(raw: unknown): Set<string> {
  const out = new Set<string>();
  const phases = (raw as { phases?: unknown })?.phases;
  if (!Array.isArray(phases)) return out;
  const kebabIn = (b: unknown) => typeof b === 'object' && b !== null && Object.keys(b).some((k) => k.includes('-'));
  phases.forEach((p: { pattern?: unknown; quick?: { pattern?: unknown } } | null, i) => {
    if (kebabIn(p?.pattern)) out.add(`phases[${i}].pattern`);
    if (kebabIn(p?.quick?.pattern)) out.add(`phases[${i}].quick.pattern`);
  });
  return out;
}

/** A problem inside a kebab-case pattern block names its fields (and suggestions) the way the file does. */
function inUsersSpelling(p: Problem, kebabBlocks: Set<string>): Problem {
  const block = [...kebabBlocks].find((b) => p.field?.startsWith(`${b}.`));
  if (!block) return p;
  const toKebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  const rest = (p.field as string).slice(block.length + 1);
  const fix = p.fix?.replace(/did you mean "([A-Za-z]+)"\?/, (_, name: string) => `did you mean "${toKebab(name)}"?`);
  const message = p.message.replace(/unknown field "([A-Za-z]+)"/, (_, name: string) => `unknown field "${toKebab(name)}"`);
  return { ...p, field: `${block}.${toKebab(rest)}`, message, ...(fix !== undefined ? { fix } : {}) };
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
