import { createWriteStream, mkdirSync, writeFileSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { type IntervalReport, type RunSummary, SparseDecoder, sparseMaxValue } from '@etcdlab/common';

/**
 * Writes the run's folder as data arrives, so that whatever was measured survives an abort:
 *  - agents/<id>.hlog: every interval histogram in the HdrHistogram log format (tag = phase/op),
 *    readable by HdrHistogram's own tools; time stamps are seconds since the run's base time;
 *  - agents/<id>.intervals.jsonl: the counts, errors by code and agent CPU of each interval report;
 *  - manifest.json and summary.json.
 */
export class ResultsWriter {
  private readonly hlogs = new Map<string, WriteStream>();
  private readonly jsonl = new Map<string, WriteStream>();
  private readonly decoder = new SparseDecoder();

  constructor(
    readonly dir: string,
    private readonly baseTimeMs: number,
  ) {
    mkdirSync(join(dir, 'agents'), { recursive: true });
  }

  private hlogFor(agentId: string): WriteStream {
    let s = this.hlogs.get(agentId);
    if (!s) {
      s = createWriteStream(join(this.dir, 'agents', `${agentId}.hlog`));
      s.write('#[Histogram log format version 1.3]\n');
      s.write(`#[StartTime: ${(this.baseTimeMs / 1000).toFixed(3)} (seconds since epoch), ${new Date(this.baseTimeMs).toISOString()}]\n`);
      s.write(`#[BaseTime: ${(this.baseTimeMs / 1000).toFixed(3)} (seconds since epoch)]\n`);
      s.write(`#[etcdlab agent ${agentId}: latencies in microseconds, tag = phase/op]\n`);
      s.write('"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"\n');
      this.hlogs.set(agentId, s);
    }
    return s;
  }

  appendInterval(r: IntervalReport): void {
    const start = ((r.intervalStartMs - this.baseTimeMs) / 1000).toFixed(3);
    const length = (r.intervalMs / 1000).toFixed(3);
    let lines = '';
    for (const op of r.ops) {
      // Interval_Max in milliseconds, as HdrHistogram's log tools expect for microsecond values.
      const maxMs = (sparseMaxValue(this.decoder.decode(op.histogram)) / 1000).toFixed(3); // no full histogram needed
      lines += `Tag=${r.phase}/${r.warmup ? 'warmup/' : ''}${op.op},${start},${length},${maxMs},${op.histogram}\n`;
    }
    this.hlogFor(r.agentId).write(lines); // one write per report: 1,000 agents x 10 ops add up
    let j = this.jsonl.get(r.agentId);
    if (!j) this.jsonl.set(r.agentId, (j = createWriteStream(join(this.dir, 'agents', `${r.agentId}.intervals.jsonl`))));
    const { ops, ...rest } = r;
    j.write(JSON.stringify({ ...rest, ops: ops.map(({ histogram: _h, ...o }) => o) }) + '\n');
  }

  writeJson(name: 'manifest.json' | 'summary.json', value: unknown): void {
    writeFileSync(join(this.dir, name), JSON.stringify(value, null, 2) + '\n');
  }

  writeSummary(summary: RunSummary): void {
    this.writeJson('summary.json', summary);
  }

  async close(): Promise<void> {
    const streams = [...this.hlogs.values(), ...this.jsonl.values()];
    await Promise.all(streams.map((s) => new Promise<void>((r) => s.end(() => r()))));
  }
}
