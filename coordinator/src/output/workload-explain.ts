import type { PhaseExplanation, Workload } from '@etcdlab/common';
import { int } from './format.js';

const per = (n: number): string => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n >= 1 ? n.toFixed(2) : n.toPrecision(3));

/** The text of `etcdlab workload explain`: per phase, the loop, the bound, the pattern's levels, the rates. */
export function renderExplanation(w: Workload, phases: PhaseExplanation[]): string {
  const out: string[] = [`workload ${w.name} (${w.source}${w.quick ? ', --quick' : ''})`];
  if (w.description) out.push(`  ${w.description}`);
  for (const p of phases) {
    out.push('', `phase ${p.name}: ${p.loop}, ${p.clients} client(s) over ${p.connections} connection(s); ${p.bound || 'no bound'}`);
    if (p.pattern) {
      const x = p.pattern;
      out.push(`  pattern ${x.source}`);
      out.push(`  keys: ${int(x.keysPerDriver)} per driver, ${int(x.keys)} for ${x.drivers} driver(s); values: ${x.values}`);
      out.push('  level  prefixes per driver  segment');
      for (const l of x.levels) out.push(`  ${String(l.level).padStart(5)}  ${int(l.prefixes).padStart(19)}  ${l.source}${l.count > 1 ? ` (${l.count} each)` : ''}`);
    }
    if (p.watchers) out.push(`  watchers: ${int(p.watchers)}`);
    out.push('  expected rates:');
    for (const r of p.rates) out.push(`    ${r.op.padEnd(24)} ${r.perSec === undefined ? '        -' : `${per(r.perSec).padStart(9)}/s`}${r.note ? `  ${r.note}` : ''}`);
    if (p.faults?.length) {
      out.push('  faults (after the measured start; availability and durability are checked):');
      for (const f of p.faults) out.push(`    ${f}`);
    }
  }
  if (w.rules?.length) {
    out.push('', 'rules (evaluated by the report):');
    for (const r of w.rules) {
      const lat = r.metric.startsWith('latency.');
      const v = (n: number): string => (lat ? `${n / 1000} ms` : String(n));
      const bounds = [r.min !== undefined ? `>= ${v(r.min)}` : '', r.max !== undefined ? `<= ${v(r.max)}` : ''].filter(Boolean).join(' and ');
      out.push(`  ${r.name}: ${r.phase}/${r.op} ${r.metric}${r.metric.startsWith('latency.') ? ` (${r.measure})` : ''} ${bounds}`);
    }
  }
  return out.join('\n');
}
