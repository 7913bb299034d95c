/**
 * The runs under a results root, as `results list` shows them: id, name, tags, workload, cluster,
 * status (a run whose coordinator died reads as unfinished; one whose coordinator is alive as running),
 * verdict (from summary.json) and size on disk. Folders that are not runs are skipped.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { manifestSchema } from '@etcdlab/common';
import type { RunEntry } from './prune-plan.js';

export interface CatalogEntry extends RunEntry {
  name?: string;
  tags?: Record<string, string>;
  workload: string;
  cluster: string;
  verdict?: string;
}

export function listRuns(root: string): CatalogEntry[] {
  const dir = resolve(root);
  if (!existsSync(dir)) return [];
  const out: CatalogEntry[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    const runDir = join(dir, e.name);
    const file = join(runDir, 'manifest.json');
    if (!existsSync(file)) continue;
    let m;
    try {
      const r = manifestSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
      if (!r.success) continue;
      m = r.data;
    } catch {
      continue;
    }
    let verdict: string | undefined;
    try {
      verdict = (JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as { verdict?: { status?: string } }).verdict?.status;
    } catch {
      /* no summary: a run cut short */
    }
    const status = m.status === 'running' ? (coordinatorAlive(runDir) ? 'running' : 'unfinished') : String(m.status ?? 'unknown');
    out.push({
      runId: m.runId,
      dir: runDir,
      createdAtMs: Date.parse(m.createdAt) || statSync(file).mtimeMs,
      bytes: folderBytes(runDir),
      status,
      ...(m.name ? { name: m.name } : {}),
      ...(m.tags ? { tags: m.tags } : {}),
      workload: m.workload.name,
      cluster: `${m.cluster.provider}, ${m.cluster.members} member(s)`,
      ...(verdict ? { verdict } : {}),
    });
  }
  return out.sort((a, b) => a.createdAtMs - b.createdAtMs);
}

function coordinatorAlive(runDir: string): boolean {
  try {
    const c = JSON.parse(readFileSync(join(runDir, 'coordinator.json'), 'utf8')) as { pid?: number; host?: string; aliveAtMs?: number };
    if (c.host !== hostname() || typeof c.pid !== 'number') return typeof c.aliveAtMs === 'number' && Date.now() - c.aliveAtMs < 10_000;
    return readFileSync(`/proc/${c.pid}/cmdline`, 'utf8').includes('etcdlab');
  } catch {
    return false;
  }
}

function folderBytes(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    try {
      total += e.isDirectory() ? folderBytes(p) : statSync(p).size;
    } catch {
      /* removed meanwhile */
    }
  }
  return total;
}
