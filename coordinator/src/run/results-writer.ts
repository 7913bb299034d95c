import { closeSync, createWriteStream, existsSync, mkdirSync, openSync, readSync, renameSync, statSync, type WriteStream, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type IntervalMaxima, type IntervalReport, SparseDecoder, sparseMaxValue } from '@etcdlab/common';
import { formatHlogEntry, hlogHeader, hlogTag } from '../report/raw/hlog.js';

/**
 * Writes the run's folder as data arrives, so that whatever was measured survives an abort:
 *  - agents/<id>.hlog: every interval histogram in the HdrHistogram log format (tag = phase/op),
 *    readable by HdrHistogram's own tools; time stamps are seconds since the run's base time;
 *  - agents/<id>.intervals.jsonl: the counts, errors by code and agent CPU of each interval report;
 *  - manifest.json (summary.json is derived from the folder at the end: run-session.ts).
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
      const file = join(this.dir, 'agents', `${agentId}.hlog`);
      const fresh = !existsSync(file) || statSync(file).size === 0;
      s = appendTo(file);
      if (fresh) s.write(hlogHeader(this.baseTimeMs, agentId));
      this.hlogs.set(agentId, s);
    }
    return s;
  }

  /** One report; `maxima` from the merger's decode (PhaseMerger.lastMaxima), else decoded here. */
  appendInterval(r: IntervalReport, maxima?: IntervalMaxima): void {
    const startSec = (r.intervalStartMs - this.baseTimeMs) / 1000;
    const lengthSec = r.intervalMs / 1000;
    const maxOf = (h: string, known: number | undefined) => known ?? sparseMaxValue(this.decoder.decode(h));
    let lines = '';
    r.ops.forEach((op, k) => {
      const warmup = r.warmup === true;
      // Interval_Max in milliseconds, as HdrHistogram's log tools expect for microsecond values.
      lines += formatHlogEntry({ tag: hlogTag(r.phase, op.op, { warmup }), startSec, lengthSec, maxMs: maxOf(op.histogram, maxima?.latencyUs[k]) / 1000, histogram: op.histogram });
      if (op.serviceHistogram)
        lines += formatHlogEntry({ tag: hlogTag(r.phase, op.op, { warmup, service: true }), startSec, lengthSec, maxMs: maxOf(op.serviceHistogram, maxima?.serviceUs[k]) / 1000, histogram: op.serviceHistogram });
    });
    this.hlogFor(r.agentId).write(lines); // one write per report: 1,000 agents x 10 ops add up
    let j = this.jsonl.get(r.agentId);
    if (!j) this.jsonl.set(r.agentId, (j = appendTo(join(this.dir, 'agents', `${r.agentId}.intervals.jsonl`))));
    const { ops, ...rest } = r;
    j.write(JSON.stringify({ ...rest, ops: ops.map(({ histogram: _h, serviceHistogram: _s, ...o }) => o) }) + '\n');
  }

  /** Replaced whole (a temporary file renamed over it): a process killed while writing never leaves half a manifest. */
  writeJson(name: 'manifest.json', value: unknown): void {
    const file = join(this.dir, name);
    writeFileSync(`${file}.tmp`, JSON.stringify(value, null, 2) + '\n');
    renameSync(`${file}.tmp`, file);
  }

  async close(): Promise<void> {
    const streams = [...this.hlogs.values(), ...this.jsonl.values()];
    await Promise.all(streams.map((s) => new Promise<void>((r) => s.end(() => r()))));
  }
}

/**
 * Appended, not replaced: a resumed run (run --resume) goes on in the files its earlier coordinator
 * wrote. A line that coordinator was killed in the middle of is ended first, so it stays one bad line
 * (skipped and noted by the reader) instead of swallowing the next good one.
 */
function appendTo(file: string): WriteStream {
  const s = createWriteStream(file, { flags: 'a' });
  if (existsSync(file) && statSync(file).size > 0) {
    const fd = openSync(file, 'r');
    const last = Buffer.alloc(1);
    readSync(fd, last, 0, 1, statSync(file).size - 1);
    closeSync(fd);
    if (last[0] !== 0x0a) s.write('\n');
  }
  return s;
}
