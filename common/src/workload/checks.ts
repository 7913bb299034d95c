import { parsePattern, PatternSyntaxError } from '../patterns/parse.js';
import { MAX_PATTERN_KEYS, patternCounts } from '../patterns/tree.js';
import { faultIssues } from './faults.js';
import { resolvePhase } from './resolve.js';
import type { ParsedWorkload } from './schema.js';
import type { PhaseSpec } from './spec.js';

export interface CheckIssue {
  path: (string | number)[];
  message: string;
  fix: string;
}

/**
 * Checks across fields and phases, run with the schema so that they are reported beside every other
 * problem: named patterns exist and parse, levels exist, key sizes fit the key space, rules name phases.
 */
export function workloadChecks(w: ParsedWorkload): CheckIssue[] {
  const out: CheckIssue[] = [];
  const names = new Set(w.phases.map((p) => p.name));
  w.phases.forEach((p, i) => {
    const at = ['phases', i];
    if (p.pattern && !p.pattern.spec === !p.pattern.use) return; // reported by the phase's own checks
    if (p.pattern?.use && !w.patterns?.[p.pattern.use]) {
      out.push({ path: [...at, 'pattern', 'use'], message: `no pattern named "${p.pattern.use}"`, fix: `define it under \`patterns:\`${w.patterns ? ` (known: ${Object.keys(w.patterns).join(', ')})` : ''}` });
      return;
    }
    out.push(...phaseChecks(resolvePhase(p, false, w.patterns), at, p.pattern?.use !== undefined));
    if (p.quick) out.push(...phaseChecks(resolvePhase(p, true, w.patterns), [...at, 'quick'], p.pattern?.use !== undefined).filter((c) => !c.path.includes('spec') && !c.path.includes('use')));
  });
  (w.rules ?? []).forEach((r, i) => {
    const [phase, path] = 'checkPerf' in r ? [r.checkPerf.phase, ['rules', i, 'checkPerf', 'phase']] : [r.phase, ['rules', i, 'phase']];
    if (phase !== '*' && !names.has(phase)) out.push({ path, message: `no phase named "${phase}"`, fix: `use one of: ${[...names].join(', ')}, or * for every phase` });
    else if (!('checkPerf' in r) && phase !== '*') {
      const issue = ruleOpIssue(r.op, w.phases.find((p) => p.name === phase)!);
      if (issue) out.push({ path: ['rules', i, 'op'], ...issue });
    }
  });
  return out;
}

/**
 * A rule's op must be one the phase records: `all`, an entry of its `ops:`, or what its watchers and
 * leases record (watch-*, lease-*). Pattern phases name their own ops (init-put, churn-val, ...), so
 * they are not checked here.
 */
function ruleOpIssue(op: string, phase: ParsedWorkload['phases'][number]): { message: string; fix: string } | undefined {
  if (op === 'all' || phase.pattern || /^(watch|lease)-/.test(op)) return undefined;
  const labels = Object.keys(phase.ops ?? {});
  if (labels.includes(op)) return undefined;
  return { message: `phase "${phase.name}" has no operation "${op}"`, fix: `use all, or one of: ${labels.join(', ')}` };
}

function phaseChecks(p: PhaseSpec, at: (string | number)[], named: boolean): CheckIssue[] {
  const out: CheckIssue[] = [];
  const digits = String(Math.max(0, p.keys.space - 1)).length;
  if (p.keys.size && p.keys.size.min < digits) {
    out.push({ path: [...at, 'keys', 'size'], message: `keys of a space of ${p.keys.space} need ${digits} characters, more than the size ${p.keys.size.min}`, fix: `use a size of at least ${digits}, or a smaller space` });
  }
  for (const [label, o] of Object.entries(p.ops)) {
    if (o.op === 'txn-put' && (o.ops ?? 1) > p.keys.space) out.push({ path: [...at, 'ops', label, 'ops'], message: `${o.ops} puts per transaction over a key space of ${p.keys.space}`, fix: 'etcd refuses a transaction that puts one key twice: use a larger key space' });
  }
  out.push(...faultIssues(p.faults ?? [], p, at));
  if (p.valueSizeMax > 1_572_864) out.push({ path: [...at, 'value', 'size'], message: 'values above 1.5 MiB exceed etcd\'s default request limit', fix: 'use at most 1572864' });
  const pat = p.pattern;
  if (!pat) return out;
  let levels: number;
  try {
    const parsed = parsePattern(pat.spec, pat.valSpec);
    const counts = patternCounts(parsed);
    if (counts.keys > MAX_PATTERN_KEYS) out.push({ path: [...at, 'pattern', 'spec'], message: `the pattern expands to ${counts.keys.toLocaleString('en-US')} keys per driver`, fix: `at most ${MAX_PATTERN_KEYS.toLocaleString('en-US')}: use smaller [N] counts` });
    levels = parsed.levels.length;
  } catch (err) {
    if (!(err instanceof PatternSyntaxError)) throw err;
    return [...out, { path: [...at, 'pattern', named ? 'use' : 'spec'], message: err.message, fix: err.fix }];
  }
  for (const [field, level, leafOk, active] of [
    ['churnLevel', pat.churnLevel, false, pat.churnLevelRate >= 0],
    ['getLevel', pat.getLevel, true, pat.getRate >= 0],
  ] as const) {
    const max = leafOk ? levels - 1 : levels - 2;
    if (active && level > max) out.push({ path: [...at, 'pattern', field], message: `level ${level}, but the pattern has levels 0 to ${levels - 1}${leafOk ? '' : ' (the leaf level cannot be churned)'}`, fix: `use a level from 0 to ${max}` });
  }
  if (pat.watchCountsPerLevel.length > levels) {
    out.push({ path: [...at, 'pattern', 'watchCountsPerLevel'], message: `${pat.watchCountsPerLevel.length} counts for a pattern of ${levels} levels`, fix: 'give at most one count per level (the driver ignored the extra ones; etcdlab refuses them)' });
  }
  const steady = pat.churnValRate >= 0 || pat.churnLevelRate >= 0 || pat.getRate >= 0 || pat.watchCountsPerLevel.some((c) => c !== 0) || pat.leases !== undefined;
  if (steady && p.durationMs === undefined) {
    out.push({ path: [...at, 'duration'], message: 'churn, gets, watches and leases run until the phase ends', fix: 'give the phase a `duration` (e.g. 10m), or turn them off (-1, no watch counts, no leases)' });
  }
  return out;
}
