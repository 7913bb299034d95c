import { existsSync, lstatSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { ErrorCodes, InputError } from '@etcdlab/common';
import { join } from 'node:path';
import type { RunSummary } from '@etcdlab/common';
import { buildReport } from './model/build.js';
import { toRunSummary } from './model/summary.js';
import type { ReportModel } from './model/types.js';
import { readRun } from './raw/read-run.js';
import type { RawRun } from './raw/types.js';
import { renderChurnCsv } from './render/churn-csv.js';
import { percentileCsvs } from './render/csv.js';
import { renderIntervalsCsv } from './render/intervals-csv.js';
import { renderHtml } from './render/html.js';
import { renderMarkdown } from './render/markdown.js';

export interface WrittenReport {
  model: ReportModel;
  /** The run's summary recomputed from the raw data (the terminal table). */
  summary: RunSummary;
  dir: string;
  files: string[];
}

/**
 * A results folder's figures without rendering anything: the raw data, the report model and the run
 * summary derived from them. The run calls this at its end (and writes summary.json from it); `report`
 * rebuilds the same from the same folder, so both are equal by construction.
 */
export function summarizeFolder(dir: string): { raw: RawRun; model: ReportModel; summary: RunSummary } {
  const raw = readRun(dir);
  const model = buildReport(raw);
  return { raw, model, summary: toRunSummary(raw, model) };
}

/** Every document of a report as file name -> contents (pure but for the chart rendering). */
export function renderDocuments(raw: RawRun, model: ReportModel, onProgress?: (m: string) => void): Map<string, string> {
  const docs = new Map<string, string>();
  docs.set('index.html', renderHtml(model, onProgress ? { onProgress } : {}));
  docs.set('summary.md', renderMarkdown(model));
  docs.set('report.json', JSON.stringify(model, null, 2) + '\n');
  docs.set('churn_results.csv', renderChurnCsv(raw));
  for (const c of percentileCsvs(model)) docs.set(join('csv', c.name), c.text);
  docs.set(join('csv', 'intervals.csv'), renderIntervalsCsv(model));
  return docs;
}

/**
 * Rebuilds every document of a results folder from its raw data into <dir>/report/: index.html,
 * summary.md, report.json, churn_results.csv, csv/intervals.csv and csv/percentiles_<phase>_<op>.csv. The folder's own files
 * are only read. Old documents are replaced, so the report always matches the data.
 */
export function writeReport(dir: string, opts: { onProgress?: (m: string) => void; raw?: RawRun; model?: ReportModel } = {}): WrittenReport {
  const raw = opts.raw ?? readRun(dir);
  if (!opts.model) opts.onProgress?.(`computing figures from ${raw.intervals.length} interval report(s) and ${raw.metrics.length} metrics sample(s)`);
  const model = opts.model ?? buildReport(raw);
  const docs = renderDocuments(raw, model, opts.onProgress ? (m) => opts.onProgress?.(`rendering charts: ${m}`) : undefined);
  const out = join(raw.dir, 'report');
  // The report folder is etcdlab's own: a file or a link there (to /proc, to another folder) is not emptied.
  if (existsSync(out) && !lstatSync(out).isDirectory())
    throw new InputError(ErrorCodes.resultsInvalid, `${out} is not a folder etcdlab wrote`, [{ file: out, message: lstatSync(out).isSymbolicLink() ? 'is a symbolic link' : 'is a file', fix: 'remove it; etcdlab report writes the report folder itself' }]);
  if (existsSync(join(out, 'csv')) && !lstatSync(join(out, 'csv')).isDirectory())
    throw new InputError(ErrorCodes.resultsInvalid, `${join(out, 'csv')} is not a folder etcdlab wrote`, [{ file: join(out, 'csv'), message: 'is not a folder', fix: 'remove it; etcdlab report writes it itself' }]);
  rmSync(join(out, 'csv'), { recursive: true, force: true });
  mkdirSync(join(out, 'csv'), { recursive: true });
  for (const [name, text] of docs) writeFileSync(join(out, name), text);
  const files = [...docs.keys()].sort();
  // Nothing else is left in the folder: a file from an older layout would look current.
  for (const f of readdirSync(out)) if (f !== 'csv' && !docs.has(f)) rmSync(join(out, f), { recursive: true, force: true });
  return { model, summary: toRunSummary(raw, model), dir: out, files: files.map((f) => join(out, f)) };
}
