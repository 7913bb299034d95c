import { EtcdlabError, ErrorCodes, exitStatusOf, type RunSummary, verdictLine } from '@etcdlab/common';
import { renderSummaryTable } from './summary-table.js';

/**
 * Prints the outcome (the table on stdout, or only the summary JSON with --json; the verdict and warnings
 * on stderr) and returns the exit status, both read from the summary (docs/results.md lists the statuses).
 */
export function reportOutcome(summary: RunSummary, error: Error | undefined, opts: { json: boolean }): number {
  if (opts.json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
  else {
    process.stdout.write(`\n${renderSummaryTable(summary, { color: Boolean(process.stdout.isTTY) })}\n`);
    // The witness, per phase: etcd's count of the writes beside the agents' (docs/resilience.md).
    const witnessed = summary.phases.filter((p) => p.witness);
    if (witnessed.length) process.stdout.write(`\n${witnessed.map((p) => `witness ${p.name}: ${p.witness?.statement}`).join('\n')}\n`);
    for (const line of faultLines(summary)) process.stdout.write(line);
    process.stdout.write(`\nresults: ${summary.runDir}\n`);
  }
  for (const w of summary.warnings) process.stderr.write(`warning: ${w}\n`);
  if (!summary.integrity.ok) {
    const witness = summary.integrity.mismatches.filter((m) => m.kind === 'witness');
    const histograms = summary.integrity.mismatches.filter((m) => m.kind !== 'witness');
    if (histograms.length) process.stderr.write(`\nERROR ${ErrorCodes.histogramMismatch}: merged results do not add up; they must not be trusted:\n`);
    for (const m of histograms) process.stderr.write(`  agent ${m.agentId}, phase ${m.phase}, op ${m.op}: ${m.detail}\n`);
    if (witness.length) process.stderr.write(`\nERROR ${ErrorCodes.witnessMismatch}: etcd's count of the writes and the agents' disagree with no fault to explain it; the results must not be trusted:\n`);
    for (const m of witness) process.stderr.write(`  phase ${m.phase}: ${m.detail}\n`);
  }
  if (error) process.stderr.write(`\n${error instanceof EtcdlabError ? error.describe() : `error: ${error.message}`}\n`);
  process.stderr.write(`\n${verdictLine(summary)}\n`);
  return exitStatusOf(summary, error);
}

/** The fault windows, availability and durability of each fault phase, as the summary has them (docs/faults.md). */
export function faultLines(summary: RunSummary): string[] {
  const out: string[] = [];
  for (const p of summary.phases) {
    const f = p.faults;
    if (!f) continue;
    out.push(`\nfaults ${p.name}:\n`);
    for (const w of f.windows) out.push(`  ${w.statement}\n`);
    for (const cls of ['write', 'read'] as const) {
      const a = f.availability?.[cls];
      if (!a) continue;
      const worst = Object.entries(a.agents).sort((x, y) => y[1] - x[1])[0];
      out.push(`  ${cls}s: longest stretch without a success ${(a.longestMs / 1000).toFixed(2)} s cluster-wide${worst ? `, ${(worst[1] / 1000).toFixed(2)} s on ${worst[0]}` : ''}\n`);
    }
    if (f.durabilityStatement) out.push(`  durability: ${f.durabilityStatement}\n`);
  }
  return out;
}
