/**
 * Command-line overrides of a workload (`--clients 64 --duration 2m [--phase writes]`), applied to the
 * document before it is validated, so that they pass the workload's own rules and its problems name
 * the flag. `--duration` replaces a phase's `total` and `--total` its `duration` (a phase has one end);
 * given both, each phase keeps its kind: a phase with a `total` takes --total, every other --duration;
 * the phase's `quick:` values for the same fields are dropped, so the command line wins under --quick
 * too. Pure (docs/workloads.md#command-line-overrides).
 */
export interface WorkloadOverrides {
  clients?: number | string;
  connections?: number | string;
  rate?: number | string;
  duration?: string;
  total?: number | string;
  valueSize?: number | string;
  keySpace?: number | string;
  /** Only this phase (default: every phase). */
  phase?: string;
}

/** Flag -> the phase field it sets (dotted inside the phase). */
const FIELDS: [keyof WorkloadOverrides, string, string][] = [
  ['clients', '--clients', 'clients'],
  ['connections', '--connections', 'connections'],
  ['rate', '--rate', 'rate'],
  ['duration', '--duration', 'duration'],
  ['total', '--total', 'total'],
  ['valueSize', '--value-size', 'value.size'],
  ['keySpace', '--key-space', 'keys.space'],
];

export const OVERRIDE_KEYS = FIELDS.map(([k]) => k);

/** The overrides an options object (a command's, or a recorded invocation) carries. */
export function overridesOf(o: Record<string, unknown>): WorkloadOverrides {
  const out: Record<string, unknown> = {};
  for (const k of [...OVERRIDE_KEYS, 'phase'] as const) if (o[k] !== undefined && o[k] !== null) out[k] = o[k];
  return out as WorkloadOverrides;
}

const asNumber = (v: number | string): number | string => (typeof v === 'string' && /^\s*-?\d+(\.\d+)?(e[+-]?\d+)?\s*$/i.test(v) ? Number(v) : v);

/**
 * Applies the overrides to a parsed (not yet validated) document in place. Returns which phase fields
 * came from which flag (`phases[1].clients` -> `--clients`), and the problem when --phase names no phase.
 */
export function applyOverrides(raw: unknown, o: WorkloadOverrides): { from: Map<string, string>; missingPhase?: string[] } {
  const from = new Map<string, string>();
  const given = FIELDS.filter(([k]) => o[k] !== undefined);
  const both = o.duration !== undefined && o.total !== undefined;
  const phases = (raw as { phases?: unknown })?.phases;
  if ((given.length === 0 && o.phase === undefined) || !Array.isArray(phases)) return { from };
  const names = phases.map((p) => (p as { name?: unknown })?.name);
  if (o.phase !== undefined && !names.includes(o.phase)) return { from, missingPhase: names.filter((n): n is string => typeof n === 'string') };
  phases.forEach((p, i) => {
    if (typeof p !== 'object' || p === null || (o.phase !== undefined && (p as { name?: unknown }).name !== o.phase)) return;
    const phase = p as Record<string, unknown>;
    const byTotal = phase['total'] !== undefined;
    for (const [k, flag, field] of given) {
      if (both && (k === 'total') !== byTotal && (k === 'total' || k === 'duration')) continue;
      const v = k === 'duration' ? o[k] : asNumber(o[k] as number | string);
      const [head, tail] = field.split('.') as [string, string | undefined];
      if (tail) {
        const obj = typeof phase[head] === 'object' && phase[head] !== null ? (phase[head] as Record<string, unknown>) : {};
        phase[head] = { ...obj, [tail]: v };
      } else phase[head] = v;
      if (k === 'duration') delete phase['total'];
      if (k === 'total') delete phase['duration'];
      const quick = phase['quick'] as Record<string, unknown> | undefined;
      if (quick && typeof quick === 'object') {
        if (tail && typeof quick[head] === 'object' && quick[head] !== null) delete (quick[head] as Record<string, unknown>)[tail];
        else delete quick[head];
        if (k === 'duration') delete quick['total'];
        if (k === 'total') delete quick['duration'];
      }
      from.set(`phases[${i}].${field}`, flag);
    }
  });
  return { from };
}
