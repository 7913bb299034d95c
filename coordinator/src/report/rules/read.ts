import { parseDurationMs } from '@etcdlab/common';
import { checkPerfRules, type ReportRule } from './evaluate.js';

type Loose = Record<string, unknown>;
const isObj = (v: unknown): v is Loose => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A bound as written in the manifest: microseconds for latencies (a duration string is converted), else a number. */
function bound(v: unknown, latency: boolean): number | undefined | 'bad' {
  if (v === undefined) return undefined;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && latency) {
    const ms = parseDurationMs(v);
    return ms === undefined ? 'bad' : Math.round(ms * 1000);
  }
  if (typeof v === 'string' && /%$/.test(v.trim()) && !Number.isNaN(Number(v.trim().slice(0, -1)))) return Number(v.trim().slice(0, -1)) / 100;
  return 'bad';
}

/**
 * The rules of a run's workload (manifest.json: workload.rules) for the verdict, plus `checkPerf`
 * entries (`{ checkPerf: { phase, limit } }`) expanded to etcdctl check perf's four conditions. Rules it
 * cannot read come back as problems naming the entry: the verdict then fails rather than passing on
 * rules it did not check.
 */
export function rulesFromWorkload(raw: unknown): { rules: ReportRule[]; problems: string[] } {
  if (raw === undefined || raw === null) return { rules: [], problems: [] };
  if (!Array.isArray(raw)) return { rules: [], problems: ['workload.rules: expected a list of rules'] };
  const rules: ReportRule[] = [];
  const problems: string[] = [];
  raw.forEach((r: unknown, i) => {
    const where = `workload.rules[${i}]`;
    if (!isObj(r)) return void problems.push(`${where}: not a rule object`);
    if (isObj(r.checkPerf)) {
      const { phase, limit } = r.checkPerf;
      if (typeof phase !== 'string' || typeof limit !== 'number' || !(limit > 0)) return void problems.push(`${where}.checkPerf: needs phase (a name) and limit (ops/s above 0)`);
      return void rules.push(...checkPerfRules(phase, limit));
    }
    const { phase, metric } = r;
    if (typeof phase !== 'string' || typeof metric !== 'string') return void problems.push(`${where}: needs phase and metric`);
    const latency = metric.startsWith('latency.');
    const min = bound(r.min, latency);
    const max = bound(r.max, latency);
    if (min === 'bad' || max === 'bad') return void problems.push(`${where}: min/max must be numbers${latency ? ' or durations' : ''}`);
    if (min === undefined && max === undefined) return void problems.push(`${where}: needs min or max`);
    rules.push({
      name: typeof r.name === 'string' ? r.name : `rule-${i + 1}`,
      ...(typeof r.description === 'string' ? { description: r.description } : {}),
      phase,
      op: typeof r.op === 'string' ? r.op : 'all',
      metric,
      ...(r.measure === 'service' || r.measure === 'latency' ? { measure: r.measure } : {}),
      ...(min !== undefined ? { min } : {}),
      ...(max !== undefined ? { max } : {}),
    });
  });
  return { rules, problems };
}
